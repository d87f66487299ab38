// Cases 17, 18: concurrent saves under one name; path traversal in workflow names, load paths
// and save folders (../, absolute, NUL, symlinks out): refused, nothing touched outside.
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { qrWorkflow, type TestApp, testApp } from '../../packages/server/src/server.test-support.js'
import { filesUnder, link, settled, submit, tempDir, workflowOf } from './rig.test-support.js'

let t: TestApp
let outside: Awaited<ReturnType<typeof tempDir>>
let snapshot: () => string[]
const input = () => join(t.dir, 'in')
const out = () => join(t.dir, 'out')

beforeAll(async () => {
  t = await testApp({ concurrency: 8 })
  outside = await tempDir('sdflow-outside-')
  const png = await sharp({
    create: { width: 8, height: 8, channels: 3, background: '#f00' },
  })
    .png()
    .toBuffer()
  writeFileSync(join(outside.path, 'secret.png'), png)
  writeFileSync(join(outside.path, 'secret.json'), JSON.stringify(qrWorkflow('secret')))
  mkdirSync(input(), { recursive: true })
  mkdirSync(out(), { recursive: true })
  mkdirSync(join(t.dir, 'workflows'), { recursive: true })
  symlinkSync(join(outside.path, 'secret.png'), join(input(), 'link.png'))
  symlinkSync(outside.path, join(input(), 'linkdir'))
  symlinkSync(outside.path, join(out(), 'linkdir'))
  symlinkSync(join(outside.path, 'secret.json'), join(t.dir, 'workflows', 'evil.json'))
  const state = () =>
    readdirSync(outside.path).map(
      (f) =>
        `${f}:${createHash('sha256')
          .update(readFileSync(join(outside.path, f)))
          .digest('hex')}`,
    )
  const before = state()
  snapshot = () => {
    const now = state()
    expect(now).toEqual(before)
    return now
  }
})
afterAll(async () => {
  await t.close()
  await outside.remove()
})

/** Submit; an invalid workflow (400) or a failed node must name SDF_PATH_OUTSIDE_ROOT. */
async function refused(doc: Record<string, unknown>, node: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/runs', payload: { workflow: doc } })
  if (res.statusCode === 400) {
    const body = res.json() as { code: string; issues: { code: string; pointer: string }[] }
    const codes = body.issues.map((i) => i.code)
    return codes.includes('SDF_PATH_OUTSIDE_ROOT') ? 'SDF_PATH_OUTSIDE_ROOT' : codes.join(',')
  }
  expect(res.statusCode, res.body).toBe(202)
  const run = await settled(t.app, (res.json() as { runId: string }).runId)
  expect(run.status).toBe('failed')
  return run.nodes[node]?.issue?.code ?? `no issue: ${run.nodes[node]?.status}`
}

describe('path traversal', () => {
  const loads = () => [
    ['../', relative(input(), join(outside.path, 'secret.png'))],
    ['an absolute path', join(outside.path, 'secret.png')],
    ['a NUL byte', 'secret.png\u0000.png'],
    ['a symlink to a file outside', 'link.png'],
    ['a symlinked folder', 'linkdir/secret.png'],
  ]

  it('refuses load paths outside the input folder; nothing is read or written', async () => {
    for (const [what, path] of loads()) {
      const doc = workflowOf({
        load: { type: 'image.load', params: { path } },
        save: { type: 'image.save', params: { prefix: 'leak' }, inputs: { image: link('load') } },
      })
      expect(await refused(doc, 'load'), what).toBe('SDF_PATH_OUTSIDE_ROOT')
    }
    expect(filesUnder(out()).filter((f) => !f.startsWith('linkdir'))).toEqual([])
    snapshot()
  })

  it('refuses save folders outside the output folder; nothing is written there', async () => {
    const folders = [
      ['../', relative(out(), outside.path)],
      ['an absolute path', outside.path],
      ['a NUL byte', 'sub\u0000dir'],
      ['a symlinked folder', 'linkdir'],
      ['a path through a symlinked folder', 'linkdir/deeper'],
    ]
    for (const [what, folder] of folders) {
      const doc = workflowOf({
        qr: { type: 'image.qr-code', params: { text: 'x', size: 32 } },
        save: {
          type: 'image.save',
          params: { prefix: 'esc', folder },
          inputs: { image: link('qr') },
        },
      })
      expect(await refused(doc, 'save'), what).toBe('SDF_PATH_OUTSIDE_ROOT')
    }
    snapshot()
  })

  it('does not list a workflow that is a link out of the folder', async () => {
    writeFileSync(join(t.dir, 'workflows', 'mine.json'), JSON.stringify(qrWorkflow('mine')))
    const res = await t.app.inject({ method: 'GET', url: '/api/workflows' })
    expect(res.statusCode).toBe(200)
    const names = (res.json() as { name: string; description?: string }[]).map((w) => w.name)
    expect(names).toContain('mine')
    expect(names).not.toContain('evil')
  })

  it('refuses workflow names that leave the workflows folder', async () => {
    for (const name of ['..%2Fsecret', '%2Fetc%2Fpasswd', '..', 'a%00b', '..%5Csecret']) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const res = await t.app.inject({
          method,
          url: `/api/workflows/${name}`,
          ...(method === 'PUT' ? { payload: qrWorkflow('x') } : {}),
        })
        expect(res.statusCode, `${method} ${name}`).toBeGreaterThanOrEqual(400)
        expect(res.statusCode, `${method} ${name}`).toBeLessThan(500)
      }
    }
    const byName = await t.app.inject({
      method: 'POST',
      url: '/api/runs',
      payload: { name: '../secret' },
    })
    expect(byName.statusCode).toBe(400)
    // a symlink in the workflows folder pointing out: neither read nor overwritten
    const read = await t.app.inject({ method: 'GET', url: '/api/workflows/evil' })
    expect(read.statusCode).toBe(403)
    expect(read.json()).toMatchObject({ code: 'SDF_PATH_OUTSIDE_ROOT' })
    const write = await t.app.inject({
      method: 'PUT',
      url: '/api/workflows/evil',
      payload: qrWorkflow('overwritten'),
    })
    expect(write.statusCode).toBe(403)
    const run = await t.app.inject({ method: 'POST', url: '/api/runs', payload: { name: 'evil' } })
    expect(run.statusCode).toBe(403)
    snapshot()
  })
})

describe('runs saving the same file name at the same moment', () => {
  it('keeps every image, each intact', async () => {
    const texts = Array.from({ length: 8 }, (_, i) => `picture number ${i}`)
    const runIds = await Promise.all(
      texts.map((text) =>
        submit(
          t.app,
          workflowOf({
            qr: { type: 'image.qr-code', params: { text, size: 96 } },
            save: {
              type: 'image.save',
              params: { prefix: 'same', folder: 'race' },
              inputs: { image: link('qr') },
            },
          }),
        ),
      ),
    )
    const runs = await Promise.all(runIds.map((id) => settled(t.app, id)))
    expect(runs.map((r) => r.status)).toEqual(texts.map(() => 'finished'))
    const files = filesUnder(join(out(), 'race'))
    expect(files).toEqual(texts.map((_, i) => `same-${String(i + 1).padStart(5, '0')}.png`))
    const hashes = new Set<string>()
    for (const file of files) {
      const bytes = readFileSync(join(out(), 'race', file))
      const { width } = await sharp(bytes)
        .raw()
        .toBuffer({ resolveWithObject: true })
        .then((r) => r.info)
      expect(width).toBe(96)
      hashes.add(createHash('sha256').update(bytes).digest('hex'))
    }
    expect(hashes.size).toBe(texts.length)
    // each run names its own file
    const named = runs.flatMap((r) => r.nodes.save?.files ?? [])
    expect(new Set(named).size).toBe(texts.length)
  })
})

// Cases 7, 8, 19: garbage from a backend, decompression bombs, SSRF and redirects.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bombPng,
  emulators,
  filesUnder,
  gen,
  link,
  type Rig,
  rig,
  save,
  settled,
  submit,
  type Tamper,
  tamperingProxy,
  tempDir,
  workflowOf,
} from './rig.test-support.js'

let emulator: RunningEmulator
const cleanup: (() => Promise<unknown>)[] = []
beforeAll(async () => {
  ;[emulator] = (await emulators(1)) as [RunningEmulator]
  cleanup.push(() => emulator.close())
})
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
})

const TXT2IMG = '/sdapi/v1/txt2img'
const oneImage = workflowOf({ gen: gen({ seed: -1 }), save: save('gen', 'img') })

async function behindProxy(tamper: (answer: Record<string, unknown>) => Tamper): Promise<Rig> {
  const proxy = await tamperingProxy(emulator.url, TXT2IMG, tamper)
  const r = await rig([{ id: 'p', url: proxy.url }])
  cleanup.push(
    () => proxy.close(),
    () => r.close(),
  )
  return r
}

const images = (answer: Record<string, unknown>) => answer.images as string[]
const info = (answer: Record<string, unknown>) =>
  JSON.parse(answer.info as string) as Record<string, unknown>

const truncated = (answer: Record<string, unknown>) => {
  const png = Buffer.from(images(answer)[0] ?? '', 'base64')
  return png.subarray(0, Math.floor(png.length / 2)).toString('base64')
}

describe('garbage in a 200 answer', () => {
  it.each<[string, (answer: Record<string, unknown>) => Tamper, RegExp]>([
    [
      'invalid base64',
      (a) => ({ body: { ...a, images: ['iVBORw0KGgo%%%not-base64%%%'] } }),
      /\/images\/0 is not valid base64/,
    ],
    [
      'a truncated PNG',
      (a) => ({ body: { ...a, images: [truncated(a)] } }),
      /\/images\/0 is not an image/,
    ],
    [
      'an HTML page',
      () => ({ headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html></html>' }),
      /answered 200 with HTML instead of JSON/,
    ],
    ['no images at all', (a) => ({ body: { ...a, images: [] } }), /answered without images/],
    [
      'fewer images than infotexts',
      (a) => {
        const i = info(a)
        const texts = i.infotexts as string[]
        return { body: { ...a, info: JSON.stringify({ ...i, infotexts: [...texts, ...texts] }) } }
      },
      /returned 1 images for 2 infotexts/,
    ],
    [
      'more images than asked for',
      (a) => {
        const i = info(a)
        const texts = i.infotexts as string[]
        const many = [...texts, ...texts, ...texts]
        return {
          body: {
            ...a,
            images: [...images(a), ...images(a), ...images(a)],
            info: JSON.stringify({ ...i, infotexts: many }),
          },
        }
      },
      /returned 3 generated images, expected 1/,
    ],
  ])(
    '%s: the node fails with a clear message; no partial file anywhere',
    async (_what, tamper, message) => {
      const r = await behindProxy(tamper)
      const run = await settled(r.app, await submit(r.app, oneImage))
      expect(run.status).toBe('failed')
      const issue = run.nodes.gen?.issue
      expect(issue?.code).toBe('SDF_BACKEND_BAD_RESPONSE')
      expect(issue?.message).toMatch(/^backend "p" POST \/sdapi\/v1\/txt2img: /)
      expect(issue?.message).toMatch(message)
      expect(run.nodes.save?.status).toBe('skipped')
      expect(filesUnder(r.out)).toEqual([])
      expect(
        filesUnder(join(r.dir, 'data', 'artifacts')).filter((f) => f.endsWith('.tmp')),
      ).toEqual([])
    },
  )
})

const bombEntry = fileURLToPath(new URL('./bomb.test-support.ts', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))

describe('a decompression bomb', () => {
  it('is refused by the pixel limit in an answer, the store and image.load, with bounded memory', async () => {
    const dir = await tempDir('sdflow-bomb-')
    cleanup.push(() => dir.remove())
    const bomb = bombPng(20_000) // 400 megapixels in about 60 KB
    expect(bomb.length).toBeLessThan(200_000)
    const file = join(dir.path, 'bomb.png')
    writeFileSync(file, bomb)
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', bombEntry, file, dir.path],
      { cwd: root },
    )
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      codes: Record<string, string>
      baselineKb: number
      maxRssKb: number
    }
    expect(report.codes).toEqual({
      store: 'SDF_IMAGE_TOO_LARGE',
      response: 'SDF_IMAGE_TOO_LARGE',
      load: 'SDF_IMAGE_TOO_LARGE',
    })
    // decoding it would take 400 MB (1 byte a pixel) and more: the process stays far below
    const peakMb = Math.round(report.maxRssKb / 1024)
    expect(peakMb).toBeLessThan(300)
    process.stdout.write(
      `[figures] decompression bomb: peak RSS ${peakMb} MB (after imports ${Math.round(report.baselineKb / 1024)} MB)\n`,
    )
  })
})

describe('server-side request forgery and redirects', () => {
  /** An "internal" service the backend host could reach: it must never be asked anything. */
  async function internalService() {
    const seen: string[] = []
    const server = createServer((req, res) => {
      seen.push(req.url ?? '')
      res.end('secret')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    cleanup.push(() => new Promise((resolve) => server.close(resolve)))
    return { url, seen }
  }

  it('refuses a workflow naming a backend by URL before anything runs', async () => {
    const internal = await internalService()
    const r = await rig([{ id: 'emu', url: emulator.url }])
    cleanup.push(() => r.close())
    const doc = workflowOf({ gen: gen({ backend: `${internal.url}/` }), save: save('gen', 'x') })
    const res = await r.app.inject({ method: 'POST', url: '/api/runs', payload: { workflow: doc } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'SDF_CATALOG_UNKNOWN_NAME',
      issues: [{ pointer: '/nodes/gen/params/backend' }],
    })
    expect(internal.seen).toEqual([])
  })

  it('never hands the backend a URL to fetch, whatever `extra` says', async () => {
    const internal = await internalService()
    const r = await rig([{ id: 'emu', url: emulator.url }])
    cleanup.push(() => r.close())
    const before = emulator.stats().requests['/sdapi/v1/img2img'] ?? 0
    const doc = workflowOf({
      gen: gen(),
      i2i: {
        type: 'sd.img2img',
        params: {
          prompt: 'x',
          steps: 2,
          seed: 1,
          extra: {
            alwayson_scripts: {
              controlnet: { args: [{ image: `${internal.url}/metadata`, module: 'none' }] },
            },
          },
        },
        inputs: { image: link('gen') },
      },
    })
    const run = await settled(r.app, await submit(r.app, doc))
    expect(run.nodes.i2i?.issue).toMatchObject({
      code: 'SDF_PARAM_INVALID',
      details: { field: '/alwayson_scripts/controlnet/args/0/image' },
    })
    expect(emulator.stats().requests['/sdapi/v1/img2img'] ?? 0).toBe(before)
    expect(internal.seen).toEqual([])
  })

  it('does not follow a backend redirect', async () => {
    const internal = await internalService()
    const r = await behindProxy(() => ({
      status: 302,
      headers: { location: `${internal.url}/steal` },
      body: '',
    }))
    const run = await settled(r.app, await submit(r.app, oneImage))
    expect(run.nodes.gen?.issue?.code).toBe('SDF_BACKEND_BAD_RESPONSE')
    expect(run.nodes.gen?.issue?.message).toMatch(/302 redirect to .*redirects are never followed/)
    expect(run.nodes.gen?.attempts).toBe(1)
    expect(internal.seen).toEqual([])
  })

  it('refuses a config whose backend URL is not http(s) or carries credentials', async () => {
    const { createRuntime } = await import('@sdflow/server')
    const dir = await tempDir('sdflow-config-')
    cleanup.push(() => dir.remove())
    for (const url of ['file:///etc/passwd', 'http://admin:pw@127.0.0.1:7860', 'gopher://x/']) {
      const file = join(dir.path, 'bad.json')
      writeFileSync(file, JSON.stringify({ backends: [{ id: 'x', url }] }))
      await expect(
        createRuntime({ backends: 'auto', configFile: file, dataDir: dir.path }),
        url,
      ).rejects.toMatchObject({ code: 'SDF_CONFIG_INVALID', issue: { pointer: '/backends/0/url' } })
    }
  })
})

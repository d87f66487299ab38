import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { qrWorkflow, type TestApp, tempDir, testApp } from './server.test-support.js'

let t: TestApp
let examples: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  examples = await tempDir('sdflow-examples-')
  await writeFile(join(examples.path, 'shipped.json'), JSON.stringify(qrWorkflow('shipped')))
  t = await testApp({ examplesDir: examples.path })
  await mkdir(join(t.dir, 'workflows'), { recursive: true })
  await writeFile(join(t.dir, 'workflows', 'mine.json'), JSON.stringify(qrWorkflow('mine')))
})
afterAll(async () => {
  await t.close()
  await examples.remove()
})

const put = (name: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'PUT',
    url: `/api/workflows/${name}`,
    payload: JSON.stringify(qrWorkflow(name)),
    headers: { 'content-type': 'application/json', ...headers },
  })

describe('user workflows apart from the shipped examples', () => {
  it('lists the user folder first, then the examples, each marked with its source', async () => {
    const list = (await t.app.inject({ url: '/api/workflows' })).json()
    expect(list.map((w: { name: string; source: string }) => [w.name, w.source])).toEqual([
      ['mine', 'user'],
      ['shipped', 'example'],
    ])
  })

  it('opens an example and says where it comes from', async () => {
    const res = await t.app.inject({ url: '/api/workflows/shipped' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-sdflow-source']).toBe('example')
    expect((await t.app.inject({ url: '/api/workflows/mine' })).headers['x-sdflow-source']).toBe(
      'user',
    )
  })

  it('never writes or deletes an example (409 SDF_SERVER_READ_ONLY)', async () => {
    const { etag } = (await t.app.inject({ url: '/api/workflows/shipped' })).headers
    for (const res of [
      await put('shipped', { 'if-none-match': '*' }),
      await put('shipped', { 'if-match': String(etag) }),
      await put('shipped'),
      await t.app.inject({ method: 'DELETE', url: '/api/workflows/shipped' }),
    ]) {
      expect(res.statusCode).toBe(409)
      expect(res.json().code).toBe('SDF_SERVER_READ_ONLY')
    }
    expect(await readdir(examples.path)).toEqual(['shipped.json'])
  })

  it('saves new workflows into the user folder', async () => {
    expect((await put('copy-of-shipped', { 'if-none-match': '*' })).statusCode).toBe(201)
    expect((await readdir(join(t.dir, 'workflows'))).sort()).toEqual([
      'copy-of-shipped.json',
      'mine.json',
    ])
  })
})

describe('home page without a built editor', () => {
  it('says how to build the editor', async () => {
    const res = await t.app.inject({ url: '/', headers: { accept: 'text/html' } })
    // the test app may serve a built editor; the plain page is what stands without one
    if (res.body.includes('id="root"')) return
    expect(res.body).toContain('npm run build -w @sdflow/editor')
    expect(res.body).toContain('npm start')
  })
})

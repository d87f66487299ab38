import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bombPng, type TestApp, testApp, waitFor } from './server.test-support.js'

// a 1x1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

let t: TestApp
beforeAll(async () => {
  t = await testApp({ routeBodyLimits: { 'POST /api/uploads': 4096 } })
})
afterAll(async () => {
  await t.close()
})

const upload = (payload: Buffer | string, type: string) =>
  t.app.inject({ method: 'POST', url: '/api/uploads', payload, headers: { 'content-type': type } })

describe('POST /api/uploads', () => {
  it('stores image bytes and answers their ImageRef, served by hash', async () => {
    const res = await upload(PNG, 'image/png')
    expect(res.statusCode).toBe(201)
    const ref = res.json()
    expect(ref).toMatchObject({ width: 1, height: 1, mime: 'image/png' })
    expect(ref.hash).toMatch(/^[0-9a-f]{64}$/)
    const back = await t.app.inject({ url: `/api/artifacts/${ref.hash}` })
    expect(back.rawPayload.equals(PNG)).toBe(true)
  })

  it('takes only image bytes: the magic bytes decide, not the header', async () => {
    const fake = await upload(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png')
    expect(fake.statusCode).toBe(422)
    expect(fake.json().code).toBe('SDF_IMAGE_INVALID')
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/uploads',
      payload: { path: '/etc/passwd' },
    })
    expect(json.statusCode).toBeGreaterThanOrEqual(400)
    expect((await upload('x', 'text/plain')).statusCode).toBe(415)
  })

  it('refuses a body over the route limit', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(8192)])
    const res = await upload(big, 'image/png')
    expect(res.statusCode).toBe(413)
  })

  it('refuses an image over the pixel limit: 413 SDF_IMAGE_TOO_LARGE at /body, nothing stored', async () => {
    // the default route limit, so the body limit is not what refuses it
    const big = await testApp()
    try {
      const bomb = bombPng(20_000) // 400 megapixels in about 50 KB
      expect(bomb.length).toBeLessThan(100_000)
      const res = await big.app.inject({
        method: 'POST',
        url: '/api/uploads',
        payload: bomb,
        headers: { 'content-type': 'image/png' },
      })
      expect(res.statusCode).toBe(413)
      const body = res.json()
      expect(body.code).toBe('SDF_IMAGE_TOO_LARGE')
      expect(body.message).toMatch(/20000 x 20000/)
      expect(body.issues).toEqual([
        expect.objectContaining({ code: 'SDF_IMAGE_TOO_LARGE', pointer: '/body' }),
      ])
      expect(res.headers.location).toBeUndefined()
      const hash = createHash('sha256').update(bomb).digest('hex')
      expect((await big.app.inject({ url: `/api/artifacts/${hash}` })).statusCode).toBe(404)
    } finally {
      await big.close()
    }
  })

  it('an uploaded image feeds image.load by its hash', async () => {
    const { hash } = (await upload(PNG, 'image/png')).json()
    const workflow = {
      format: 'sdflow.workflow/1',
      name: 'uploaded',
      outputs: { image: { node: 'load', output: 'image' } },
      nodes: { load: { type: 'image.load', params: { artifact: hash } } },
    }
    const started = await t.app.inject({ method: 'POST', url: '/api/runs', payload: { workflow } })
    expect(started.statusCode).toBe(202)
    const { runId } = started.json()
    const run = await waitFor(async () => {
      const r = (await t.app.inject({ url: `/api/runs/${runId}` })).json()
      return r.status === 'finished' || r.status === 'failed' ? r : undefined
    }, 'the run to end')
    expect(run.status).toBe('finished')
    expect(JSON.stringify(run.outputs)).toContain(hash)
  })
})

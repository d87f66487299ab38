import type { Client } from 'node-sd-webui'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Gateway, getJson, pngBase64, sizeOf, startGateway } from './face.test-support.js'

// node-sd-webui: an A1111 client from npm nobody here wrote (it sends no credentials, so this
// gateway has no token, as a loopback A1111 without --api-auth)
// its typings are CommonJS-style (`export default` read as a namespace); its ESM build exports
// the factory as default, which is what runs
const sdwebui = (await import('node-sd-webui')).default as unknown as (props: {
  apiUrl: string
}) => Client

let g: Gateway
beforeAll(async () => {
  g = await startGateway({ token: false, stepMs: 5 })
})
afterAll(async () => g.close())

describe('a third-party A1111 client (node-sd-webui) pointed at sdflow', () => {
  it('gets txt2img images, parameters and info, and reads the infotext back with png-info', async () => {
    const client = sdwebui({ apiUrl: g.url })
    const answer = await client.txt2img({
      prompt: 'a lighthouse at night',
      negativePrompt: 'blurry',
      steps: 5,
      width: 64,
      height: 64,
      seed: 31,
      batchSize: 2,
      samplingMethod: 'Euler a',
    })
    expect(answer.images).toHaveLength(2)
    expect(JSON.parse(answer.info).all_seeds).toEqual([31, 32])
    // its parser reads fields by position as A1111 <= 1.8 wrote them; 1.10's `Schedule type`
    // shifts the later ones, so only the leading fields are compared (as against a real 1.10)
    const info = await client.pngInfo({ imageData: answer.images[0] ?? '' })
    expect(info).toMatchObject({
      prompt: 'a lighthouse at night',
      negativePrompt: 'blurry',
      steps: 5,
      samplingMethod: 'Euler a',
    })
    const runs = (await getJson(`${g.url}/api/runs`)).body.runs
    expect(runs.some((r: { workflow: string }) => r.workflow === 'a1111-txt2img')).toBe(true)
  })

  it('gets img2img at the requested size', async () => {
    const client = sdwebui({ apiUrl: g.url })
    const answer = await client.img2img({
      imageData: [await pngBase64(80, 80)],
      prompt: 'the same, in winter',
      steps: 4,
      width: 64,
      height: 48,
      seed: 5,
    })
    expect(answer.images).toHaveLength(1)
    expect(await sizeOf(answer.images[0] ?? '')).toEqual({ width: 64, height: 48 })
  })
})

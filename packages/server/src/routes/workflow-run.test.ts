import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Gateway,
  getJson,
  postJson,
  sizeOf,
  startGateway,
  TOKEN,
} from '../a1111/face.test-support.js'
import { waitFor } from '../server.test-support.js'

const auth = { authorization: `Bearer ${TOKEN}` }
let g: Gateway
beforeAll(async () => {
  g = await startGateway({
    stepMs: 1,
    workflowsDir: fileURLToPath(new URL('../../../../workflows', import.meta.url)),
  })
})
afterAll(async () => g.close())

describe('POST /api/workflows/:name/run', () => {
  it('runs qr-illusion and answers with a scanning image, its score and cost', async () => {
    const answer = await postJson(
      `${g.url}/api/workflows/qr-illusion/run?images=base64`,
      { inputs: { text: 'https://sdflow.test/a', seed: 7 } },
      auth,
    )
    expect(answer.status).toBe(200)
    const { outputs } = answer.body
    expect(outputs.ok).toBe(true)
    expect(outputs.text).toBe('https://sdflow.test/a')
    expect(typeof outputs.score).toBe('number')
    const [image] = outputs.image
    expect(image.url).toBe(`/api/artifacts/${image.hash}`)
    expect(await sizeOf(image.base64)).toEqual({ width: image.width, height: image.height })
    expect(answer.body.files).toHaveLength(1)
    expect(answer.body.cost.gpuMs).toBeGreaterThan(0)
    expect(answer.body.seeds.gen).toBeDefined()
    const bytes = await fetch(`${g.url}${image.url}`, { headers: auth })
    expect(bytes.status).toBe(200)
  })

  it('answers 202 with the run id and its URLs when the run is not done in time', async () => {
    const answer = await postJson(
      `${g.url}/api/workflows/qr-illusion/run?wait=0`,
      { inputs: { seed: 8 } },
      auth,
    )
    expect(answer.status).toBe(202)
    expect(answer.body.urls.run).toBe(`/api/runs/${answer.body.runId}`)
    expect(answer.headers.get('location')).toBe(answer.body.urls.run)
    await waitFor(
      async () => {
        const run = await getJson(`${g.url}${answer.body.urls.run}`, auth)
        return run.body.status === 'finished'
      },
      'the run to finish',
      60_000,
    )
  })

  it('answers 400 with every issue for invalid inputs', async () => {
    const answer = await postJson(
      `${g.url}/api/workflows/qr-illusion/run`,
      { inputs: { nope: 1, also: 2 } },
      auth,
    )
    expect(answer.status).toBe(400)
    expect(answer.body.issues.map((i: { pointer: string }) => i.pointer)).toEqual([
      '/inputs/nope',
      '/inputs/also',
    ])
  })
})

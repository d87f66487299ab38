import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SdflowError } from '@sdflow/protocol'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpArtifactStore } from './http-artifacts.js'

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

/** A coordinator on loopback answering every request with `status` until `healAfter` of them. */
async function coordinator(status: number, healAfter = Number.POSITIVE_INFINITY) {
  let seen = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      seen++
      res.writeHead(seen > healAfter ? 204 : status).end()
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, seen: () => seen }
}

const png = () =>
  sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } })
    .png()
    .toBuffer()

/** The SdflowError a call fails with. */
const failure = (promise: Promise<unknown>): Promise<SdflowError> =>
  promise.then(
    () => Promise.reject(new Error('expected a failure')),
    (error: unknown) => (error instanceof SdflowError ? error : Promise.reject(error)),
  )

describe("a worker's artifact store on the coordinator", () => {
  it('gives up an upload with SDF_QUEUE_UNREACHABLE_SERVER once the retry budget is spent', async () => {
    const down = await coordinator(503)
    const store = createHttpArtifactStore({ serverUrl: down.url, retryForMs: 700 })
    const error = await failure(store.put(await png()))
    expect(error.code).toBe('SDF_QUEUE_UNREACHABLE_SERVER')
    expect(error.message).toMatch(
      /^uploading artifact [0-9a-f]{64}: the coordinator .* did not answer within 700 ms \(HTTP 503\)$/,
    )
    expect(down.seen()).toBeGreaterThan(1)
  })

  it('gives up on a coordinator nobody listens on, naming the refused connection', async () => {
    const gone = await coordinator(204)
    const url = gone.url
    const server = servers.pop()
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    const store = createHttpArtifactStore({ serverUrl: url, retryForMs: 500 })
    const error = await failure(store.read('0'.repeat(64)))
    expect(error.code).toBe('SDF_QUEUE_UNREACHABLE_SERVER')
    expect(error.message).toMatch(/^fetching artifact 0{64}: .* \(.*ECONNREFUSED.*\)$/)
  })

  it('keeps the bytes and uploads once the coordinator answers again within the budget', async () => {
    const flaky = await coordinator(503, 2)
    const store = createHttpArtifactStore({ serverUrl: flaky.url, retryForMs: 10_000 })
    const bytes = await png()
    const ref = await store.put(bytes)
    expect(ref.width).toBe(4)
    expect(flaky.seen()).toBe(3)
    expect(await store.read(ref)).toEqual(bytes)
  })
})

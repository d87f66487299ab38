// Issue 12 case 6: a backend answering 1 GB of garbage to txt2img. The answer is read up to a
// cap derived from maxPixels and the batch (or the backend's maxResponseBytes), then dropped:
// SDF_BACKEND_BAD_RESPONSE, one request, the backend not marked down, the server's peak RSS
// bounded. Against `sdflow-server` as a child process.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ChildServer,
  killChildServers,
  startServerProcess,
} from '../../packages/server/src/child-server.test-support.js'
import {
  emulators,
  gen,
  save,
  tempDir,
  waitFor,
  workflowOf,
  writeConfig,
} from './rig.test-support.js'
import { statusMb } from './server-memory.test-support.js'

const GB = 1024 * 1024 * 1024
let emulator: RunningEmulator
let proxy: Server
let proxyUrl: string
let dir: Awaited<ReturnType<typeof tempDir>>
const txt2img = { requests: 0, sent: 0 }

/** Forwards to the emulator; POST /sdapi/v1/txt2img answers a JSON string of 1 GB instead. */
function garbageProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if ((req.url ?? '').startsWith('/sdapi/v1/txt2img')) {
        txt2img.requests++
        res.writeHead(200, { 'content-type': 'application/json' })
        const block = Buffer.alloc(1024 * 1024, 'A')
        res.write('{"images":["')
        const pump = () => {
          while (txt2img.sent < GB && !res.destroyed) {
            txt2img.sent += block.length
            if (!res.write(block)) return void res.once('drain', pump)
          }
          if (!res.destroyed) res.end('"]}')
        }
        res.on('close', () => res.destroy())
        pump()
        return
      }
      fetch(`${target}${req.url ?? '/'}`, {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
      })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' })
          res.end(Buffer.from(await answer.arrayBuffer()))
        })
        .catch(() => res.destroy())
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

beforeAll(async () => {
  ;[emulator] = (await emulators(1)) as [RunningEmulator]
  proxy = await garbageProxy(emulator.url)
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  dir = await tempDir('sdflow-huge-')
})
afterAll(async () => {
  await killChildServers()
  proxy.closeAllConnections()
  await new Promise((resolve) => proxy.close(resolve))
  await emulator.close()
  await dir.remove()
})

async function runAgainst(name: string, backend: { maxResponseBytes?: number }) {
  // the emulator behind the proxy runs no job: progress would read as frozen while we read
  const timeouts = { frozenMs: 120_000, requestMs: 120_000 }
  const config = writeConfig(join(dir.path), [{ id: 'huge', url: proxyUrl, timeouts, ...backend }])
  const server: ChildServer = await startServerProcess([
    '--port',
    '0',
    '--config',
    config,
    '--data',
    join(dir.path, name, 'data'),
    '--out',
    join(dir.path, name, 'out'),
  ])
  txt2img.requests = 0
  txt2img.sent = 0
  const res = await fetch(`${server.url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: workflowOf({ gen: gen(), save: save('gen', 'g') }) }),
  })
  expect(res.status).toBe(202)
  const { runId } = (await res.json()) as { runId: string }
  const run = await waitFor(
    async () => {
      const r = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as {
        status: string
        issues: { code: string; message: string }[]
      }
      return r.status === 'failed' || r.status === 'finished' ? r : undefined
    },
    'the run',
    120_000,
  )
  const backends = (await (await fetch(`${server.url}/api/backends`)).json()) as {
    health: string
  }[]
  const peak = server.process.pid ? statusMb(server.process.pid) : Number.NaN
  server.process.kill('SIGKILL')
  await server.exited
  return { run, health: backends[0]?.health, peak }
}

describe('a backend answering 1 GB of garbage', () => {
  it('stops reading at the derived cap: SDF_BACKEND_BAD_RESPONSE, not retried, backend up', async () => {
    const { run, health, peak } = await runAgainst('derived', {})
    expect(run.status).toBe('failed')
    expect(run.issues[0]?.code).toBe('SDF_BACKEND_BAD_RESPONSE')
    expect(run.issues[0]?.message).toMatch(/more than \d+ bytes/)
    expect(txt2img.requests).toBe(1)
    expect(txt2img.sent).toBeLessThan(GB)
    expect(health).toBe('up')
    // the cap for one 64-megapixel image is about 360 MB; without it the server held 2.2 GB
    expect(peak).toBeLessThan(1000)
    process.stdout.write(`[figures] 1 GB garbage answer, derived cap: server peak RSS ${peak} MB\n`)
  }, 180_000)

  it('honours a configured maxResponseBytes', async () => {
    const { run, health, peak } = await runAgainst('configured', {
      maxResponseBytes: 8 * 1024 * 1024,
    })
    expect(run.issues[0]?.code).toBe('SDF_BACKEND_BAD_RESPONSE')
    expect(txt2img.requests).toBe(1)
    expect(health).toBe('up')
    expect(peak).toBeLessThan(400)
    process.stdout.write(`[figures] 1 GB garbage answer, 8 MiB cap: server peak RSS ${peak} MB\n`)
  }, 180_000)
})

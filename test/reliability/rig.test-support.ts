// Shared set-up of the reliability suite: emulators with faults, a config file with short
// timeouts, the server (in-process via buildApp, or as a child process), run helpers.
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { PoolSettings } from '@sdflow/a1111'
import { type RunningEmulator, type StartOptions, startEmulator } from '@sdflow/a1111-emulator'
import type { RunEvent } from '@sdflow/protocol'
import { buildApp, type ServerOptions } from '@sdflow/server'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'
import { type RunView, tempDir, waitFor } from '../../packages/server/src/server.test-support.js'

export {
  backendWorkflow,
  bombPng,
  Observer,
  qrWorkflow,
  type RunView,
  tempDir,
  waitFor,
  wsUrl,
} from '../../packages/server/src/server.test-support.js'

export interface Timeouts {
  requestMs?: number
  connectMs?: number
  frozenMs?: number
  probeMs?: number
}

/** Short timeouts: every failure case ends in seconds. */
export const fastTimeouts: Required<Timeouts> = {
  requestMs: 10_000,
  connectMs: 1_000,
  frozenMs: 3_000,
  probeMs: 500,
}

/** Quick retries and probes; a short queue timeout. */
export const fastPool: PoolSettings = {
  probeIntervalMs: 200,
  downBackoff: { baseMs: 50, maxMs: 400 },
  retryBackoff: { baseMs: 20, maxMs: 100 },
  queueTimeoutMs: 3_000,
  catalogRefreshMs: 60_000,
}

export interface BackendEntry {
  id: string
  url: string
  timeouts?: Timeouts
  maxResponseBytes?: number
}

/** Write an `sdflow.config.json` and return its path. */
export function writeConfig(
  dir: string,
  backends: readonly BackendEntry[],
  pool: PoolSettings = fastPool,
): string {
  const file = join(dir, 'sdflow.config.json')
  const config = {
    backends: backends.map((b) => ({ ...b, timeouts: { ...fastTimeouts, ...b.timeouts } })),
    pool,
  }
  writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

export async function emulators(
  count: number,
  options: StartOptions = {},
): Promise<RunningEmulator[]> {
  return Promise.all(Array.from({ length: count }, () => startEmulator({ stepMs: 10, ...options })))
}

export interface Rig {
  app: FastifyInstance
  dir: string
  out: string
  input: string
  config: string
  close(): Promise<void>
}

/** buildApp on fresh folders, its backends from a config file with short timeouts. */
export async function rig(
  backends: readonly BackendEntry[],
  options: { pool?: PoolSettings; server?: ServerOptions } = {},
): Promise<Rig> {
  const dir = await tempDir('sdflow-reliability-')
  const out = join(dir.path, 'out')
  const input = join(dir.path, 'in')
  const config = writeConfig(dir.path, backends, options.pool)
  const app = await buildApp({
    dataDir: join(dir.path, 'data'),
    workflowsDir: join(dir.path, 'workflows'),
    ...options.server,
    runtimeOptions: { backends: 'auto', configFile: config, outDir: out, inDir: input },
  })
  await app.ready()
  return {
    app,
    dir: dir.path,
    out,
    input,
    config,
    async close() {
      await app.close()
      await dir.remove()
    },
  }
}

/** POST /api/runs; expects 202. */
export async function submit(app: FastifyInstance, workflow: unknown): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/runs', payload: { workflow } })
  expect(res.statusCode, res.body).toBe(202)
  return (res.json() as { runId: string }).runId
}

const ended = new Set(['finished', 'failed', 'cancelled'])

/** GET /api/runs/:id once the run has ended. */
export async function settled(
  app: FastifyInstance,
  runId: string,
  timeoutMs = 20_000,
): Promise<RunView> {
  return waitFor(
    async () => {
      const res = await app.inject({ method: 'GET', url: `/api/runs/${runId}` })
      const run = res.json() as RunView
      return ended.has(run.status) ? run : undefined
    },
    `run ${runId} to end`,
    timeoutMs,
  )
}

/** Every stored event of a run, in order. */
export function eventsOf(app: FastifyInstance, runId: string): RunEvent[] {
  return app.sdflow.store.eventsOfRun(runId, 0, 1_000_000).map((e) => e.event)
}

/** Files under a folder, recursively, as paths relative to it (dot files included). */
export function filesUnder(dir: string): string[] {
  const found: string[] = []
  const walk = (at: string, prefix: string) => {
    let names: string[]
    try {
      names = readdirSync(at)
    } catch {
      return
    }
    for (const name of names) {
      const path = join(at, name)
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`)
      else found.push(`${prefix}${name}`)
    }
  }
  walk(dir, '')
  return found.sort()
}

/** A workflow document from a map of nodes. */
export function workflowOf(
  nodes: Record<string, unknown>,
  outputs: Record<string, unknown> = {},
  name = 'reliability',
): Record<string, unknown> {
  return { format: 'sdflow.workflow/1', name, outputs, nodes }
}

/** A txt2img node (fixed seed unless given) with small defaults. */
export function gen(params: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'sd.txt2img',
    params: { prompt: 'a lighthouse', steps: 6, seed: 7, width: 64, height: 64, ...params },
  }
}

export const link = (node: string, output = 'image') => ({ node, output })

export function save(from: string, prefix: string, params: Record<string, unknown> = {}) {
  return { type: 'image.save', params: { prefix, ...params }, inputs: { image: link(from) } }
}

/** Count of a request path on an emulator. */
export const requests = (emulator: RunningEmulator, path = '/sdapi/v1/txt2img') =>
  emulator.stats().requests[path] ?? 0

export interface Tamper {
  status?: number
  headers?: Record<string, string>
  /** The body to answer with: a string as is, anything else as JSON. */
  body: unknown
}

export interface TamperingProxy {
  url: string
  /** Requests seen per path. */
  seen: Record<string, number>
  close(): Promise<void>
}

/**
 * A loopback HTTP server in front of an emulator: every request is forwarded, except that
 * answers on `route` go through `tamper` (the emulator's JSON in, whatever to send out).
 */
export async function tamperingProxy(
  target: string,
  route: string,
  tamper: (answer: Record<string, unknown>) => Tamper,
): Promise<TamperingProxy> {
  const seen: Record<string, number> = {}
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/'
      seen[path] = (seen[path] ?? 0) + 1
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
      fetch(`${target}${req.url ?? '/'}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      })
        .then(async (answer) => {
          if (path !== route || !answer.ok) {
            res.writeHead(answer.status, {
              'content-type': answer.headers.get('content-type') ?? '',
            })
            res.end(Buffer.from(await answer.arrayBuffer()))
            return
          }
          const out = tamper((await answer.json()) as Record<string, unknown>)
          const text = typeof out.body === 'string' ? out.body : JSON.stringify(out.body)
          res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers })
          res.end(text)
        })
        .catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

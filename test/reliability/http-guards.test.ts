// Cases 11, 12, 14: a 100 MB body, an oversized WebSocket frame, cross-origin and DNS
// rebinding requests, a missing token: refused while the server keeps serving the others.
import { request } from 'node:http'
import { join } from 'node:path'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { type StartedServer, startServer } from '@sdflow/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emulators,
  gen,
  Observer,
  save,
  tempDir,
  workflowOf,
  writeConfig,
  wsUrl,
} from './rig.test-support.js'

const TOKEN = 'reliability-token-123'
let emulator: RunningEmulator
let open: StartedServer
let guarded: StartedServer
const cleanup: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  ;[emulator] = (await emulators(1, { stepMs: 30 })) as [RunningEmulator]
  const dir = await tempDir('sdflow-guards-')
  const config = writeConfig(dir.path, [{ id: 'emu', url: emulator.url }])
  const base = (name: string) => ({
    port: 0,
    logger: false,
    dataDir: join(dir.path, name, 'data'),
    workflowsDir: join(dir.path, name, 'workflows'),
    runtimeOptions: {
      backends: 'auto' as const,
      configFile: config,
      outDir: join(dir.path, name, 'out'),
    },
  })
  open = await startServer(base('open'))
  guarded = await startServer({ ...base('guarded'), token: TOKEN })
  cleanup.push(
    () => open.close(),
    () => guarded.close(),
    () => emulator.close(),
    () => dir.remove(),
  )
})
afterAll(async () => {
  for (const step of cleanup) await step()
})

const slowRun = () => workflowOf({ gen: gen({ seed: -1, steps: 30 }), save: save('gen', 'g') })

async function post(server: StartedServer, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

const runCount = (server: StartedServer) => server.app.sdflow.store.listRuns({ limit: 500 }).length

describe('a 100 MB request body', () => {
  it('answers 413 while a parallel request is still served', async () => {
    const url = new URL(`${open.url}/api/runs`)
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    let sent = 0
    let parallel: { status: number; during: boolean } | undefined
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // chunked: no Content-Length, so the server has to count while it reads
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } })
      let done = false
      req.on('response', (res) => {
        done = true
        let body = ''
        res.on('data', (d) => {
          body += String(d)
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', (error) => (done ? undefined : reject(error)))
      req.write('{"workflow":{"pad":"')
      const pump = () => {
        while (!done && sent < 100 * 1024 * 1024) {
          sent += chunk.length
          if (sent === 2 * 1024 * 1024) {
            // mid-upload: another client is answered
            void fetch(`${open.url}/api/node-types`).then((r) => {
              parallel = { status: r.status, during: !done }
            })
          }
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        if (!done) req.end('"}}')
      }
      pump()
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body)).toMatchObject({
      statusCode: 413,
      code: 'SDF_SERVER_BODY_TOO_LARGE',
    })
    expect(sent).toBeLessThan(100 * 1024 * 1024) // refused long before the end
    await expect.poll(() => parallel?.status).toBe(200)
    expect(runCount(open)).toBe(0)
  })
})

describe('requests the router cannot serve', () => {
  it('answers an undecodable URL inside the error envelope', async () => {
    const res = await fetch(`${open.url}/api/workflows/%ff`)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(await res.json()).toMatchObject({
      statusCode: 400,
      code: 'SDF_SERVER_REQUEST_INVALID',
      issues: [{ code: 'SDF_SERVER_REQUEST_INVALID' }],
    })
  })

  it('answers a plain GET of the event stream with 426 in the envelope', async () => {
    const res = await fetch(`${open.url}/api/events`)
    expect(res.status).toBe(426)
    expect(res.headers.get('upgrade')).toBe('websocket')
    expect(await res.json()).toMatchObject({
      code: 'SDF_SERVER_UPGRADE_REQUIRED',
      message: expect.stringContaining('WebSocket'),
    })
  })
})

describe('an oversized WebSocket frame', () => {
  it('closes that client only; another keeps receiving the run', async () => {
    const res = await post(open, { workflow: slowRun() })
    const { runId } = (await res.json()) as { runId: string }
    const good = Observer.connect(wsUrl(open.url, `/api/events?runId=${runId}`))
    const bad = Observer.connect(wsUrl(open.url, '/api/events'))
    cleanup.push(
      () => good.close(),
      () => bad.close(),
    )
    await Promise.all([good.open(), bad.open()])
    await good.until('the run to start', (f) => f.type === 'run.started')
    bad.ws.send('x'.repeat(200 * 1024))
    expect((await bad.waitClosed()).code).toBe(1009)
    const end = await good.until('the run to end', (f) => f.type === 'run.finished', 20_000)
    expect(end).toBeDefined()
    expect(good.closed).toBeUndefined()
    const seqs = good.events.map((e) => e.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
  })
})

describe('requests from elsewhere', () => {
  const evil = 'http://evil.example'

  it('refuses a cross-origin POST before its handler runs', async () => {
    const before = runCount(open)
    const res = await post(open, { workflow: slowRun() }, { origin: evil })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({
      code: 'SDF_SERVER_FORBIDDEN',
      issues: [{ pointer: '/headers/origin' }],
    })
    expect(runCount(open)).toBe(before)
  })

  it('refuses a cross-origin WebSocket upgrade', async () => {
    const ws = Observer.connect(wsUrl(open.url, '/api/events?since=0'), { origin: evil })
    await expect(ws.open()).rejects.toThrow(/403/)
    expect(ws.frames).toEqual([])
  })

  it('refuses a Host that is not this server (DNS rebinding), reads included', async () => {
    const before = runCount(open)
    for (const method of ['GET', 'POST'] as const) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${open.url}/api/runs`, {
          method,
          headers: { host: 'attacker.example', 'content-type': 'application/json' },
        })
        req.on('response', (r) => {
          r.resume()
          resolve(r.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end(method === 'POST' ? JSON.stringify({ workflow: slowRun() }) : undefined)
      })
      expect(status, method).toBe(403)
    }
    const ws = Observer.connect(wsUrl(open.url, '/api/events?since=0'), {
      headers: { host: 'attacker.example' },
    })
    await expect(ws.open()).rejects.toThrow(/403/)
    expect(runCount(open)).toBe(before)
  })

  it('requires the token on a guarded server, for POST and the event stream', async () => {
    const missing = await post(guarded, { workflow: slowRun() })
    expect(missing.status).toBe(401)
    expect((await missing.json()) as object).toMatchObject({ code: 'SDF_SERVER_UNAUTHORIZED' })
    const wrong = await post(guarded, { workflow: slowRun() }, { authorization: 'Bearer nope' })
    expect(wrong.status).toBe(401)
    expect(runCount(guarded)).toBe(0)
    const ws = Observer.connect(wsUrl(guarded.url, '/api/events?since=0'))
    await expect(ws.open()).rejects.toThrow(/401/)
    const good = Observer.connect(wsUrl(guarded.url, `/api/events?since=0&token=${TOKEN}`))
    cleanup.push(() => good.close())
    await good.open()
    const ok = await post(guarded, { workflow: slowRun() }, { authorization: `Bearer ${TOKEN}` })
    expect(ok.status).toBe(202)
  })
})

import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killChildServers, startServerProcess as startChild } from './child-server.test-support.js'
import {
  backendWorkflow,
  type Frame,
  Observer,
  type RunView,
  tempDir,
  waitFor,
  wsUrl,
} from './server.test-support.js'

let emulator: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>
const observers: Observer[] = []

beforeAll(async () => {
  dir = await tempDir()
  emulator = await startEmulator({ stepMs: 20 })
})
afterAll(async () => {
  await Promise.all(observers.map((o) => o.close()))
  await killChildServers()
  await emulator.close()
  await dir.remove()
})

const args = () => [
  '--port',
  '0',
  '--quiet',
  '--data',
  join(dir.path, 'data'),
  '--workflows',
  join(dir.path, 'workflows'),
  '--out',
  join(dir.path, 'out'),
  '--backend',
  emulator.url,
]

async function getRun(url: string, runId: string) {
  const res = await fetch(`${url}/api/runs/${runId}`)
  return (await res.json()) as RunView
}

describe('a server killed mid-run', () => {
  it('resumes the run on restart without generating a finished node twice', async () => {
    const first = await startChild(args())
    const res = await fetch(`${first.url}/api/runs`, {
      method: 'POST',
      body: JSON.stringify({ workflow: backendWorkflow(20) }),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(202)
    const { runId } = (await res.json()) as { runId: string }

    // SIGKILL the moment the first node's result is announced
    const watcher = Observer.connect(
      wsUrl(first.url, `/api/events?runId=${runId}`),
      {},
      (frame: Frame) => {
        if (frame.type === 'node.finished' && frame.nodeId === 'gen') first.process.kill('SIGKILL')
      },
    )
    observers.push(watcher)
    expect((await first.exited).signal).toBe('SIGKILL')
    const genFinished = watcher.events.find((e) => e.type === 'node.finished' && e.nodeId === 'gen')
    expect(genFinished).toBeDefined()
    expect(watcher.events.some((e) => e.type === 'run.finished')).toBe(false)
    expect(emulator.stats().completed['/sdapi/v1/txt2img']).toBe(1)

    // same data folder: the run is found interrupted and resumed
    const second = await startChild(args())
    const run = await waitFor(
      async () => {
        const r = await getRun(second.url, runId)
        return ['finished', 'failed', 'cancelled'].includes(r.status) ? r : undefined
      },
      'the resumed run to end',
      30_000,
    )
    expect(run.status).toBe('finished')
    const stats = emulator.stats()
    expect(stats.requests['/sdapi/v1/txt2img']).toBe(1)
    expect(stats.completed['/sdapi/v1/txt2img']).toBe(1)
    expect(stats.completed['/sdapi/v1/extra-single-image']).toBeGreaterThanOrEqual(1)
    expect(run.nodes.gen).toMatchObject({ status: 'done', reused: true, attempts: 1 })
    expect(run.nodes.upscale?.status).toBe('done')
    expect(run.nodes.save?.status).toBe('done')
    const genOutputs = (genFinished as { outputs: Record<string, unknown> }).outputs
    expect(run.seeds.gen).toEqual([genOutputs.seeds])
    expect(run.nodes.gen?.outputs).toEqual(genOutputs)

    // the stored stream: gapless, the first attempt's events kept, the gen node never re-run
    const replay = Observer.connect(wsUrl(second.url, `/api/events?runId=${runId}`))
    observers.push(replay)
    await replay.until('run.finished', (f) => f.type === 'run.finished')
    const events = replay.events
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.slice(0, watcher.events.length)).toEqual(watcher.events)
    expect(events.filter((e) => e.type === 'run.queued')).toHaveLength(2)
    expect(events.filter((e) => e.type === 'node.started' && e.nodeId === 'gen')).toHaveLength(1)
    expect(events.filter((e) => e.type === 'node.cached' && e.nodeId === 'gen')).toHaveLength(1)

    // SIGTERM: a clean stop
    second.process.kill('SIGTERM')
    expect((await second.exited).code).toBe(0)
  }, 60_000)
})

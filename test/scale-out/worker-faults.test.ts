import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Coordinator,
  killAll,
  type RedisServer,
  startCoordinator,
  startRedis,
  startWorkerProcess,
  tempDir,
  type WorkerProc,
} from './cluster.test-support.js'
import {
  count,
  ended,
  eventsOf,
  getRun,
  slowWorkflow,
  submitted,
  txt2imgRequests,
  waitFor,
  workerRunning,
} from './scale-out.test-support.js'

let redis: RedisServer
let coordinator: Coordinator
let emulators: RunningEmulator[] = []
const workers = new Map<string, WorkerProc>()
let dir: Awaited<ReturnType<typeof tempDir>>

const startWorker = async (name: string, emulator: RunningEmulator) => {
  const worker = await startWorkerProcess([
    '--redis',
    redis.url,
    '--server',
    coordinator.url,
    '--name',
    name,
    '--backend',
    emulator.url,
  ])
  workers.set(name, worker)
  return worker
}

beforeAll(async () => {
  dir = await tempDir()
  redis = await startRedis()
  emulators = await Promise.all([1, 2].map(() => startEmulator({ stepMs: 40 })))
  coordinator = await startCoordinator([
    '--redis',
    redis.url,
    '--data',
    join(dir.path, 'data'),
    '--out',
    join(dir.path, 'out'),
  ])
  await Promise.all([
    startWorker('wa', emulators[0] as RunningEmulator),
    startWorker('wb', emulators[1] as RunningEmulator),
  ])
}, 240_000)

afterAll(async () => {
  await killAll()
  await Promise.all(emulators.map((e) => e.close()))
  await redis?.close()
  await dir?.remove()
})

describe('workers that die or stall', () => {
  it('a stalled worker (SIGSTOP) loses its job to another; its late result is dropped, the node recorded once', async () => {
    const before = txt2imgRequests(emulators)
    const runId = await submitted(coordinator.url, slowWorkflow(60, 11))
    const name = await workerRunning(coordinator.url, `${runId}/gen`)
    const stalled = workers.get(name) as WorkerProc
    stalled.process.kill('SIGSTOP')
    const run = await ended(() => coordinator.url, runId)
    expect(run.status).toBe('finished')
    // the stalled worker wakes up with its own result for the same job
    stalled.process.kill('SIGCONT')
    const settledOnEmulators = () =>
      emulators.every((e) => {
        const { requests, completed, abandoned } = e.stats()
        const route = '/sdapi/v1/txt2img'
        return (requests[route] ?? 0) === (completed[route] ?? 0) + (abandoned[route] ?? 0)
      })
    await waitFor(() => settledOnEmulators() || undefined, 'both generations to end', 30_000)
    // time for the woken worker to upload and try to complete the job it no longer holds
    await new Promise((r) => setTimeout(r, 2000))
    const events = await eventsOf(coordinator.url, runId)
    expect(txt2imgRequests(emulators) - before).toBe(2)
    expect(count(events, 'node.finished', 'gen')).toBe(1)
    expect(count(events, 'run.finished')).toBe(1)
    const after = await getRun(coordinator.url, runId)
    expect(after.nodes.gen?.outputs).toEqual(run.nodes.gen?.outputs)
  }, 240_000)

  it('a worker SIGKILLed mid-job: BullMQ hands the job to the other worker within seconds', async () => {
    const before = txt2imgRequests(emulators)
    const runId = await submitted(coordinator.url, slowWorkflow(60, 12))
    const name = await workerRunning(coordinator.url, `${runId}/gen`)
    const victim = workers.get(name) as WorkerProc
    const survivor = emulators[name === 'wa' ? 1 : 0] as RunningEmulator
    const survivorStarts = () => survivor.stats().requests['/sdapi/v1/txt2img'] ?? 0
    const startsBefore = survivorStarts()
    const killedAt = Date.now()
    victim.process.kill('SIGKILL')
    expect((await victim.exited).signal).toBe('SIGKILL')
    workers.delete(name)
    // the lock (4 s) runs out and the stalled check (every 2 s) hands the job on: seconds
    await waitFor(
      () => survivorStarts() > startsBefore || undefined,
      "the other worker's backend to start the job",
      60_000,
    )
    expect(Date.now() - killedAt).toBeLessThan(20_000)
    const run = await ended(() => coordinator.url, runId)
    expect(run.status).toBe('finished')
    const events = await eventsOf(coordinator.url, runId)
    expect(txt2imgRequests(emulators) - before).toBe(2)
    expect(count(events, 'node.started', 'gen')).toBe(1)
    expect(count(events, 'node.finished', 'gen')).toBe(1)
    expect(run.nodes.up?.status).toBe('done')
    // the dead worker's heartbeat expires
    await waitFor(async () => {
      const live = (await (await fetch(`${coordinator.url}/api/workers`)).json()) as {
        name: string
      }[]
      return live.every((w) => w.name !== name) || undefined
    }, 'the dead worker to leave the list')
    await startWorker(name, emulators[name === 'wa' ? 0 : 1] as RunningEmulator)
  }, 240_000)

  it('cancelling a run removes its waiting jobs and interrupts the running ones', async () => {
    const nodes: Record<string, unknown> = {}
    for (let n = 1; n <= 6; n++) {
      nodes[`g${n}`] = {
        type: 'sd.txt2img',
        params: { prompt: `c${n}`, steps: 150, seed: n, width: 64, height: 64 },
      }
    }
    const spansBefore = emulators.map((e) => e.stats().busy.length)
    const sentBefore = emulators.map((e) => e.stats().requests['/sdapi/v1/txt2img'] ?? 0)
    const runId = await submitted(coordinator.url, {
      format: 'sdflow.workflow/1',
      name: 'cancel',
      nodes,
    })
    await waitFor(async () => {
      const workers = (await (await fetch(`${coordinator.url}/api/workers`)).json()) as {
        jobs: string[]
      }[]
      return workers.filter((w) => w.jobs.length > 0).length === 2 || undefined
    }, 'both workers busy')
    const interrupts = () =>
      emulators.reduce((n, e) => n + (e.stats().requests['/sdapi/v1/interrupt'] ?? 0), 0)
    const before = interrupts()
    const res = await fetch(`${coordinator.url}/api/runs/${runId}/cancel`, { method: 'POST' })
    expect(res.status).toBeLessThan(300)
    const run = await ended(() => coordinator.url, runId)
    expect(run.status).toBe('cancelled')
    await waitFor(() => interrupts() - before >= 2 || undefined, 'both backends interrupted')
    // no node is left running: the two that ran and the four that waited all ended cancelled
    expect(Object.values(run.nodes).map((n) => n.status)).toEqual(Array(6).fill('cancelled'))
    // every generation on either backend was cut short, the one queued ahead on the backend
    // too: 150 steps of 40 ms take at least 6 s
    const cut = await waitFor(() => {
      const spans = emulators.map((e, i) => e.stats().busy.slice(spansBefore[i]))
      const sent = emulators.map(
        (e, i) => (e.stats().requests['/sdapi/v1/txt2img'] ?? 0) - (sentBefore[i] ?? 0),
      )
      return spans.every((list, i) => list.length > 0 && list.length === sent[i])
        ? spans.flat()
        : undefined
    }, 'every generation sent to end')
    for (const span of cut) expect(span.end - span.start).toBeLessThan(150 * 40)
    const events = await eventsOf(coordinator.url, runId)
    expect(count(events, 'node.finished')).toBe(0)
    expect(count(events, 'run.cancelled')).toBe(1)
    const client = new Redis(redis.url)
    try {
      const waiting = await client.lrange('sdflow:nodes:wait', 0, -1)
      expect(waiting.filter((id) => id.startsWith(runId))).toEqual([])
      await waitFor(async () => {
        const workers = (await (await fetch(`${coordinator.url}/api/workers`)).json()) as {
          jobs: string[]
        }[]
        return workers.every((w) => w.jobs.length === 0) || undefined
      }, 'the workers to let go of the cancelled jobs')
    } finally {
      client.disconnect()
    }
  }, 240_000)
})

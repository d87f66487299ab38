import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator, startRunpodEmulator } from '@sdflow/a1111-emulator'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import {
  type Coordinator,
  freePort,
  killAll,
  type RedisServer,
  startCoordinator,
  startRedis,
  startWorkerProcess,
  tempDir,
} from './cluster.test-support.js'
import {
  count,
  ended,
  eventsOf,
  slowWorkflow,
  submit,
  submitted,
  txt2imgRequests,
  waitFor,
  workerRunning,
} from './scale-out.test-support.js'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  await killAll()
  for (const cleanup of cleanups.reverse()) await cleanup()
})

interface Cluster {
  redis: RedisServer
  coordinator: Coordinator
  emulator: RunningEmulator
  dataArgs: string[]
  port: number
  dir: string
}

async function cluster(aof: boolean, queueTimeoutMs?: number): Promise<Cluster> {
  const dir = await tempDir()
  cleanups.push(() => dir.remove())
  const redis = await startRedis({ aof })
  cleanups.push(() => redis.close())
  const emulator = await startEmulator({ stepMs: 40 })
  cleanups.push(() => emulator.close())
  const config = join(dir.path, 'sdflow.config.json')
  await writeFile(
    config,
    JSON.stringify({ backends: [], pool: queueTimeoutMs ? { queueTimeoutMs } : {} }),
  )
  const port = await freePort()
  const dataArgs = [
    '--redis',
    redis.url,
    '--port',
    String(port),
    '--config',
    config,
    '--data',
    join(dir.path, 'data'),
    '--out',
    join(dir.path, 'out'),
  ]
  const coordinator = await startCoordinator(dataArgs)
  return { redis, coordinator, emulator, dataArgs, port, dir: dir.path }
}

const worker = (c: Cluster, name: string) =>
  startWorkerProcess([
    '--redis',
    c.redis.url,
    '--server',
    c.coordinator.url,
    '--name',
    name,
    '--backend',
    c.emulator.url,
  ])

describe('Redis with AOF on', () => {
  let c: Cluster
  let aofWorker: Awaited<ReturnType<typeof worker>>

  it('a job no live worker takes fails with SDF_BACKEND_NONE_AVAILABLE after pool.queueTimeoutMs', async () => {
    c = await cluster(true, 3000)
    const runId = await submitted(c.coordinator.url, slowWorkflow(5))
    const run = await ended(() => c.coordinator.url, runId)
    expect(run.status).toBe('failed')
    expect(run.nodes.gen?.issue?.code).toBe('SDF_BACKEND_NONE_AVAILABLE')
    expect(run.nodes.up?.status).toBe('skipped')
    aofWorker = await worker(c, 'aof-worker')
  }, 240_000)

  it('SIGKILLed and restarted mid-job loses nothing: the job goes on, the node runs once', async () => {
    const before = txt2imgRequests([c.emulator])
    const runId = await submitted(c.coordinator.url, slowWorkflow(60, 21))
    await workerRunning(c.coordinator.url, `${runId}/gen`)
    await c.redis.kill('SIGKILL')
    await c.redis.restart()
    const run = await ended(() => c.coordinator.url, runId)
    expect(run.status).toBe('finished')
    const events = await eventsOf(c.coordinator.url, runId)
    expect(count(events, 'node.finished', 'gen')).toBe(1)
    expect(txt2imgRequests([c.emulator]) - before).toBe(1)
  }, 240_000)

  it('down when a run is submitted: 503 SDF_QUEUE_UNAVAILABLE, nothing stored; taken again once it is back', async () => {
    await c.redis.kill('SIGKILL')
    const refused = await waitFor(async () => {
      const res = await submit(c.coordinator.url, slowWorkflow(5))
      return res.status === 503 ? res : undefined
    }, 'the coordinator to refuse runs')
    expect(((await refused.json()) as { code: string }).code).toBe('SDF_QUEUE_UNAVAILABLE')
    await c.redis.restart()
    const runId = await waitFor(async () => {
      const res = await submit(c.coordinator.url, slowWorkflow(5, 22))
      return res.status === 202 ? ((await res.json()) as { runId: string }).runId : undefined
    }, 'the coordinator to take runs again')
    expect((await ended(() => c.coordinator.url, runId)).status).toBe('finished')
  }, 240_000)

  it('a coordinator SIGKILLed mid-run resumes and re-attaches to the job; the worker retries its upload until it is back', async () => {
    const before = txt2imgRequests([c.emulator])
    const runId = await submitted(c.coordinator.url, slowWorkflow(60, 23))
    await workerRunning(c.coordinator.url, `${runId}/gen`)
    c.coordinator.process.kill('SIGKILL')
    await c.coordinator.exited
    // the generation ends while nobody listens on the coordinator's port
    await waitFor(
      () => (c.emulator.stats().completed['/sdapi/v1/txt2img'] ?? 0) > before || undefined,
      'the generation to end',
      30_000,
    )
    c.coordinator = await startCoordinator(c.dataArgs)
    const run = await ended(() => c.coordinator.url, runId)
    expect(run.status).toBe('finished')
    expect(txt2imgRequests([c.emulator]) - before).toBe(1)
    const events = await eventsOf(c.coordinator.url, runId)
    expect(count(events, 'node.finished', 'gen')).toBe(1)
    expect(count(events, 'run.finished')).toBe(1)
    expect(aofWorker.output()).toMatch(
      /coordinator unreachable; retrying \{"what":"uploading artifact/,
    )
  }, 240_000)
})

describe('Redis without persistence', () => {
  it('SIGKILLed and restarted empty mid-job: the coordinator adds the forgotten job again; the run ends', async () => {
    const c = await cluster(false)
    await worker(c, 'volatile-worker')
    const runId = await submitted(c.coordinator.url, slowWorkflow(60, 31))
    await workerRunning(c.coordinator.url, `${runId}/gen`)
    await c.redis.kill('SIGKILL')
    await c.redis.restart()
    const run = await ended(() => c.coordinator.url, runId)
    expect(run.status).toBe('finished')
    const events = await eventsOf(c.coordinator.url, runId)
    expect(count(events, 'node.finished', 'gen')).toBe(1)
    expect(count(events, 'node.finished', 'up')).toBe(1)
    expect(txt2imgRequests([c.emulator])).toBeGreaterThanOrEqual(1)
  }, 240_000)
})

describe('live workers that cannot serve a job', () => {
  it('one they keep handing back fails with SDF_BACKEND_NONE_AVAILABLE after pool.queueTimeoutMs', async () => {
    const c = await cluster(false, 3000)
    const endpoint = await startRunpodEmulator({ apiKey: 'rp-none', stepMs: 5 })
    cleanups.push(() => endpoint.close())
    const config = join(c.dir, 'rp.json')
    await writeFile(
      config,
      JSON.stringify({
        backends: [
          { id: 'rp', type: 'runpod', worker: 'a1111', url: endpoint.url, apiKey: 'rp-none' },
        ],
      }),
    )
    // a txt2img-only worker: the generation runs, the upscale is handed back until its deadline
    await startWorkerProcess([
      '--redis',
      c.redis.url,
      '--server',
      c.coordinator.url,
      '--name',
      'txt2img-only',
      '--config',
      config,
    ])
    const runId = await submitted(c.coordinator.url, slowWorkflow(2, 41))
    const run = await ended(() => c.coordinator.url, runId)
    expect(run.status).toBe('failed')
    expect(run.nodes.gen?.status).toBe('done')
    expect(run.nodes.up?.issue?.code).toBe('SDF_BACKEND_NONE_AVAILABLE')
    expect(run.nodes.up?.issue?.pointer).toBe('/nodes/up')
    const events = await eventsOf(c.coordinator.url, runId)
    const at = (type: string) =>
      Date.parse(
        (
          events.find((e) => e.type === type && 'nodeId' in e && e.nodeId === 'up') as {
            time: string
          }
        ).time,
      )
    // the worker took the job and handed it back until the timeout, never to a backend
    expect(at('node.failed') - at('node.started')).toBeGreaterThanOrEqual(2500)
    expect(endpoint.stats().requests['POST /run']).toBe(1)
    // failed by the worker that held it (a job nobody took is removed by the coordinator)
    const client = new Redis(c.redis.url)
    try {
      expect(await client.zrange('sdflow:nodes:failed', '0', '-1')).toEqual([`${runId}/up`])
    } finally {
      client.disconnect()
    }
  }, 240_000)
})

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type RunningEmulator,
  type RunningRunpodEmulator,
  startEmulator,
  startRunpodEmulator,
} from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Coordinator,
  killAll,
  type RedisServer,
  startCoordinator,
  startRedis,
  startWorkerProcess,
  tempDir,
} from './cluster.test-support.js'
import { ended, slowWorkflow, submitted, waitFor } from './scale-out.test-support.js'

let redis: RedisServer
let coordinator: Coordinator
let dir: Awaited<ReturnType<typeof tempDir>>
const closers: (() => Promise<void>)[] = []

interface Listed {
  name: string
  slots: number
  backends: { id: string; health: string }[]
}

const workers = async (): Promise<Listed[]> =>
  (await (await fetch(`${coordinator.url}/api/workers`)).json()) as Listed[]

/** A worker process whose backends come from a config file (probed every 300 ms). */
const startWorker = (name: string, backends: unknown[]) => {
  const config = join(dir.path, `${name}.config.json`)
  writeFileSync(config, JSON.stringify({ backends, pool: { probeIntervalMs: 300 } }))
  return startWorkerProcess([
    '--redis',
    redis.url,
    '--server',
    coordinator.url,
    '--name',
    name,
    '--config',
    config,
  ])
}

beforeAll(async () => {
  dir = await tempDir()
  redis = await startRedis()
  coordinator = await startCoordinator([
    '--redis',
    redis.url,
    '--data',
    join(dir.path, 'data'),
    '--out',
    join(dir.path, 'out'),
  ])
}, 240_000)

afterAll(async () => {
  await killAll()
  for (const close of closers) await close().catch(() => {})
  await redis?.close()
  await dir?.remove()
})

describe('a worker takes as many jobs as its backends can run', () => {
  it('follows the slots of the backends that are up: none while they are down, back after', async () => {
    let emulator: RunningEmulator = await startEmulator({ stepMs: 5 })
    closers.push(() => emulator.close())
    const port = emulator.port
    const worker = await startWorker('slots', [{ id: 'own', url: emulator.url, slots: 2 }])
    const slotsOf = (want: number) =>
      waitFor(
        async () => (await workers()).find((w) => w.name === 'slots' && w.slots === want),
        `worker "slots" to report ${want} slots`,
        30_000,
      )
    // two slots and the request the pool queues ahead on an A1111
    await slotsOf(3)
    await emulator.close()
    const down = await slotsOf(0)
    expect(down.backends[0]?.health).toBe('down')
    emulator = await startEmulator({ stepMs: 5, port })
    await slotsOf(3)
    worker.process.kill('SIGTERM')
    await worker.exited
  }, 120_000)
})

describe('a job a worker cannot serve goes to one that can', () => {
  let endpoint: RunningRunpodEmulator
  let box: RunningEmulator

  it('txt2img runs on a txt2img-only RunPod worker; the upscale waits for an A1111 worker', async () => {
    endpoint = await startRunpodEmulator({ apiKey: 'rp-capacity', stepMs: 5, workers: 2 })
    closers.push(() => endpoint.close())
    await startWorker('txt2img-only', [
      { id: 'rp', type: 'runpod', worker: 'a1111', url: endpoint.url, apiKey: 'rp-capacity' },
    ])
    const runId = await submitted(coordinator.url, slowWorkflow(4, 21))
    // the generation is done on RunPod; the upscale has nowhere to go yet
    await waitFor(
      async () => {
        const run = (await (await fetch(`${coordinator.url}/api/runs/${runId}`)).json()) as {
          nodes: Record<string, { status: string }>
        }
        return run.nodes.gen?.status === 'done' ? run : undefined
      },
      'the generation to finish on RunPod',
      60_000,
    )
    box = await startEmulator({ stepMs: 5 })
    closers.push(() => box.close())
    await startWorker('extras', [{ id: 'box', url: box.url }])
    const run = await ended(() => coordinator.url, runId)
    expect(run.status).toBe('finished')
    expect(run.nodes.gen?.backend).toBe('rp')
    expect(run.nodes.up?.backend).toBe('box')
    expect(endpoint.stats().requests['POST /run'] ?? 0).toBe(1)
    expect(box.stats().requests['/sdapi/v1/txt2img'] ?? 0).toBe(0)
    expect(box.stats().requests['/sdapi/v1/extra-single-image']).toBe(1)
  }, 180_000)
})

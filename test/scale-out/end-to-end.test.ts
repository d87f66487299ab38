import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import type { RunEvent } from '@sdflow/protocol'
import { createRuntime } from '@sdflow/server'
import { Redis } from 'ioredis'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Observer,
  type RunView,
  waitFor,
  wsUrl,
} from '../../packages/server/src/server.test-support.js'
import { sdflow } from '../cli.test-support.js'
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
import { txt2imgRequests } from './scale-out.test-support.js'

const TOKEN = 'scale-out-token'
const PASSWORD = 'redis pass/word'
const BACKEND_SECRET = 'backend-basic-auth-secret'
const auth = { authorization: `Bearer ${TOKEN}` }
const KNOWN_CONTROLNET = 'control_v11p_sd15_canny [d14c016b]'

let redis: RedisServer
let coordinator: Coordinator
let workers: WorkerProc[] = []
let emulators: RunningEmulator[] = []
let dir: Awaited<ReturnType<typeof tempDir>>
const observers: Observer[] = []
let wideRun = ''

/** Four txt2img nodes with fixed seeds, each saved: one per backend when they run at once. */
function wide(steps = 25): Record<string, unknown> {
  const nodes: Record<string, unknown> = {}
  const outputs: Record<string, unknown> = {}
  for (const n of [1, 2, 3, 4]) {
    nodes[`g${n}`] = {
      type: 'sd.txt2img',
      params: { prompt: `tower ${n}`, steps, seed: 100 + n, width: 64, height: 64 },
    }
    nodes[`s${n}`] = {
      type: 'image.save',
      params: { prefix: `wide-${n}` },
      inputs: { image: { node: `g${n}`, output: 'image' } },
    }
    outputs[`image${n}`] = { node: `g${n}`, output: 'image' }
  }
  return { format: 'sdflow.workflow/1', name: 'wide', outputs, nodes }
}

beforeAll(async () => {
  dir = await tempDir()
  redis = await startRedis({ password: PASSWORD })
  emulators = await Promise.all([1, 2, 3, 4].map(() => startEmulator({ stepMs: 40 })))
  coordinator = await startCoordinator([
    '--redis',
    redis.url,
    '--token',
    TOKEN,
    '--data',
    join(dir.path, 'data'),
    '--out',
    join(dir.path, 'out'),
    '--workflows',
    join(dir.path, 'wf'),
  ])
  // the second worker reads its backends from a config file with Basic auth: the secret
  // stays on that worker
  const config = join(dir.path, 'worker2.json')
  await writeFile(
    config,
    JSON.stringify({
      backends: emulators.slice(2).map((e, i) => ({
        id: `gpu${i + 1}`,
        url: e.url,
        auth: { username: 'sd', password: BACKEND_SECRET },
      })),
    }),
  )
  workers = await Promise.all([
    startWorkerProcess([
      '--redis',
      redis.url,
      '--server',
      coordinator.url,
      '--token',
      TOKEN,
      '--name',
      'w1',
      '--backend',
      emulators[0]?.url ?? '',
      '--backend',
      emulators[1]?.url ?? '',
    ]),
    startWorkerProcess([
      '--redis',
      redis.url,
      '--server',
      coordinator.url,
      '--token',
      TOKEN,
      '--name',
      'w2',
      '--config',
      config,
    ]),
  ])
}, 240_000)

afterAll(async () => {
  await Promise.all(observers.map((o) => o.close()))
  await killAll()
  await Promise.all(emulators.map((e) => e.close()))
  await redis?.close()
  await dir?.remove()
})

async function submit(workflow: unknown): Promise<string> {
  const res = await fetch(`${coordinator.url}/api/runs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ workflow }),
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { runId: string }).runId
}

async function follow(runId: string): Promise<RunEvent[]> {
  const observer = Observer.connect(wsUrl(coordinator.url, `/api/events?runId=${runId}`), {
    headers: auth,
  })
  observers.push(observer)
  await observer.until(
    'the run to end',
    (f) => ['run.finished', 'run.failed', 'run.cancelled'].includes(f.type),
    60_000,
  )
  return observer.events.map(({ cursor: _, ...event }) => event as RunEvent)
}

async function getRun(runId: string): Promise<RunView> {
  return (await (
    await fetch(`${coordinator.url}/api/runs/${runId}`, { headers: auth })
  ).json()) as RunView
}

/** The stream's shape: per node the order of event types (progress counted once), and the keys of each type. */
function shape(events: readonly RunEvent[]) {
  const perNode: Record<string, string[]> = {}
  const keys: Record<string, string[]> = {}
  for (const e of events) {
    const id = 'nodeId' in e ? e.nodeId : '(run)'
    const list = perNode[id] ?? []
    perNode[id] = list
    if (list.at(-1) !== e.type || e.type !== 'node.progress') list.push(e.type)
    keys[e.type] = [...new Set([...(keys[e.type] ?? []), ...Object.keys(e)])].sort()
  }
  return { perNode, keys }
}

describe('a coordinator with two workers of two backends each', () => {
  it('prints the ready line and lists both workers with their backends', async () => {
    // each A1111 backend: its slot and the request the pool queues ahead of it
    expect(workers.map((w) => w.line).sort()).toEqual([
      'worker w1 ready: 2 backends, 4 slots',
      'worker w2 ready: 2 backends, 4 slots',
    ])
    const listed = await waitFor(async () => {
      const res = await fetch(`${coordinator.url}/api/workers`, { headers: auth })
      const body = (await res.json()) as {
        name: string
        backends: { id: string; health: string }[]
      }[]
      return body.length === 2 && body.every((w) => w.backends.every((b) => b.health === 'up'))
        ? body
        : undefined
    }, 'both workers to be live')
    expect(listed.map((w) => [w.name, w.backends.map((b) => b.id)])).toEqual([
      ['w1', ['b1', 'b2']],
      ['w2', ['gpu1', 'gpu2']],
    ])
    const cli = await sdflow(['workers', '--server', coordinator.url, '--token', TOKEN])
    expect(cli.code).toBe(0)
    expect(cli.stdout).toMatch(
      /^w1: 2 backends, 4 slots, 0 jobs in flight, heartbeat [\d.]+s ago$/m,
    )
    expect(cli.stdout).toMatch(/^ {2}gpu2 up 0\/1 http:\/\/127\.0\.0\.1:\d+$/m)
  })

  it('runs a wide workflow on all four backends with the images and event shape of one process', async () => {
    const runId = await submit(wide())
    wideRun = runId
    const events = await follow(runId)
    const run = await getRun(runId)
    expect(run.status).toBe('finished')
    // every backend did one generation
    expect(emulators.map((e) => e.stats().completed['/sdapi/v1/txt2img'] ?? 0)).toEqual([
      1, 1, 1, 1,
    ])
    expect(events.some((e) => e.type === 'node.progress' && e.backend !== undefined)).toBe(true)

    // the same workflow in one process, on the same four backends
    const local = await createRuntime({
      backends: 'auto',
      backendUrls: emulators.map((e) => e.url),
      dataDir: join(dir.path, 'local-data'),
      outDir: join(dir.path, 'local-out'),
    })
    const localEvents: RunEvent[] = []
    const result = await local.engine.run(wide(), { onEvent: (e) => localEvents.push(e) })
    await local.close()
    expect(result.status).toBe('finished')
    const hashes = (outputs: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(outputs).map(([k, v]) => [k, (v as { hash: string }[]).map((i) => i.hash)]),
      )
    expect(hashes(run.outputs ?? {})).toEqual(hashes(result.outputs))

    const strip = (list: RunEvent[]) => list.filter((e) => e.type !== 'run.queued')
    expect(shape(strip(events))).toEqual(shape(localEvents))
  })

  it("validates names against the live workers' catalogs: one no worker has is refused at the param", async () => {
    const before = txt2imgRequests(emulators)
    const named = (checkpoint: string, model: string) => ({
      format: 'sdflow.workflow/1',
      name: 'named',
      nodes: {
        qr: { type: 'image.qr-code', params: { text: 'named', size: 64 } },
        cn: {
          type: 'sd.controlnet-unit',
          params: { model, module: 'canny' },
          inputs: { image: { node: 'qr', output: 'image' } },
        },
        gen: {
          type: 'sd.txt2img',
          params: { prompt: 'a tower', steps: 2, seed: 1, width: 64, height: 64, checkpoint },
          inputs: { controlnet: [{ node: 'cn', output: 'unit' }] },
        },
      },
    })
    const validate = async (workflow: unknown) => {
      const res = await fetch(`${coordinator.url}/api/validate`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ workflow }),
      })
      expect(res.status).toBe(200)
      return (await res.json()) as {
        valid: boolean
        issues: { code: string; pointer: string; severity?: string }[]
      }
    }
    const missing = await validate(named('nowhere_xl.safetensors', 'control_nowhere [0000]'))
    expect(missing.valid).toBe(false)
    expect(
      missing.issues.filter((i) => i.severity !== 'warning').map((i) => [i.code, i.pointer]),
    ).toEqual([
      ['SDF_CATALOG_UNKNOWN_NAME', '/nodes/cn/params/model'],
      ['SDF_CATALOG_UNKNOWN_NAME', '/nodes/gen/params/checkpoint'],
    ])
    const res = await fetch(`${coordinator.url}/api/runs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: named('nowhere_xl.safetensors', 'control_nowhere [0000]') }),
    })
    expect(res.status).toBe(400)
    const refused = (await res.json()) as { code: string; issues: { pointer: string }[] }
    expect(refused.code).toBe('SDF_CATALOG_UNKNOWN_NAME')
    expect(refused.issues.map((i) => i.pointer)).toContain('/nodes/gen/params/checkpoint')
    // the names the workers' backends have pass
    const known = await validate(named('dreamshaper_8.safetensors', KNOWN_CONTROLNET))
    expect(known.issues.filter((i) => i.severity !== 'warning')).toEqual([])
    expect(known.valid).toBe(true)
    expect(txt2imgRequests(emulators)).toBe(before)
  })

  it('runs image.qr-verify as a job on a worker: the job completed in Redis holds its result', async () => {
    const runId = await submit({
      format: 'sdflow.workflow/1',
      name: 'verify',
      nodes: {
        qr: { type: 'image.qr-code', params: { text: 'https://example.com/scale-out', size: 256 } },
        verify: {
          type: 'image.qr-verify',
          params: { expected: 'https://example.com/scale-out' },
          inputs: { image: { node: 'qr', output: 'image' } },
        },
      },
    })
    const events = await follow(runId)
    const run = await getRun(runId)
    expect(run.status).toBe('finished')
    expect(run.nodes.verify?.outputs).toMatchObject({
      ok: true,
      text: 'https://example.com/scale-out',
    })
    expect(
      events.filter((e) => e.type === 'node.finished').map((e) => 'nodeId' in e && e.nodeId),
    ).toEqual(expect.arrayContaining(['qr', 'verify']))
    // only a worker process consumes the queue: the coordinator adds jobs and reads results
    const client = new Redis(redis.url)
    try {
      const completed = await client.zrange('sdflow:nodes:completed', '0', '-1')
      expect(completed).toContain(`${runId}/verify`)
      expect(completed).not.toContain(`${runId}/qr`)
      const job = await client.hgetall(`sdflow:nodes:${runId}/verify`)
      expect(job.name).toBe('image.qr-verify')
      expect(Number(job.processedOn)).toBeGreaterThan(0)
      expect(JSON.parse(job.returnvalue ?? '{}').outputs).toMatchObject({ ok: true })
    } finally {
      client.disconnect()
    }
  })

  it('keeps backend credentials on the worker: no job or heartbeat in Redis holds them', async () => {
    const client = new Redis(redis.url)
    try {
      const keys = await client.keys('*')
      expect(keys.some((k) => k.startsWith('sdflow:nodes:'))).toBe(true)
      let dump = ''
      for (const key of keys) {
        const type = await client.type(key)
        if (type === 'string') dump += await client.get(key)
        else if (type === 'hash') dump += JSON.stringify(await client.hgetall(key))
        else if (type === 'list') dump += JSON.stringify(await client.lrange(key, 0, -1))
        else if (type === 'zset') dump += JSON.stringify(await client.zrange(key, '0', '-1'))
        else if (type === 'stream') dump += JSON.stringify(await client.xrange(key, '-', '+'))
        else if (type === 'set') dump += JSON.stringify(await client.smembers(key))
      }
      expect(dump).toContain('tower 1')
      expect(dump).not.toContain(BACKEND_SECRET)
      expect(dump).not.toContain(TOKEN)
    } finally {
      client.disconnect()
    }
  })

  it('PUT /api/artifacts/:hash needs the token, checks the hash and is idempotent', async () => {
    const put = (hash: string, body: Buffer, headers: Record<string, string> = auth) =>
      fetch(`${coordinator.url}/api/artifacts/${hash}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body,
      })
    const png = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: Date.now() % 255 } },
    })
      .png()
      .toBuffer()
    const hash = createHash('sha256').update(png).digest('hex')
    expect((await put(hash, png, {})).status).toBe(401)
    const mismatch = await put('0'.repeat(64), png)
    expect(mismatch.status).toBe(400)
    expect(((await mismatch.json()) as { code: string }).code).toBe('SDF_ARTIFACT_HASH_MISMATCH')
    expect(
      (await fetch(`${coordinator.url}/api/artifacts/${hash}`, { headers: auth })).status,
    ).toBe(404)
    const first = await put(hash, png)
    expect(first.status).toBe(201)
    expect(await first.json()).toEqual({ hash, width: 8, height: 8, mime: 'image/png' })
    expect((await put(hash, png)).status).toBe(200)
    const back = await fetch(`${coordinator.url}/api/artifacts/${hash}`, { headers: auth })
    expect(Buffer.from(await back.arrayBuffer()).equals(png)).toBe(true)
    // what workers uploaded during the wide run is there
    const run = await getRun(wideRun)
    const image = (run.outputs?.image1 as { hash: string }[] | undefined)?.[0]
    const stored = await fetch(`${coordinator.url}/api/artifacts/${image?.hash}`, { headers: auth })
    expect(stored.status).toBe(200)
  })
})

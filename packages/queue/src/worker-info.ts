import type { BackendStatus } from '@sdflow/a1111'
import type { Redis } from 'ioredis'
import { optionsKey, WORKER_KEYS, workerKey } from './names.js'

/** One backend of a worker, as its heartbeat tells it (the pool's status: never credentials). */
export type WorkerBackend = BackendStatus

/** What a worker publishes with every heartbeat; `GET /api/workers` lists these. */
export interface WorkerInfo {
  name: string
  backends: WorkerBackend[]
  /** Jobs this worker pulls at once. */
  slots: number
  /** Ids (`runId/nodeId`) of the jobs it is running. */
  jobs: string[]
  startedAt: string
  heartbeatAt: string
}

/** Write a heartbeat that expires after `ttlMs` unless renewed. */
export async function publishWorker(redis: Redis, info: WorkerInfo, ttlMs: number): Promise<void> {
  await redis.set(workerKey(info.name), JSON.stringify(info), 'PX', ttlMs)
}

export async function removeWorker(redis: Redis, name: string): Promise<void> {
  await redis.del(workerKey(name), optionsKey(name))
}

/** Beside the heartbeat, not in it: the options object is large and rarely read. */
export async function publishOptions(
  redis: Redis,
  name: string,
  options: Record<string, unknown>,
  ttlMs: number,
): Promise<void> {
  await redis.set(optionsKey(name), JSON.stringify(options), 'PX', ttlMs)
}

/** The A1111 options the first of these workers shared, if any did. */
export async function sharedOptions(
  redis: Redis,
  workers: readonly WorkerInfo[],
): Promise<Record<string, unknown> | undefined> {
  for (const worker of workers) {
    const value = await redis.get(optionsKey(worker.name))
    if (!value) continue
    try {
      return JSON.parse(value) as Record<string, unknown>
    } catch {
      // a torn value: the worker rewrites it
    }
  }
  return undefined
}

/** Every worker whose heartbeat has not expired, by name. */
export async function liveWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', WORKER_KEYS, 'COUNT', 100)
    cursor = next
    keys.push(...found)
  } while (cursor !== '0')
  if (keys.length === 0) return []
  const values = await redis.mget(...keys)
  const workers: WorkerInfo[] = []
  for (const value of values) {
    if (!value) continue
    try {
      workers.push(JSON.parse(value) as WorkerInfo)
    } catch {
      // a torn value: the next heartbeat rewrites it
    }
  }
  return workers.sort((a, b) => a.name.localeCompare(b.name))
}

import type { BackendPool } from '@sdflow/a1111'
import {
  type Dispatch,
  type Logger,
  type NodeTask,
  silentLogger,
  type TaskOutput,
  type TaskScope,
} from '@sdflow/engine'
import { fail } from '@sdflow/protocol'
import { Queue, QueueEvents } from 'bullmq'
import { openRedis, redactUrl } from './connection.js'
import { decodeFailure, type JobData, type JobProgress, type JobResult } from './job.js'
import { CANCEL_CHANNEL, jobIdOf, PREFIX, QUEUE_NAME, SKIP_CHANNEL } from './names.js'
import { remotePool } from './remote-pool.js'
import { liveWorkers, sharedOptions, type WorkerInfo } from './worker-info.js'

export interface CoordinatorOptions {
  /** `redis://[:password@]host:port[/db]` */
  redisUrl: string
  /** Node types whose work goes to workers; the rest runs in this process. */
  isRemote(type: string): boolean
  /** How long a job may wait for a worker that can serve it (pool.queueTimeoutMs; 10 min). */
  queueTimeoutMs?: number
  /** How often jobs in flight are checked against Redis, and workers listed (1 s). */
  reconcileMs?: number
  log?: Logger
}

export interface Coordinator {
  /** Wrap the in-process dispatch: remote node types become jobs. */
  dispatch(local: Dispatch): Dispatch
  /** Live workers' backends, for validation and `GET /api/backends`. */
  readonly backends: BackendPool
  workers(): WorkerInfo[]
  /** Redis answers: new runs are accepted. */
  available(): boolean
  /** Ids of the jobs this coordinator waits for. */
  inFlight(): string[]
  /** Have the worker running this node skip its backend's current iteration (A1111's skip). */
  skip(task: { runId: string; nodeId: string }): Promise<void>
  /** A1111 options one of the live workers' backends answered (they share them in Redis). */
  options(): Promise<Record<string, unknown> | undefined>
  close(): Promise<void>
}

interface Pending {
  id: string
  data: JobData
  scope: TaskScope
  /** A worker took it: from then on it no longer expires for want of a worker. */
  taken: boolean
  settle(outcome: { output: TaskOutput } | { error: unknown }): void
}

const WAITING_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children'])

/**
 * The coordinator's side of scale-out: each remote task is one BullMQ job with the id
 * `runId/nodeId`; its progress events are replayed into the run, its return value is the
 * task's output. The run store stays the source of truth: a job Redis forgot is added again,
 * a job that ended while nobody listened is read back, a result is taken once.
 */
export async function createCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const log = options.log ?? silentLogger
  const queueTimeoutMs = options.queueTimeoutMs ?? 600_000
  const reconcileMs = options.reconcileMs ?? 1000
  const redis = openRedis(options.redisUrl, 'sdflow-coordinator')
  const events = openRedis(options.redisUrl, 'sdflow-coordinator-events')
  redis.on('error', (error) =>
    log.warn('redis connection failed', { url: redactUrl(options.redisUrl), error: String(error) }),
  )
  events.on('error', () => {})
  const queue = new Queue<JobData, JobResult>(QUEUE_NAME, { connection: redis, prefix: PREFIX })
  const queueEvents = new QueueEvents(QUEUE_NAME, { connection: events, prefix: PREFIX })
  queue.on('error', () => {})
  queueEvents.on('error', () => {})
  const pending = new Map<string, Pending>()
  let workers: WorkerInfo[] = []

  queueEvents.on('completed', ({ jobId, returnvalue }) => {
    pending.get(jobId)?.settle({ output: returnvalue as unknown as JobResult })
  })
  queueEvents.on('failed', ({ jobId, failedReason }) => {
    const entry = pending.get(jobId)
    entry?.settle({ error: decodeFailure(failedReason, entry.data.task.nodeId) })
  })
  queueEvents.on('active', ({ jobId }) => {
    const entry = pending.get(jobId)
    if (entry) entry.taken = true
  })
  queueEvents.on('progress', ({ jobId, data }) => {
    const entry = pending.get(jobId)
    if (!entry || !data || typeof data !== 'object') return
    entry.taken = true
    entry.scope.emit(data as JobProgress)
  })

  const add = (entry: Pending) =>
    queue.add(entry.data.task.type, entry.data, {
      jobId: entry.id,
      attempts: 1,
      // kept for an hour: a coordinator restarted mid-run reads finished jobs back
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
    })

  /** Find the node's job (a restarted coordinator re-attaches) or add it. */
  const attach = async (entry: Pending) => {
    const job = await queue.getJob(entry.id)
    const state = job ? await job.getState() : 'unknown'
    if (job && state === 'completed') return entry.settle({ output: job.returnvalue })
    if (state === 'active') entry.taken = true
    if (job && state === 'failed') await job.remove() // an earlier attempt of a resumed run
    if (!job || state === 'failed' || state === 'unknown') await add(entry)
  }

  /** Jobs Redis lost are added again; ends nobody heard are read back. */
  const reconcile = async () => {
    for (const entry of [...pending.values()]) {
      const state = await queue.getJobState(entry.id)
      if (!pending.has(entry.id)) continue
      if (state === 'unknown') {
        log.warn('a job is missing from Redis; adding it again', { job: entry.id })
        await add(entry)
      } else if (state === 'completed' || state === 'failed') {
        const job = await queue.getJob(entry.id)
        if (!job) continue
        entry.settle(
          state === 'completed'
            ? { output: job.returnvalue }
            : { error: decodeFailure(job.failedReason, entry.data.task.nodeId) },
        )
      }
    }
  }

  /** No worker took the job in time: take it back and fail like the pool would. */
  const expire = async (entry: Pending) => {
    if (entry.taken) return
    const state = await queue.getJobState(entry.id)
    if (!WAITING_STATES.has(state) || !pending.has(entry.id)) return
    await queue.remove(entry.id)
    const names = workers.map((w) => w.name).join(', ') || 'none'
    entry.settle({
      error: fail(
        'SDF_BACKEND_NONE_AVAILABLE',
        `no worker took node "${entry.data.task.nodeId}" within ${queueTimeoutMs} ms (live workers: ${names})`,
        { pointer: `/nodes/${entry.data.task.nodeId}` },
      ),
    })
  }

  let ticking = false
  const tick = async () => {
    if (ticking || redis.status !== 'ready') return
    ticking = true
    try {
      workers = await liveWorkers(redis)
      await reconcile()
    } catch (error) {
      log.warn('checking jobs against Redis failed', { error: String(error) })
    } finally {
      ticking = false
    }
  }
  const timer = setInterval(() => void tick(), reconcileMs)
  timer.unref()
  await queueEvents.waitUntilReady().catch(() => {})
  await tick()

  const remote = (task: NodeTask, scope: TaskScope) =>
    new Promise<TaskOutput>((resolve, reject) => {
      const id = jobIdOf(task)
      const onAbort = () => {
        void queue.remove(id).catch(() => 0)
        void redis.publish(CANCEL_CHANNEL, id).catch(() => 0)
        entry.settle({ error: scope.signal.reason })
      }
      const expiry = setTimeout(() => void expire(entry).catch(() => {}), queueTimeoutMs)
      const entry: Pending = {
        id,
        data: { task, deadline: Date.now() + queueTimeoutMs },
        scope,
        taken: false,
        settle(outcome) {
          if (pending.get(id) !== entry) return // taken once: a late duplicate is dropped
          pending.delete(id)
          clearTimeout(expiry)
          scope.signal.removeEventListener('abort', onAbort)
          if ('output' in outcome) resolve(outcome.output)
          else reject(outcome.error)
        },
      }
      pending.get(id)?.settle({ error: new Error(`node ${id} dispatched twice`) })
      pending.set(id, entry)
      if (scope.signal.aborted) return onAbort()
      scope.signal.addEventListener('abort', onAbort, { once: true })
      attach(entry).catch((error: unknown) => entry.settle({ error }))
    })

  return {
    dispatch: (local) => (task, scope) =>
      options.isRemote(task.type) ? remote(task, scope) : local(task, scope),
    backends: remotePool(() => workers),
    workers: () => workers,
    available: () => redis.status === 'ready',
    inFlight: () => [...pending.keys()],
    skip: async (task) => {
      await redis.publish(SKIP_CHANNEL, jobIdOf(task))
    },
    options: () => sharedOptions(redis, workers),
    async close() {
      clearInterval(timer)
      await queueEvents.close().catch(() => {})
      await queue.close().catch(() => {})
      redis.disconnect()
      events.disconnect()
    },
  }
}

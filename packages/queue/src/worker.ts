import { type BackendPool, isA1111Client, jobPlaces } from '@sdflow/a1111'
import { performTask, type TaskEnv, toIssue } from '@sdflow/engine'
import { issue, SdflowError } from '@sdflow/protocol'
import { DelayedError, type Job, Worker } from 'bullmq'
import { openRedis } from './connection.js'
import { encodeIssue, type JobData, type JobResult } from './job.js'
import { CANCEL_CHANNEL, PREFIX, QUEUE_NAME, SKIP_CHANNEL } from './names.js'
import { publishOptions, publishWorker, removeWorker, type WorkerInfo } from './worker-info.js'

export interface WorkerOptions<S> {
  redisUrl: string
  name: string
  /** How this worker does a task: its node types, its own backend pool, artifacts over HTTP. */
  env: TaskEnv<S>
  /** The pool in `env.services`, for the heartbeat (catalogs) and the slot count. */
  pool?: BackendPool
  /**
   * Jobs at once, fixed. By default it follows what the backends not marked down take (their
   * slots and the request the pool queues ahead on each A1111),
   * checked at each heartbeat: a worker whose backends are all down takes no job.
   */
  concurrency?: number
  /** Heartbeat interval (1 s); a worker silent for 3 intervals is no longer live. */
  heartbeatMs?: number
  /** BullMQ lock: a job whose worker died is taken back after about this long (4 s). */
  lockDurationMs?: number
}

export interface RunningWorker {
  name: string
  backends: number
  slots: number
  close(): Promise<void>
}

/** How long a job this worker cannot serve waits before another worker may take it. */
const PASS_ON_MS = 250
/** The backends' A1111 options are read again this often, and kept in Redis twice as long. */
const OPTIONS_EVERY_MS = 30_000

/**
 * `sdflow worker`: pulls node jobs, runs each with `performTask` on this worker's own pool,
 * reports its TaskEvents as job progress and returns its TaskOutput. A job its backends cannot
 * serve (the pool finds none) goes back to the queue for another worker until its deadline.
 */
export async function startWorker<S>(options: WorkerOptions<S>): Promise<RunningWorker> {
  const { env, pool, name } = options
  const heartbeatMs = options.heartbeatMs ?? 1000
  const lockDuration = options.lockDurationMs ?? 4000
  const slotsOf = () => jobPlaces(pool?.list() ?? [])
  let slots = options.concurrency ?? slotsOf()
  const active = new Set<string>()
  /** The backend each active job runs on (for a caller's skip). */
  const backendOf = new Map<string, string>()
  const startedAt = new Date().toISOString()

  const process = async (
    job: Job<JobData, JobResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<JobResult> => {
    const { task, deadline } = job.data
    const id = job.id ?? ''
    const aborted = signal ?? new AbortController().signal
    let used = false
    active.add(id)
    try {
      return await performTask(env, task, {
        signal: aborted,
        emit: (event) => {
          if (event.type === 'backend') {
            used = true
            backendOf.set(id, event.id)
          }
          job.updateProgress(event).catch(() => {})
        },
      })
    } catch (error) {
      if (aborted.aborted) {
        throw new Error(
          encodeIssue(issue('SDF_RUN_CANCELLED', `/nodes/${task.nodeId}`, 'cancelled')),
        )
      }
      const cannotServe =
        !used && error instanceof SdflowError && error.code === 'SDF_BACKEND_NONE_AVAILABLE'
      if (cannotServe && token && Date.now() + PASS_ON_MS < deadline) {
        await job.moveToDelayed(Date.now() + PASS_ON_MS, token)
        throw new DelayedError()
      }
      throw new Error(encodeIssue(toIssue(error, task.nodeId)))
    } finally {
      active.delete(id)
      backendOf.delete(id)
    }
  }

  const connection = openRedis(options.redisUrl, `sdflow-worker-${name}`)
  const control = openRedis(options.redisUrl, `sdflow-worker-${name}-control`)
  const cancels = openRedis(options.redisUrl, `sdflow-worker-${name}-cancels`)
  for (const c of [connection, control, cancels]) c.on('error', () => {})
  const worker = new Worker<JobData, JobResult>(QUEUE_NAME, process, {
    connection,
    prefix: PREFIX,
    concurrency: Math.max(1, slots),
    lockDuration,
    stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
    maxStalledCount: 3,
    autorun: false,
  })
  worker.on('error', (error) => env.log.warn('worker error', { error: String(error) }))

  /** A1111's skip ends the running iteration of the job's backend; the job goes on. */
  const skip = async (jobId: string) => {
    const backend = backendOf.get(jobId)
    const client = backend ? pool?.client(backend) : undefined
    if (client && isA1111Client(client)) await client.skip()
  }
  await cancels.subscribe(CANCEL_CHANNEL, SKIP_CHANNEL)
  cancels.on('message', (channel, jobId: string) => {
    if (!active.has(jobId)) return
    if (channel === SKIP_CHANNEL) void skip(jobId).catch(() => {})
    else worker.cancelJob(jobId, 'the run was cancelled')
  })
  /** Options of the first A1111 backend up, for the coordinator's GET /sdapi/v1/options. */
  let optionsAt = 0
  const shareOptions = async () => {
    if (Date.now() - optionsAt < OPTIONS_EVERY_MS) return
    for (const backend of pool?.list() ?? []) {
      const client = backend.health === 'up' ? pool?.client(backend.id) : undefined
      if (!client || !isA1111Client(client)) continue
      const options = await client.options().catch(() => undefined)
      if (!options) continue
      await publishOptions(control, name, options, OPTIONS_EVERY_MS * 2)
      optionsAt = Date.now()
      return
    }
  }

  const info = (): WorkerInfo => ({
    name,
    backends: (pool?.list() ?? []).map((b) => ({ ...b })),
    slots,
    jobs: [...active],
    startedAt,
    heartbeatAt: new Date().toISOString(),
  })
  let paused = false
  /** Take as many jobs as the backends up can run; none while every one is down. */
  const followSlots = async () => {
    if (options.concurrency !== undefined) return
    slots = slotsOf()
    if (slots > 0) worker.concurrency = slots
    if (slots === 0 && !paused) {
      paused = true
      await worker.pause(true)
    } else if (slots > 0 && paused) {
      paused = false
      await worker.resume()
    }
  }
  const beat = async () => {
    await followSlots().catch(() => {})
    await publishWorker(control, info(), heartbeatMs * 3).catch(() => {})
    await shareOptions().catch(() => {})
  }
  await beat()
  const heartbeat = setInterval(() => void beat(), heartbeatMs)
  void worker
    .run()
    .catch((error: unknown) => env.log.error('worker stopped', { error: String(error) }))
  await worker.waitUntilReady()

  return {
    name,
    backends: pool?.list().length ?? 0,
    get slots() {
      return slots
    },
    async close() {
      clearInterval(heartbeat)
      await worker.close()
      await removeWorker(control, name).catch(() => {})
      control.disconnect()
      cancels.disconnect()
      connection.disconnect()
    },
  }
}

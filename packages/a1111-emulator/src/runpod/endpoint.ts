import { randomUUID } from 'node:crypto'
import { createEmulator, type Emulator } from '../emulator.js'
import type { EmulatorStats } from '../types.js'
import { handlerOf } from './handlers.js'
import type { RunpodEmulatorOptions, RunpodFault, RunpodFaultKind, RunpodStats } from './types.js'

export type JobStatus =
  | 'IN_QUEUE'
  | 'IN_PROGRESS'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TIMED_OUT'

const terminal = new Set<JobStatus>(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'])

export interface Job {
  id: string
  status: JobStatus
  input: unknown
  submittedAt: number
  startedAt?: number
  delayTime?: number
  executionTime?: number
  workerId?: string
  output?: unknown
  error?: string
}

type WorkerState = 'cold' | 'initializing' | 'idle' | 'running'

interface Worker {
  id: string
  state: WorkerState
  emulator: Emulator
  job?: Job
}

/** The job's answer as RunPod's `/status` gives it. */
export function answerOf(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    status: job.status,
    ...(job.delayTime !== undefined && { delayTime: job.delayTime }),
    ...(job.executionTime !== undefined && { executionTime: job.executionTime }),
    ...(job.workerId !== undefined && { workerId: job.workerId }),
    ...(job.output !== undefined && { output: job.output }),
    ...(job.error !== undefined && { error: job.error }),
  }
}

/**
 * One serverless endpoint: a FIFO queue, `workers` workers that start cold (`coldStartMs`), run
 * one job at a time each in front of their own A1111 emulator, and stay warm afterwards.
 */
export function createEndpoint(options: RunpodEmulatorOptions) {
  const handler = handlerOf(options.worker ?? 'a1111')
  const coldStartMs = options.coldStartMs ?? 0
  const jobs = new Map<string, Job>()
  const queue: Job[] = []
  const waiters = new Set<() => void>()
  let faults: { spec: RunpodFault; left: number }[] = []
  const counts = { coldStarts: 0, maxRunning: 0 }
  const cancelled: string[] = []
  const workers: Worker[] = Array.from({ length: Math.max(1, options.workers ?? 1) }, (_, i) => ({
    id: `emu-worker-${i + 1}`,
    state: 'cold',
    emulator: createEmulator({
      stepMs: options.stepMs ?? 20,
      apiOnly: true,
      ...(options.seed !== undefined && { seed: options.seed + i }),
    }),
  }))
  let closed = false

  const take = (kind: RunpodFaultKind): RunpodFault | undefined => {
    const hit = faults.find((f) => f.spec.kind === kind)
    if (!hit) return undefined
    hit.left -= 1
    if (hit.left <= 0) faults = faults.filter((f) => f !== hit)
    return hit.spec
  }

  const changed = () => {
    for (const wake of [...waiters]) wake()
  }

  const finish = (job: Job, status: JobStatus, result: { output?: unknown; error?: string }) => {
    if (terminal.has(job.status)) return
    job.status = status
    job.executionTime = Date.now() - (job.startedAt ?? Date.now())
    if (result.output !== undefined) job.output = result.output
    if (result.error !== undefined) job.error = result.error
    changed()
  }

  const run = async (worker: Worker, job: Job) => {
    worker.state = 'running'
    worker.job = job
    job.status = 'IN_PROGRESS'
    job.startedAt = Date.now()
    job.delayTime = job.startedAt - job.submittedAt
    job.workerId = worker.id
    counts.maxRunning = Math.max(
      counts.maxRunning,
      workers.filter((w) => w.state === 'running').length,
    )
    changed()
    let refresh = false
    const timeout = take('timeout')
    const failed = take('failed')
    if (take('oom')) {
      worker.emulator.ctx.faults.add({ route: '/sdapi/v1/txt2img', kind: 'oom' })
      worker.emulator.ctx.faults.add({ route: '/sdapi/v1/img2img', kind: 'oom' })
    }
    try {
      if (timeout) {
        await new Promise((resolve) => setTimeout(resolve, timeout.delayMs ?? 50))
        finish(job, 'TIMED_OUT', {})
      } else if (failed) {
        finish(job, 'FAILED', { error: failed.message ?? 'RuntimeError' })
      } else {
        const result = await handler(worker.emulator.app, job.input)
        refresh = result.refresh ?? false
        finish(job, result.error === undefined ? 'COMPLETED' : 'FAILED', result)
      }
    } catch (error) {
      finish(job, 'FAILED', {
        error: JSON.stringify({ error_type: 'Exception', error_message: String(error) }),
      })
    } finally {
      worker.emulator.ctx.faults.clear()
      worker.job = undefined
      worker.state = refresh ? 'cold' : 'idle'
      pump()
    }
  }

  const warm = (worker: Worker) => {
    worker.state = 'initializing'
    counts.coldStarts += 1
    const ms = take('slow-cold-start')?.delayMs ?? coldStartMs
    setTimeout(() => {
      if (closed) return
      worker.emulator.app.ready().then(
        () => {
          worker.state = 'idle'
          pump()
        },
        () => undefined,
      )
    }, ms).unref()
  }

  /** Hand queued jobs to idle workers; start as many cold workers as jobs still wait. */
  const pump = () => {
    if (closed) return
    for (const worker of workers) {
      if (worker.state !== 'idle') continue
      const job = queue.shift()
      if (!job) break
      void run(worker, job)
    }
    const starting = workers.filter((w) => w.state === 'initializing').length
    let needed = queue.length - starting
    for (const worker of workers) {
      if (needed <= 0) break
      if (worker.state !== 'cold') continue
      warm(worker)
      needed -= 1
    }
    changed()
  }

  return {
    submit(input: unknown): Job | 'rate-limited' {
      if (take('rate-limit')) return 'rate-limited'
      const job: Job = { id: randomUUID(), status: 'IN_QUEUE', input, submittedAt: Date.now() }
      jobs.set(job.id, job)
      queue.push(job)
      if (take('expired')) jobs.delete(job.id)
      pump()
      return job
    },
    get: (id: string) => jobs.get(id),
    /** Resolves once the job is final or `ms` passed. */
    async wait(job: Job, ms: number): Promise<void> {
      if (terminal.has(job.status)) return
      await new Promise<void>((resolve) => {
        const done = () => {
          if (!terminal.has(job.status) && !closed) return
          clearTimeout(timer)
          waiters.delete(done)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(done)
          resolve()
        }, ms)
        waiters.add(done)
      })
    },
    async cancel(job: Job): Promise<void> {
      cancelled.push(job.id)
      if (terminal.has(job.status)) return
      const queued = queue.indexOf(job)
      if (queued >= 0) queue.splice(queued, 1)
      const worker = workers.find((w) => w.job === job)
      job.status = 'CANCELLED'
      changed()
      if (worker) await worker.emulator.app.inject({ method: 'POST', url: '/sdapi/v1/interrupt' })
    },
    purge(): number {
      const removed = queue.splice(0, queue.length)
      for (const job of removed) job.status = 'CANCELLED'
      changed()
      return removed.length
    },
    health() {
      const all = [...jobs.values()]
      const n = (status: JobStatus) => all.filter((j) => j.status === status).length
      const w = (state: WorkerState) => workers.filter((x) => x.state === state).length
      return {
        jobs: {
          completed: n('COMPLETED'),
          failed: n('FAILED') + n('TIMED_OUT'),
          inProgress: n('IN_PROGRESS'),
          inQueue: n('IN_QUEUE'),
          retried: 0,
        },
        workers: {
          idle: w('idle'),
          initializing: w('initializing'),
          ready: w('idle'),
          running: w('running'),
          throttled: 0,
          unhealthy: 0,
        },
      }
    },
    addFault(spec: RunpodFault) {
      faults.push({ spec: { ...spec }, left: spec.count ?? 1 })
    },
    clearFaults() {
      faults = []
    },
    stats(requests: Record<string, number>): RunpodStats {
      const byStatus: Record<string, number> = {}
      for (const job of jobs.values()) byStatus[job.status] = (byStatus[job.status] ?? 0) + 1
      return {
        requests: { ...requests },
        jobs: byStatus,
        cancelled: [...cancelled],
        coldStarts: counts.coldStarts,
        maxRunning: counts.maxRunning,
        a1111: sumStats(workers.map((w) => w.emulator.ctx.stats.snapshot())),
      }
    },
    async close() {
      closed = true
      changed()
      await Promise.all(workers.map((w) => w.emulator.app.close()))
    },
  }
}

export type Endpoint = ReturnType<typeof createEndpoint>

function sumStats(all: EmulatorStats[]): EmulatorStats {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
  }
  const out: EmulatorStats = {
    requests: {},
    generations: 0,
    completed: {},
    abandoned: {},
    busy: [],
  }
  for (const s of all) {
    add(out.requests, s.requests)
    add(out.completed, s.completed)
    add(out.abandoned, s.abandoned)
    out.generations += s.generations
    out.busy.push(...s.busy)
  }
  out.busy.sort((a, b) => a.start - b.start)
  return out
}

import type { RunEvent } from '@sdflow/protocol'
import type { EventHub } from '../event-hub.js'

/** One gateway call as its caller sees it. */
export interface CallerJob {
  runId: string
  caller: string
  taskId: string
  /** `scripts_txt2img`, `scripts_img2img`, `extras`: A1111's `state.job`. */
  job: string
  /** The call's `n_iter`: A1111 counts them in `state.job_count`. */
  iterations: number
  queuedAt: number
  phase: 'queued' | 'running' | 'done'
  /** A1111's 14-digit local time at the job's start. */
  timestamp: string
  step: number
  total: number
  fraction: number
  eta?: number
  backend?: string
  /** Artifact hash of the newest live preview. */
  preview?: string
  previewSeq: number
  interrupted: boolean
}

/** How long an ended job stays known to `/internal/progress` (`completed: true`). */
const KEEP_ENDED_MS = 10 * 60_000

/**
 * The gateway's jobs by caller, kept current from the run event stream. A caller sees only its
 * own jobs: that is what keeps one client's progress, interrupt and skip off another's work.
 */
export function trackCallerJobs(hub: EventHub, now: () => number = Date.now) {
  const jobs = new Map<string, CallerJob>()
  const onEvent = (event: RunEvent) => {
    const job = jobs.get(event.runId)
    if (!job) return
    switch (event.type) {
      case 'node.started':
        if (event.nodeType.startsWith('sd.') && job.phase === 'queued') job.phase = 'running'
        break
      case 'node.progress':
        job.phase = 'running'
        job.step = event.step
        job.total = event.total
        job.fraction = event.fraction
        if (event.eta !== undefined) job.eta = event.eta
        if (event.backend) job.backend = event.backend
        if (event.preview && event.preview !== job.preview) {
          job.preview = event.preview
          job.previewSeq += 1
        }
        break
      case 'run.finished':
      case 'run.failed':
      case 'run.cancelled':
        job.phase = 'done'
        job.fraction = 1
        setTimeout(() => jobs.delete(event.runId), KEEP_ENDED_MS).unref()
        break
      default:
        break
    }
  }
  const unsubscribe = hub.subscribe(onEvent)
  return {
    add(runId: string, caller: string, taskId: string, job: string, iterations = 1): CallerJob {
      const entry: CallerJob = {
        runId,
        caller,
        taskId,
        job,
        iterations: Math.max(1, Math.floor(iterations)),
        queuedAt: now(),
        phase: 'queued',
        timestamp: timestampOf(new Date(now())),
        step: 0,
        total: 0,
        fraction: 0,
        previewSeq: 0,
        interrupted: false,
      }
      jobs.set(runId, entry)
      return entry
    },
    /** The caller's jobs not yet ended, oldest first. */
    live(caller: string): CallerJob[] {
      return [...jobs.values()].filter((j) => j.caller === caller && j.phase !== 'done')
    },
    /** The caller's job with this task id (never another caller's). */
    byTask(caller: string, taskId: string): CallerJob | undefined {
      return [...jobs.values()].find((j) => j.caller === caller && j.taskId === taskId)
    },
    close: unsubscribe,
  }
}

export type CallerJobs = ReturnType<typeof trackCallerJobs>

function timestampOf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`
}

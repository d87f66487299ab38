import type { EmulatorContext } from '../context.js'
import { addTask, beginJob, endJob, finishTask, startTask } from '../progress-state.js'
import { nowMs } from '../stats.js'

export interface LockedJob {
  /** Task id for `/internal/progress` (`force_task_id` or a random one); null for extras. */
  taskId: string | null
  /** `shared.state.job` name, e.g. `scripts_txt2img`; null = takes the lock without a job. */
  jobName: string | null
}

/**
 * Queues behind the global FIFO lock (registering the task as pending), then runs `work` with
 * `shared.state` begun, and always ends state, task and lock, also on failure or shutdown.
 */
export async function runLocked<T>(
  ctx: EmulatorContext,
  job: LockedJob,
  work: () => Promise<T>,
): Promise<T> {
  if (job.taskId !== null) addTask(ctx.tasks, job.taskId)
  let release: () => void
  try {
    release = await ctx.lock.acquire(ctx.shutdown)
  } catch (err) {
    if (job.taskId !== null) finishTask(ctx.tasks, job.taskId)
    throw err
  }
  const start = nowMs()
  try {
    if (job.taskId !== null) startTask(ctx.tasks, job.taskId)
    if (job.jobName !== null) beginJob(ctx.progress, job.jobName)
    return await work()
  } finally {
    if (job.jobName !== null) endJob(ctx.progress)
    if (job.taskId !== null) finishTask(ctx.tasks, job.taskId)
    if (job.jobName !== null) {
      ctx.stats.held({ job: job.jobName, taskId: job.taskId, start, end: nowMs() })
    }
    release()
  }
}

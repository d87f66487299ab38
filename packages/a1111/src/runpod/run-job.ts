import type { ProgressUpdate } from '@sdflow/engine'
import { SdflowError } from '@sdflow/protocol'
import { backoffDelay, sleep } from '../backoff.js'
import { backendFail, type FailureSite, timedOut } from '../errors.js'
import { type HttpTarget, requestJson } from '../http.js'
import { parseResponse } from '../parse.js'
import type { Timeouts } from '../timeouts.js'
import { jobCancelledThere, jobFailure, jobTimedOut } from './job-failure.js'
import { type JobPace, jobWork } from './job-pace.js'
import type { JobAnswer } from './schemas.js'
import { runpodValidators } from './validators.js'

/** Status polls start this soon after submitting and slow down to `POLL_MAX_MS`. */
const POLL_BASE_MS = 100
const POLL_MAX_MS = 1_000
/** Backoff of a submission answered 429 (the endpoint's queue is full). */
const FULL_BASE_MS = 250
const FULL_MAX_MS = 10_000

export interface JobCall {
  signal?: AbortSignal
  onProgress?: (update: ProgressUpdate) => void
  /** Steps the job will take, for progress updates. */
  totalSteps?: number
  /** The A1111 request inside the input, for naming a refused field. */
  request: Record<string, unknown>
  /** What the job does, for messages: `job POST /sdapi/v1/txt2img`. */
  route: string
  /** The endpoint's pace: polls aim at the expected end of a running job. */
  pace?: JobPace
}

/** A finished job: its output and RunPod's billing figures (ms). */
export interface JobDone {
  output: unknown
  executionMs?: number
  delayMs?: number
  workerId?: string
}

const statusOf = (error: unknown) =>
  error instanceof SdflowError ? error.issue.details?.status : undefined

/**
 * One job on a RunPod endpoint: submit (`/run`, backing off on 429), poll `/status/{id}` with
 * growing intervals (never busy), map the final status onto sdflow's codes, resubmit once when
 * RunPod no longer knows the id, and `POST /cancel/{id}` when the caller aborts or the job
 * outlives `timeouts.requestMs`.
 */
export async function runJob(
  http: HttpTarget,
  timeouts: Timeouts,
  input: unknown,
  call: JobCall,
): Promise<JobDone> {
  const site: FailureSite = { backend: http.id, route: 'POST /run' }
  const deadline = AbortSignal.timeout(timeouts.requestMs)
  const signal = call.signal ? AbortSignal.any([call.signal, deadline]) : deadline
  const stopped = (error: unknown): never => {
    if (call.signal?.aborted) throw call.signal.reason ?? error
    if (deadline.aborted) throw timedOut(site, timeouts.requestMs, error)
    throw error
  }
  for (let submission = 1; ; submission++) {
    let id: string | undefined
    try {
      const submitted = await submit(http, timeouts, input, signal)
      id = submitted.id
      const done = await follow(http, timeouts, submitted, call, signal)
      if (done !== 'expired') {
        call.pace?.learn(jobWork(call), done.executionMs)
        return done
      }
      id = undefined
      if (submission >= 2) {
        throw backendFail(
          'SDF_BACKEND_ERROR',
          { backend: http.id, route: 'GET /status' },
          'RunPod forgot the job twice (404 on /status); it keeps results only 30 min',
          { details: { status: 404, retryable: true } },
        )
      }
    } catch (error) {
      if (id !== undefined && signal.aborted) await cancel(http, timeouts, id)
      return stopped(error)
    }
  }
}

async function submit(
  http: HttpTarget,
  timeouts: Timeouts,
  input: unknown,
  signal: AbortSignal,
): Promise<JobAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await requestJson(http, {
        method: 'POST',
        path: '/run',
        body: { input },
        describe: {},
        signal,
        timeoutMs: timeouts.connectMs,
      })
      return parseResponse(runpodValidators.job, answer, { backend: http.id, route: 'POST /run' })
    } catch (error) {
      if (statusOf(error) !== 429) throw error
      await sleep(backoffDelay(attempt, FULL_BASE_MS, FULL_MAX_MS), signal)
    }
  }
}

async function follow(
  http: HttpTarget,
  timeouts: Timeouts,
  submitted: JobAnswer,
  call: JobCall,
  signal: AbortSignal,
): Promise<JobDone | 'expired'> {
  const site: FailureSite = { backend: http.id, route: `${call.route} (job ${submitted.id})` }
  const since = Date.now()
  const expectedMs = call.pace?.expectedMs(jobWork(call))
  let answer = submitted
  let was = submitted.status
  // when the current answer and the one before it were asked for
  let asked = since
  let askedBefore = since
  let expectedEnd: number | undefined
  for (let poll = 1; ; poll++) {
    // a job that just started running is polled closely again: its end is the next news
    if (answer.status !== was) poll = 1
    if (answer.status === 'IN_PROGRESS' && expectedEnd === undefined && expectedMs !== undefined) {
      // it started between the last two questions
      expectedEnd = (askedBefore + asked) / 2 + expectedMs
    }
    was = answer.status
    switch (answer.status) {
      case 'COMPLETED':
        return {
          output: answer.output,
          ...(answer.executionTime !== undefined && { executionMs: answer.executionTime }),
          ...(answer.delayTime !== undefined && { delayMs: answer.delayTime }),
          ...(answer.workerId !== undefined && { workerId: answer.workerId }),
        }
      case 'FAILED':
        throw jobFailure(site, answer, call.request)
      case 'TIMED_OUT':
        throw jobTimedOut(site)
      case 'CANCELLED':
        throw jobCancelledThere(site)
      case 'IN_QUEUE':
      case 'IN_PROGRESS':
        report(call, answer.status, Date.now() - since)
    }
    let delay = Math.min(POLL_MAX_MS, POLL_BASE_MS * 1.5 ** (poll - 1))
    const untilEnd = expectedEnd === undefined ? 0 : expectedEnd - Date.now()
    if (answer.status === 'IN_PROGRESS' && untilEnd > 0 && untilEnd < delay) {
      // never later than the backoff would poll; after the expected end, closely again
      delay = untilEnd
      poll = 0
    }
    await sleep(delay, signal)
    askedBefore = asked
    asked = Date.now()
    try {
      const body = await requestJson(http, {
        method: 'GET',
        path: `/status/${submitted.id}`,
        signal,
        timeoutMs: timeouts.connectMs,
      })
      answer = parseResponse(runpodValidators.job, body, site)
    } catch (error) {
      if (statusOf(error) === 404) return 'expired'
      throw error
    }
  }
}

function report(call: JobCall, status: 'IN_QUEUE' | 'IN_PROGRESS', ms: number): void {
  if (!call.onProgress) return
  const seconds = Math.round(ms / 1000)
  call.onProgress({
    step: 0,
    total: call.totalSteps ?? 0,
    message:
      status === 'IN_QUEUE'
        ? `queued on RunPod for ${seconds} s (a cold start can take minutes)`
        : 'running on a RunPod worker',
  })
}

/** Best effort: the job may have ended meanwhile; a failure here changes nothing for the caller. */
async function cancel(http: HttpTarget, timeouts: Timeouts, id: string): Promise<void> {
  await requestJson(http, {
    method: 'POST',
    path: `/cancel/${id}`,
    body: {},
    timeoutMs: timeouts.connectMs,
  }).catch(() => undefined)
}

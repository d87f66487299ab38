import type { CallOptions } from './options.js'
import { fromSdapiProgress } from './progress.js'
import type {
  InternalProgressRequest,
  InternalProgressResponse,
  ProgressResponse,
} from './schemas/index.js'

/** What stopping one of our jobs needs from an A1111 client. */
export interface Interruptible {
  internalProgress(
    request: InternalProgressRequest,
    options?: CallOptions,
  ): Promise<InternalProgressResponse>
  interrupt(options?: CallOptions): Promise<void>
  progress(options?: CallOptions & { skipCurrentImage?: boolean }): Promise<ProgressResponse>
}

const POLL_MS = 250
/** A request not registered by then never reached A1111's queue. */
const UNSEEN_MS = 2_000

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())

/**
 * Stop our job `taskId` on an A1111 without touching anyone else's: /sdapi/v1/interrupt stops
 * whatever runs, so it is sent only while /internal/progress shows our task running. A request
 * we gave up while it waited in A1111's queue still runs when its turn comes (A1111 does not
 * notice the client left): it is interrupted then, in the background, for up to `withinMs`.
 * Interrupted again while still running (a job that had not begun sampling resets the flag).
 * A task A1111 does not know (the request hung before its queue) is interrupted as before only
 * when no other job runs there, which then has nothing to lose.
 */
export async function interruptOurs(
  client: Interruptible,
  taskId: string,
  withinMs: number,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now()
  const look = () =>
    client.internalProgress(
      { id_task: taskId, live_preview: false },
      { signal: AbortSignal.timeout(timeoutMs) },
    )
  let first: InternalProgressResponse
  try {
    first = await look()
  } catch {
    // it does not say whose job runs: interrupt as before, without waiting on a hung backend
    void client.interrupt({ signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined)
    return
  }
  const stop = () => client.interrupt({ signal: AbortSignal.timeout(timeoutMs) })
  const settle = async (): Promise<void> => {
    while (Date.now() - started < withinMs) {
      await pause(POLL_MS)
      const sample = await look()
      if (sample.completed) return
      if (sample.active) await stop()
      else if (!sample.queued && Date.now() - started >= UNSEEN_MS) return
    }
  }
  if (first.completed) return
  if (first.active) await stop().catch(() => undefined)
  else if (!first.queued) {
    const state = await client
      .progress({ signal: AbortSignal.timeout(timeoutMs), skipCurrentImage: true })
      .catch(() => undefined)
    if (!state || !fromSdapiProgress(state).running) await stop().catch(() => undefined)
  }
  void settle().catch(() => undefined)
}

import type { ArtifactStore, ProgressUpdate } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import type { InternalProgressResponse, ProgressResponse } from './schemas/index.js'

/** One normalised progress sample from either progress route. */
export interface ProgressSample {
  /** 0..1 over the whole job. */
  fraction: number
  eta?: number
  /** Our job is the one running (not queued, not finished, not idle). */
  running: boolean
  /** Our job is queued behind another: waiting is legitimate, not a hang. */
  queued: boolean
  /** Our job has finished; the answer is on its way. */
  done: boolean
  /** Our job waits behind another one: nothing of ours to report, poll at the slowest rate. */
  waiting?: boolean
  /** Base64 (or data URL) of a new live preview. */
  preview?: string
  /** Changes whenever the backend moves at all; unchanged for frozenMs = frozen. */
  signature: string
}

export function fromSdapiProgress(r: ProgressResponse): ProgressSample {
  const { job_count, job_no, sampling_step, sampling_steps } = r.state
  const running = job_count > 0 || job_count === -1
  let fraction = 0
  if (job_count > 0) {
    const inPass = sampling_steps > 0 ? sampling_step / sampling_steps : 0
    fraction = Math.min(1, (job_no + inPass) / job_count)
  }
  return {
    fraction,
    eta: running && r.eta_relative > 0 ? r.eta_relative : undefined,
    running,
    queued: false,
    done: false,
    preview: r.current_image ?? undefined,
    signature: JSON.stringify([
      r.state.job,
      r.state.job_timestamp,
      job_count,
      job_no,
      sampling_step,
      sampling_steps,
    ]),
  }
}

export function fromInternalProgress(r: InternalProgressResponse): ProgressSample {
  return {
    fraction: Math.min(1, Math.max(0, r.progress ?? 0)),
    eta: r.active && r.eta !== null && r.eta > 0 ? r.eta : undefined,
    running: r.active,
    queued: r.queued,
    done: r.completed,
    preview: r.live_preview ?? undefined,
    signature: JSON.stringify([r.active, r.queued, r.completed, r.progress, r.id_live_preview]),
  }
}

export interface WatchOptions {
  /** Fetch one sample; `withPreview` says whether a live preview is wanted this time. */
  poll(signal: AbortSignal, withPreview: boolean): Promise<ProgressSample>
  /** Total steps of the job, to turn the fraction into step/total. */
  totalSteps: number
  frozenMs: number
  onFrozen(): void
  onProgress?: (update: ProgressUpdate) => void
  artifacts?: ArtifactStore
  /** Store at most one live preview per this many ms (0: none). */
  previewEveryMs: number
  minIntervalMs?: number
  maxIntervalMs?: number
  storePreview?: (text: string) => Promise<ImageRef>
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/**
 * Poll progress while a generation request is outstanding; stops as soon as `stop` is called.
 * The interval starts short, grows while nothing changes and snaps back when something does.
 * Calls `onFrozen` once when nothing moved for `frozenMs` while the job was ours or should
 * have started (a job merely queued behind someone else's is not frozen).
 */
export function watchProgress(options: WatchOptions): { stop(): void } {
  const controller = new AbortController()
  const { signal } = controller
  const minMs = options.minIntervalMs ?? 250
  const maxMs = options.maxIntervalMs ?? 1000
  const loop = async () => {
    let interval = minMs
    let signature = ''
    let lastMove = Date.now()
    let seenRunning = false
    let lastPreviewAt = 0
    let lastStep = -1
    while (!signal.aborted) {
      await pause(interval, signal)
      if (signal.aborted) return
      const wantPreview =
        options.previewEveryMs > 0 &&
        options.storePreview !== undefined &&
        Date.now() - lastPreviewAt >= options.previewEveryMs
      let sample: ProgressSample | undefined
      try {
        sample = await options.poll(signal, wantPreview)
      } catch {
        sample = undefined // the generation call reports real failures; a miss counts as no move
      }
      if (signal.aborted) return
      const now = Date.now()
      if (sample && (sample.signature !== signature || sample.queued)) {
        signature = sample.signature
        lastMove = now
        interval = sample.waiting ? maxMs : minMs
      } else {
        interval = Math.min(maxMs, Math.round(interval * 1.5))
      }
      if (sample?.running) seenRunning = true
      const finished = sample?.done || (seenRunning && sample && !sample.running && !sample.queued)
      if (!finished && now - lastMove >= options.frozenMs) {
        options.onFrozen()
        return
      }
      if (!sample?.running) continue
      const step = Math.max(lastStep, Math.round(sample.fraction * options.totalSteps))
      let preview: ImageRef | undefined
      if (wantPreview && sample.preview && options.storePreview) {
        lastPreviewAt = now
        preview = await options.storePreview(sample.preview).catch(() => undefined)
        if (signal.aborted) return
      }
      if (step !== lastStep || preview) {
        lastStep = step
        const update: ProgressUpdate = { step, total: options.totalSteps }
        if (sample.eta !== undefined) update.eta = sample.eta
        if (preview) update.preview = preview
        options.onProgress?.(update)
      }
    }
  }
  void loop()
  return { stop: () => controller.abort() }
}

/** Expected sampling steps of a request (a1111-api.md §1.3), for step/total reporting. */
export function expectedSteps(
  kind: 'txt2img' | 'img2img',
  request: {
    steps?: number
    n_iter?: number
    enable_hr?: boolean
    hr_second_pass_steps?: number
    denoising_strength?: number
  },
): number {
  const steps = request.steps ?? 50
  const iterations = request.n_iter ?? 1
  if (kind === 'img2img') {
    const strength = Math.min(request.denoising_strength ?? 0.75, 0.999)
    return iterations * (Math.trunc(strength * steps) + 1)
  }
  const hires = request.enable_hr ? request.hr_second_pass_steps || steps : 0
  return iterations * (steps + hires)
}

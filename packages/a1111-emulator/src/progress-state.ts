/** A1111 `shared.state` and the progress arithmetic of `/sdapi/v1/progress` (reference §1.3). */

export interface ProgressState {
  skipped: boolean
  interrupted: boolean
  stopping_generation: boolean
  job: string
  job_count: number
  job_timestamp: string
  job_no: number
  sampling_step: number
  sampling_steps: number
  textinfo: string | null
  timeStart: number
  currentImage: Buffer | null
  currentImageSamplingStep: number
  idLivePreview: number
  /** Renders the live preview of the running pass (set by the running job). */
  renderPreview: (() => Promise<Buffer>) | null
}

export function createProgressState(): ProgressState {
  return {
    skipped: false,
    interrupted: false,
    stopping_generation: false,
    job: '',
    job_count: 0,
    job_timestamp: '0',
    job_no: 0,
    sampling_step: 0,
    sampling_steps: 0,
    textinfo: null,
    timeStart: 0,
    currentImage: null,
    currentImageSamplingStep: 0,
    idLivePreview: -1,
    renderPreview: null,
  }
}

export function jobTimestamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`
}

/** `State.begin`: resets flags (so an earlier interrupt never cancels a queued job). */
export function beginJob(state: ProgressState, job: string): void {
  state.skipped = false
  state.interrupted = false
  state.stopping_generation = false
  state.job = job
  state.job_count = -1
  state.job_no = 0
  state.job_timestamp = jobTimestamp(new Date())
  state.sampling_step = 0
  state.sampling_steps = 0
  state.textinfo = null
  state.timeStart = Date.now()
  state.currentImage = null
  state.currentImageSamplingStep = 0
  state.idLivePreview = 0
  state.renderPreview = null
}

/** `State.end`: job cleared, counters keep their last values. */
export function endJob(state: ProgressState): void {
  state.job = ''
  state.job_count = 0
  state.renderPreview = null
}

/** `State.nextjob`: after each sampling pass. */
export function nextJob(state: ProgressState): void {
  state.job_no += 1
  state.sampling_step = 0
  state.currentImageSamplingStep = 0
}

export function stateDict(state: ProgressState) {
  return {
    skipped: state.skipped,
    interrupted: state.interrupted,
    stopping_generation: state.stopping_generation,
    job: state.job,
    job_count: state.job_count,
    job_timestamp: state.job_timestamp,
    job_no: state.job_no,
    sampling_step: state.sampling_step,
    sampling_steps: state.sampling_steps,
  }
}

export interface PreviewOptions {
  enabled: boolean
  everyNSteps: number
}

/** `State.set_current_image`: refresh the preview when enough steps passed since the last one. */
export async function refreshPreview(state: ProgressState, opts: PreviewOptions): Promise<void> {
  if (!opts.enabled || opts.everyNSteps <= 0 || !state.renderPreview) return
  if (state.sampling_step - state.currentImageSamplingStep < opts.everyNSteps) return
  state.currentImageSamplingStep = state.sampling_step
  const render = state.renderPreview
  const image = await render()
  if (state.renderPreview === render) {
    state.currentImage = image
    state.idLivePreview += 1
  }
}

export interface SdapiProgress {
  progress: number
  eta_relative: number
  state: ReturnType<typeof stateDict>
  current_image: string | null
  textinfo: string | null
}

/** `GET /sdapi/v1/progress`. */
export async function sdapiProgress(
  state: ProgressState,
  skipCurrentImage: boolean,
  opts: PreviewOptions,
): Promise<SdapiProgress> {
  if (state.job_count === 0) {
    return {
      progress: 0,
      eta_relative: 0,
      state: stateDict(state),
      current_image: null,
      textinfo: state.textinfo,
    }
  }
  await refreshPreview(state, opts)
  let progress = 0.01
  if (state.job_count > 0) progress += state.job_no / state.job_count
  if (state.sampling_steps > 0 && state.job_count > 0) {
    progress += ((1 / state.job_count) * state.sampling_step) / state.sampling_steps
  }
  const elapsed = (Date.now() - state.timeStart) / 1000
  const etaRelative = elapsed / progress - elapsed
  const image =
    state.currentImage && !skipCurrentImage ? state.currentImage.toString('base64') : null
  return {
    progress: Math.min(progress, 1),
    eta_relative: etaRelative,
    state: stateDict(state),
    current_image: image,
    textinfo: state.textinfo,
  }
}

/** Task bookkeeping of `modules/progress.py`. */
export interface TaskRegistry {
  current: string | null
  pending: Map<string, number>
  finished: string[]
}

export function createTaskRegistry(): TaskRegistry {
  return { current: null, pending: new Map(), finished: [] }
}

export function addTask(tasks: TaskRegistry, id: string): void {
  tasks.pending.set(id, Date.now())
}

export function startTask(tasks: TaskRegistry, id: string): void {
  tasks.current = id
  tasks.pending.delete(id)
}

export function finishTask(tasks: TaskRegistry, id: string): void {
  if (tasks.current === id) tasks.current = null
  tasks.pending.delete(id)
  tasks.finished.push(id)
  if (tasks.finished.length > 16) tasks.finished.shift()
}

export interface InternalProgress {
  active: boolean
  queued: boolean
  completed: boolean
  progress: number | null
  eta: number | null
  live_preview: string | null
  id_live_preview: number | null
  textinfo: string | null
}

/** `POST /internal/progress`. */
export async function internalProgress(
  state: ProgressState,
  tasks: TaskRegistry,
  req: { idTask: string; idLivePreview: number; livePreview: boolean },
  opts: PreviewOptions,
): Promise<InternalProgress> {
  const active = tasks.current === req.idTask
  const queued = tasks.pending.has(req.idTask)
  const completed = tasks.finished.includes(req.idTask)
  if (!active) {
    let textinfo = 'Waiting...'
    if (queued) {
      const order = [...tasks.pending.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id)
      textinfo = `In queue: ${order.indexOf(req.idTask) + 1}/${order.length}`
    }
    return {
      active,
      queued,
      completed,
      progress: null,
      eta: null,
      live_preview: null,
      id_live_preview: -1,
      textinfo,
    }
  }
  if (opts.enabled && req.livePreview) await refreshPreview(state, opts)
  let progress = 0
  if (state.job_count > 0) progress += state.job_no / state.job_count
  if (state.sampling_steps > 0 && state.job_count > 0) {
    progress += ((1 / state.job_count) * state.sampling_step) / state.sampling_steps
  }
  progress = Math.min(progress, 1)
  const elapsed = (Date.now() - state.timeStart) / 1000
  const eta = progress > 0 ? elapsed / progress - elapsed : null
  let livePreview: string | null = null
  let idLivePreview = req.idLivePreview
  if (opts.enabled && req.livePreview) {
    if (state.idLivePreview !== req.idLivePreview && state.currentImage) {
      livePreview = `data:image/png;base64,${state.currentImage.toString('base64')}`
      idLivePreview = state.idLivePreview
    }
  }
  return {
    active,
    queued,
    completed,
    progress,
    eta,
    live_preview: livePreview,
    id_live_preview: idLivePreview,
    textinfo: state.textinfo,
  }
}

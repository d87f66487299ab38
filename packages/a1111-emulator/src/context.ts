import { createFaultRegistry, type FaultRegistry } from './faults.js'
import { createFifoLock, type FifoLock } from './fifo-lock.js'
import {
  createProgressState,
  createTaskRegistry,
  type PreviewOptions,
  type ProgressState,
  type TaskRegistry,
} from './progress-state.js'
import { mulberry32, type Random } from './random.js'
import { createSettingsStore, type SettingsStore } from './settings.js'
import { createStatsRecorder, type StatsRecorder } from './stats.js'
import type { EmulatorOptions, FaultSpec } from './types.js'

/** Everything one emulator instance holds; created per `buildEmulator` (no module state). */
export interface EmulatorContext {
  stepMs: number
  apiOnly: boolean
  auth: { username: string; password: string } | undefined
  lock: FifoLock
  progress: ProgressState
  tasks: TaskRegistry
  faults: FaultRegistry
  stats: StatsRecorder
  settings: SettingsStore
  random: Random
  /** Aborted when the server closes: every wait (lock, steps, hang) ends. */
  shutdown: AbortSignal
  close(): void
  /** Faults that act later in a request's life (`slow`, `bad-base64`), by request object. */
  requestFaults: WeakMap<object, FaultSpec>
  previewOptions(): PreviewOptions
}

export function createContext(options: EmulatorOptions): EmulatorContext {
  const controller = new AbortController()
  const settings = createSettingsStore()
  return {
    stepMs: options.stepMs ?? 20,
    apiOnly: options.apiOnly ?? false,
    auth: options.auth,
    lock: createFifoLock(),
    progress: createProgressState(),
    tasks: createTaskRegistry(),
    faults: createFaultRegistry(options.faults),
    stats: createStatsRecorder(),
    settings,
    random: mulberry32(options.seed ?? Date.now() % 4294967296),
    shutdown: controller.signal,
    close: () => controller.abort(),
    requestFaults: new WeakMap(),
    previewOptions: () => ({
      enabled: settings.bool('live_previews_enable'),
      everyNSteps: settings.number('show_progress_every_n_steps'),
    }),
  }
}

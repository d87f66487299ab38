import type { EmulatorStats } from '../types.js'

/** The RunPod worker images the emulator plays (a1111-api.md §8). */
export const RunpodWorkers = ['a1111', 'a1111-proxy'] as const
export type RunpodWorker = (typeof RunpodWorkers)[number]

/**
 * Faults of the RunPod face, each for the next `count` jobs (or requests):
 * `failed` a job FAILED with `message` (default `RuntimeError`); `oom` the worker's A1111 runs
 * out of GPU memory; `timeout` a job ends TIMED_OUT after `delayMs`; `expired` RunPod forgets a
 * job (its id answers 404); `rate-limit` `/run` answers 429; `slow-cold-start` the next cold start
 * takes `delayMs`.
 */
export const RunpodFaultKinds = [
  'failed',
  'oom',
  'timeout',
  'expired',
  'rate-limit',
  'slow-cold-start',
] as const
export type RunpodFaultKind = (typeof RunpodFaultKinds)[number]

export interface RunpodFault {
  kind: RunpodFaultKind
  count?: number
  delayMs?: number
  message?: string
}

export interface RunpodEmulatorOptions {
  worker?: RunpodWorker
  /** Required as `Authorization: Bearer KEY` (or the bare key) when set. */
  apiKey?: string
  /** Workers the endpoint scales to (default 1); each runs one job at a time. */
  workers?: number
  /** How long a cold worker takes to start (default 0). */
  coldStartMs?: number
  /** Step time of the A1111 emulator inside each worker (default 20). */
  stepMs?: number
  endpointId?: string
  faults?: RunpodFault[]
  seed?: number
}

export interface RunpodStats {
  /** Requests per route pattern (`POST /run`, `GET /status`, ...). */
  requests: Record<string, number>
  /** Jobs by final or current status. */
  jobs: Record<string, number>
  /** Ids that `/cancel` was called for. */
  cancelled: string[]
  coldStarts: number
  /** The most jobs that ran at the same time. */
  maxRunning: number
  /** What the A1111 emulators inside the workers saw, summed. */
  a1111: EmulatorStats
}

export interface RunningRunpodEmulator {
  /** `http://127.0.0.1:PORT/v2/ENDPOINT_ID`: the endpoint base, as sdflow's `url`. */
  url: string
  port: number
  endpointId: string
  close(): Promise<void>
  stats(): RunpodStats
  injectFault(fault: RunpodFault): void
  clearFaults(): void
}

/** Kinds of fault the emulator can inject into matching requests. */
export const FaultKinds = [
  'oom',
  'error500',
  'hang',
  'slow',
  'drop',
  'bad-base64',
  'html',
  'unavailable503',
  'freeze',
  'stuck',
] as const
export type FaultKind = (typeof FaultKinds)[number]

export interface FaultSpec {
  /** Exact request path such as `/sdapi/v1/txt2img`, or `*` for every A1111 route. */
  route: string
  kind: FaultKind
  /** How many of the next matching requests are affected (default 1). */
  count?: number
  /**
   * For `slow`: extra delay before the request is handled (default 500 ms). `freeze` ignores it:
   * the job samples half its steps, then stops moving (a GPU hung after a CUDA error) until
   * the client goes away or the emulator closes.
   */
  delayMs?: number
}

/** One job's hold of the FIFO lock, in wall-clock ms (`performance.timeOrigin` based). */
export interface LockSpan {
  /** `shared.state.job` of the job (`scripts_txt2img`, `scripts_img2img`, `extras`). */
  job: string
  taskId: string | null
  start: number
  end: number
}

export interface EmulatorStats {
  /** Requests received per path (control routes under /emulator excluded). */
  requests: Record<string, number>
  /** Generations (txt2img, img2img, extras) completed in total. */
  generations: number
  /** Generations completed per path. */
  completed: Record<string, number>
  /** Requests whose client closed the connection before the answer, per path. */
  abandoned: Record<string, number>
  /** Generation jobs' lock holds, oldest first (the newest 10,000): when the GPU was busy. */
  busy: LockSpan[]
}

export interface EmulatorOptions {
  /** Time per sampling step in ms (default 20). */
  stepMs?: number
  /** No /internal/* routes, like `--nowebui`. */
  apiOnly?: boolean
  faults?: FaultSpec[]
  /** Seed of the generator used to resolve `seed: -1` and random task ids. */
  seed?: number
  /** HTTP basic auth on the /sdapi routes, like `--api-auth`. */
  auth?: { username: string; password: string }
  /** Fastify logger (off by default). */
  logger?: boolean
}

export interface RunningEmulator {
  url: string
  port: number
  close(): Promise<void>
  stats(): EmulatorStats
  injectFault(f: FaultSpec): void
  clearFaults(): void
}

import type { Logger, RetryNotice } from '@sdflow/engine'
import { fail, SdflowError } from '@sdflow/protocol'
import type { Backend } from './backend.js'
import type { BackendState, BackendStatus, Lane } from './backend-state.js'
import { statusOf } from './backend-state.js'
import { backoffDelay, sleep } from './backoff.js'
import type { Catalog, Needs } from './catalog.js'
import { isA1111Client } from './client.js'
import type { BackendConfig } from './config.js'
import { backendFail, isRetryable, marksBackendDown, timedOut } from './errors.js'
import { openBackend } from './open-backend.js'
import { fromSdapiProgress } from './progress.js'
import { describeNeeds, neverServes, pickBackend, whyNot } from './select.js'

export interface PoolOptions {
  backends: BackendConfig[]
  log?: Logger
  /** Probe interval while a backend is up (default 15 s). */
  probeIntervalMs?: number
  /** Backoff between probes of a backend that is down (default 1 s doubling to 30 s). */
  downBackoff?: { baseMs?: number; maxMs?: number }
  /** Reload each backend's catalog this often (default 5 min). */
  catalogRefreshMs?: number
  /** Attempts per job, the first included (default 3). */
  maxAttempts?: number
  /** Delay before a retry (default 500 ms doubling to 10 s, jittered). */
  retryBackoff?: { baseMs?: number; maxMs?: number }
  /** How long a job waits for a backend unless the job says (default 10 min). */
  queueTimeoutMs?: number
  /**
   * Requests kept waiting in each A1111's own queue beside its running ones (default 1): A1111
   * runs them one after another behind its FIFO lock, so its GPU never waits for sdflow between
   * two jobs. 0 sends a job only when a slot is free. Not for runpod backends (their `slots`).
   */
  queueAhead?: number
  random?: () => number
}

/** One unit of backend work as the dispatcher sees it. */
export interface Job {
  needs?: Needs
  /** Pin to a configured backend id (never a URL). */
  backend?: string
  signal?: AbortSignal
  onRetry?: (notice: RetryNotice) => void
  onBackend?: (id: string) => void
  queueTimeoutMs?: number
}

/** The work run on the chosen backend; `attempt` starts at 1 (use it in force_task_id). */
export type Work<T> = (backend: Backend, signal: AbortSignal, attempt: number) => Promise<T>

/** Names known on at least one backend, for validating workflows. */
export interface PoolCatalog {
  checkpoints: string[]
  samplers: string[]
  schedulers: string[]
  upscalers: string[]
  latentUpscaleModes: string[]
  controlnetModels: string[]
  controlnetModules: string[]
  /** UI label -> module name, from every backend. */
  controlnetModuleLabels: Record<string, string>
}

/** Names known on at least one of `catalogs` (sorted), labels merged. */
export function unionCatalog(catalogs: readonly Catalog[]): PoolCatalog {
  const union = (pick: (c: Catalog) => string[]) => [...new Set(catalogs.flatMap(pick))].sort()
  return {
    checkpoints: union((c) => c.checkpoints),
    samplers: union((c) => c.samplers),
    schedulers: union((c) => c.schedulers),
    upscalers: union((c) => c.upscalers),
    latentUpscaleModes: union((c) => c.latentUpscaleModes),
    controlnetModels: union((c) => c.controlnetModels),
    controlnetModules: union((c) => c.controlnetModules),
    // a catalog that arrived as JSON (from an older worker) may lack the labels
    controlnetModuleLabels: Object.assign(
      Object.create(null) as Record<string, string>,
      ...catalogs.map((c) => c.controlnetModuleLabels ?? {}),
    ),
  }
}

export interface BackendPool {
  /** Probe every backend and load catalogs; resolves after the first round. */
  start(): Promise<void>
  /** Stop timers, abort in-flight work, fail waiting jobs. */
  close(): Promise<void>
  list(): BackendStatus[]
  catalog(): PoolCatalog
  client(id: string): Backend | undefined
  run<T>(job: Job, work: Work<T>): Promise<T>
}

interface Granted {
  b: BackendState
  /** Set when the job waits in the backend's queue behind its running ones. */
  lane?: Lane
}

interface Waiter {
  needs: Needs | undefined
  among: BackendState[]
  avoid: ReadonlySet<string>
  signal: AbortSignal | undefined
  grant(granted: Granted): void
  /** Stop waiting: the job's signal aborted or the pool closed. */
  refuse(reason: unknown): void
  /** No candidate can ever serve it any more (say, its only backend refused the key). */
  hopeless(): void
}

/** How long a job waits for a healthy backend unless the config or the job says. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 600_000

const isKeyRefused = (error: unknown): error is SdflowError =>
  error instanceof SdflowError && error.code === 'SDF_BACKEND_KEY_REFUSED'

/** Failures after which a backend may still be busy with a job that no longer moves. */
const HANG_CODES: ReadonlySet<string> = new Set(['SDF_BACKEND_TIMEOUT', 'SDF_BACKEND_FROZEN'])

export function createPool(options: PoolOptions): BackendPool {
  const log = options.log
  const random = options.random ?? Math.random
  const probeIntervalMs = options.probeIntervalMs ?? 15_000
  const downBase = options.downBackoff?.baseMs ?? 1_000
  const downMax = options.downBackoff?.maxMs ?? 30_000
  const catalogRefreshMs = options.catalogRefreshMs ?? 300_000
  const maxAttempts = options.maxAttempts ?? 3
  const retryBase = options.retryBackoff?.baseMs ?? 500
  const retryMax = options.retryBackoff?.maxMs ?? 10_000
  const queueAhead = options.queueAhead ?? 1
  const closing = new AbortController()
  const backends: BackendState[] = options.backends.map((config) => {
    const client = openBackend(config)
    return {
      config,
      client,
      health: 'unknown',
      busy: 0,
      running: 0,
      catalogAt: 0,
      failures: 0,
      downs: 0,
      inFlight: new Set(),
      queueAhead: isA1111Client(client) ? queueAhead : 0,
      waiting: [],
    }
  })
  const byId = new Map(backends.map((b) => [b.config.id, b]))
  const waiters: Waiter[] = []

  /** Hand free slots to waiting jobs, first come first served. Runs on every state change. */
  const wake = () => {
    for (const waiter of [...waiters]) {
      if (waiter.among.every((b) => neverServes(b, waiter.needs))) {
        waiter.hopeless()
        continue
      }
      const b = pickBackend(waiter.among, waiter.needs, waiter.avoid)
      if (!b) continue
      waiters.splice(waiters.indexOf(waiter), 1)
      b.busy += 1
      if (b.running < b.config.slots) {
        b.running += 1
        waiter.grant({ b })
      } else {
        const lane: Lane = { promoted: false }
        b.waiting.push(lane)
        waiter.grant({ b, lane })
      }
    }
  }

  const schedule = (b: BackendState, ms: number) => {
    clearTimeout(b.timer)
    if (closing.signal.aborted) return
    b.timer = setTimeout(() => void probe(b), ms)
    b.timer.unref()
  }

  const markDown = (b: BackendState, error: unknown) => {
    if (error instanceof SdflowError && HANG_CODES.has(error.code)) b.hung ??= {}
    if (b.health !== 'down') b.downs += 1
    b.health = 'down'
    b.failures += 1
    if (error instanceof SdflowError) b.lastError = error.issue
    schedule(b, backoffDelay(b.failures, downBase, downMax, random))
  }

  const probe = (b: BackendState): Promise<void> => {
    b.probing ??= (async () => {
      try {
        // a hung A1111 is asked for its progress: answering probes alone does not bring it back
        if (b.hung) await stillHung(b, b.hung)
        const result = await b.client.probe({ signal: closing.signal })
        // a node hung there while this probe was in flight: only its progress may bring it back
        if (b.hung) await stillHung(b, b.hung)
        const cameBack = b.health !== 'up'
        b.health = 'up'
        b.failures = 0
        b.lastError = undefined
        b.refused = undefined
        b.workers = result.workers
        wake()
        if (cameBack || !b.catalog || Date.now() - b.catalogAt >= catalogRefreshMs) {
          await refreshCatalog(b)
        }
        schedule(b, probeIntervalMs)
      } catch (error) {
        if (closing.signal.aborted) return
        log?.warn('backend probe failed', { backend: b.config.id, error: String(error) })
        if (isKeyRefused(error)) b.refused = error.issue
        markDown(b, error)
      } finally {
        b.probing = undefined
        wake()
      }
    })()
    return b.probing
  }

  /**
   * A backend whose node timed out or froze: A1111 may still be stuck in that job (or in ours,
   * abandoned) while its HTTP server answers; work sent there would queue behind it. It comes
   * back only once /sdapi/v1/progress shows no job or a job that moved since the last probe.
   */
  const stillHung = async (b: BackendState, hung: { signature?: string }) => {
    // only an A1111 shows its queue; a hosted endpoint cancels its own timed-out jobs
    if (!isA1111Client(b.client)) {
      b.hung = undefined
      return
    }
    const sample = fromSdapiProgress(
      await b.client.progress({ signal: closing.signal, skipCurrentImage: true }),
    )
    const moved = hung.signature !== undefined && sample.signature !== hung.signature
    if (!sample.running || moved) {
      b.hung = undefined
      return
    }
    hung.signature = sample.signature
    throw fail(
      'SDF_BACKEND_FROZEN',
      `backend "${b.config.id}" still runs a job that does not advance (after a node timed out or froze there); it takes work again once its progress moves or shows it idle`,
      { details: { backend: b.config.id } },
    )
  }

  const refreshCatalog = async (b: BackendState) => {
    if (!b.client.capabilities.catalog) return
    try {
      const catalog: Catalog = await b.client.loadCatalog({ signal: closing.signal })
      b.catalog = catalog
      b.catalogAt = Date.now()
      if (catalog.loadedCheckpoint) b.loadedCheckpoint = catalog.loadedCheckpoint
    } catch (error) {
      if (closing.signal.aborted) return
      log?.warn('backend catalog failed to load', { backend: b.config.id, error: String(error) })
      if (error instanceof SdflowError) b.lastError = error.issue
    }
  }

  const candidatesOf = (job: Job): BackendState[] => {
    if (job.backend === undefined) return backends
    const pinned = byId.get(job.backend)
    if (!pinned) {
      const known = [...byId.keys()].join(', ') || '(none)'
      const hint = /[:/]/.test(job.backend) ? ' (workflows name backends by id, never by URL)' : ''
      throw fail(
        'SDF_BACKEND_NONE_AVAILABLE',
        `no backend with id "${job.backend}"${hint}; configured: ${known}`,
        { details: { backend: job.backend } },
      )
    }
    return [pinned]
  }

  const noneAvailable = (job: Job, among: BackendState[], why: string) =>
    fail(
      'SDF_BACKEND_NONE_AVAILABLE',
      `no healthy backend with ${describeNeeds(job.needs)} ${why}: ${among
        .map((b) => whyNot(b, job.needs))
        .join('; ')}`,
      { details: { needs: job.needs ?? {} } },
    )

  /** The error of a job no candidate will ever serve: the refused key itself, when that is why. */
  const hopeless = (job: Job, among: BackendState[]): SdflowError => {
    const refused = among.find((b) => b.refused)?.refused
    if (refused && among.every((b) => b.refused || neverServes(b, job.needs))) {
      return new SdflowError(refused)
    }
    return noneAvailable(job, among, 'anywhere')
  }

  /** Wait (event-driven) for a slot on a backend that can serve the job. */
  const acquire = (job: Job, avoid: ReadonlySet<string>): Promise<Granted> => {
    const among = candidatesOf(job)
    if (closing.signal.aborted) {
      return Promise.reject(fail('SDF_BACKEND_NONE_AVAILABLE', 'the backend pool is closed'))
    }
    if (among.length === 0) {
      return Promise.reject(noneAvailable(job, among, '(no backend is configured)'))
    }
    if (among.every((b) => neverServes(b, job.needs))) return Promise.reject(hopeless(job, among))
    const timeoutMs = job.queueTimeoutMs ?? options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        const at = waiters.indexOf(waiter)
        if (at >= 0) waiters.splice(at, 1)
      }
      const waiter: Waiter = {
        needs: job.needs,
        among,
        avoid,
        signal: job.signal,
        grant: (granted) => {
          cleanup()
          resolve(granted)
        },
        refuse: (reason) => {
          cleanup()
          reject(reason)
        },
        hopeless: () => {
          cleanup()
          reject(hopeless(job, among))
        },
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(noneAvailable(job, among, `within ${timeoutMs} ms`))
      }, timeoutMs)
      if (job.signal?.aborted) return waiter.refuse(job.signal.reason)
      if (job.signal) watch(job.signal)
      waiters.push(waiter)
      wake()
    })
  }

  /**
   * One abort listener per signal, however many jobs wait under it (every node of a run shares
   * the run's signal): the pool owns its waiters and refuses those of an aborted signal itself.
   */
  const watched = new WeakSet<AbortSignal>()
  const watch = (signal: AbortSignal) => {
    if (watched.has(signal)) return
    watched.add(signal)
    signal.addEventListener(
      'abort',
      () => {
        for (const w of waiters.filter((x) => x.signal === signal)) w.refuse(signal.reason)
      },
      { once: true },
    )
  }

  const release = ({ b, lane }: Granted) => {
    b.busy -= 1
    if (lane && !lane.promoted) b.waiting.splice(b.waiting.indexOf(lane), 1)
    else b.running -= 1
    // the oldest job waiting in the backend's queue is the one it runs next
    while (b.running < b.config.slots && b.waiting.length > 0) {
      const next = b.waiting.shift() as Lane
      b.running += 1
      next.promoted = true
      next.onPromote?.()
    }
    wake()
  }

  /** The backend hung on a job: those queued behind it there would wait for ever, move them. */
  const abandonWaiting = (b: BackendState, error: SdflowError) => {
    for (const lane of [...b.waiting]) {
      lane.onAbandon?.(
        backendFail(
          'SDF_BACKEND_FROZEN',
          { backend: b.config.id, route: 'job' },
          `the job ahead of this one there failed (${error.code}) and may still hold its queue; this request waited behind it and moves to another backend`,
          { details: { after: error.code } },
        ),
      )
    }
  }

  /**
   * One attempt on one backend, with a watchdog past requestMs that aborts a hung call. A job
   * sent ahead into the backend's queue starts its watchdog when it is promoted to running.
   */
  const attemptOn = async <T>(
    { b, lane }: Granted,
    job: Job,
    work: Work<T>,
    n: number,
  ): Promise<T> => {
    const controller = new AbortController()
    const signal = job.signal ? AbortSignal.any([job.signal, controller.signal]) : controller.signal
    const { requestMs, connectMs } = b.config.timeouts
    const site = { backend: b.config.id, route: 'job' }
    let watchdog: NodeJS.Timeout | undefined
    const startWatchdog = () => {
      watchdog = setTimeout(
        () => controller.abort(timedOut(site, requestMs)),
        requestMs + connectMs,
      )
    }
    if (lane && !lane.promoted) {
      lane.onPromote = startWatchdog
      lane.onAbandon = (reason) => controller.abort(reason)
    } else {
      startWatchdog()
    }
    b.inFlight.add(controller)
    try {
      return await work(b.client, signal, n)
    } finally {
      clearTimeout(watchdog)
      b.inFlight.delete(controller)
    }
  }

  const run = async <T>(job: Job, work: Work<T>): Promise<T> => {
    const failed = new Set<string>()
    for (let attempt = 1; ; attempt++) {
      const granted = await acquire(job, failed)
      const { b } = granted
      const id = b.config.id
      job.onBackend?.(id)
      try {
        const result = await attemptOn(granted, job, work, attempt)
        if (job.needs?.checkpoint) b.loadedCheckpoint = job.needs.checkpoint
        return result
      } catch (error) {
        if (job.signal?.aborted || closing.signal.aborted) throw error
        if (isKeyRefused(error)) b.refused = error.issue
        if (!isRetryable(error) || !(error instanceof SdflowError)) throw error
        if (marksBackendDown(error)) {
          markDown(b, error)
          if (HANG_CODES.has(error.code)) abandonWaiting(b, error)
        } else b.lastError = error.issue
        failed.add(id)
        if (attempt >= maxAttempts) throw error
        const delayMs = backoffDelay(attempt, retryBase, retryMax, random)
        log?.info('retrying on another backend', { backend: id, attempt, delayMs })
        job.onRetry?.({ attempt, delayMs, issue: error.issue, backend: id })
        await sleep(delayMs, job.signal)
      } finally {
        release(granted)
      }
    }
  }

  return {
    async start() {
      await Promise.all(backends.map((b) => probe(b)))
    },
    async close() {
      closing.abort(fail('SDF_BACKEND_NONE_AVAILABLE', 'the backend pool was closed'))
      for (const w of [...waiters]) w.refuse(closing.signal.reason)
      for (const b of backends) {
        clearTimeout(b.timer)
        for (const c of b.inFlight) c.abort(closing.signal.reason)
      }
      await Promise.allSettled(backends.map((b) => b.probing))
    },
    list: () => backends.map(statusOf),
    catalog: () => unionCatalog(backends.flatMap((b) => (b.catalog ? [b.catalog] : []))),
    client: (id) => byId.get(id)?.client,
    run,
  }
}

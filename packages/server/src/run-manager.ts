import { randomUUID } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Engine, isDiskFull, type RunResult } from '@sdflow/engine'
import {
  fail,
  hasErrors,
  type Issue,
  issue,
  type RunEvent,
  type RunEventBody,
  type RunSummary,
  SdflowError,
} from '@sdflow/protocol'
import type { FastifyBaseLogger } from 'fastify'
import { IssuesError } from './errors.js'
import type { EventHub } from './event-hub.js'
import type { RunStatus, RunStore } from './run-store.js'

export interface RunManagerOptions<S> {
  engine: Engine<S>
  store: RunStore
  hub: EventHub
  log: FastifyBaseLogger
  /** Runs executing at once, asked each time a run could start (the backends may change). */
  concurrency: () => number
  retention: { maxRuns: number; maxEvents: number }
  /** Throws when no new run can be taken now (a coordinator without Redis). */
  admit?: () => void
  /** First wait before runs stopped by a full disk are tried again (doubling to 30 s). */
  storageRetryMs?: number
  /** Told of every run the engine finished executing (for step-time history). */
  onExecuted?: (doc: unknown, result: RunResult) => void
}

interface Active {
  controller: AbortController
  /** Aborted by a shutdown or a full disk, not by a user: the run stays resumable. */
  interrupted: boolean
  /** Stopped by a full disk: queued again by itself once writing works. */
  stalled: boolean
  done: Promise<void>
}

export interface SubmitOptions {
  /** false: nodes run even when the cache has their result (a gateway call, by default). */
  readCache?: boolean
}

export interface RunManager {
  /** Validate and queue; an invalid workflow throws with every issue and queues nothing. */
  submit(
    doc: unknown,
    inputs: Record<string, unknown>,
    name?: string,
    options?: SubmitOptions,
  ): { runId: string }
  /**
   * Resolves with the run's status once it ended (finished, failed, cancelled), or with its
   * status then when `signal` aborts first (a caller that stopped waiting).
   */
  settled(runId: string, signal?: AbortSignal): Promise<RunStatus>
  cancel(runId: string): RunStatus
  resume(runId: string): void
  /** Runs a crash left queued or running: mark interrupted, then queue them again if asked. */
  recover(resume: boolean): string[]
  readonly accepting: boolean
  /** Stop accepting, wait for running runs up to graceMs, interrupt the rest (resumable). */
  shutdown(graceMs: number): Promise<void>
  readonly queued: readonly string[]
  readonly running: readonly string[]
}

const emptySummary: RunSummary = {
  planned: 0,
  ran: 0,
  cached: 0,
  failed: 0,
  skipped: 0,
  durationMs: 0,
}

export function createRunManager<S>(options: RunManagerOptions<S>): RunManager {
  const { engine, store, hub, log } = options
  const queue: string[] = []
  const active = new Map<string, Active>()
  /** Per-run options of this process's submissions (a resumed run after a restart has none). */
  const submitted = new Map<string, SubmitOptions>()
  let accepting = true
  let draining = false
  /** Runs stopped by a full disk, waiting for space to resume. */
  const waitingForSpace = new Set<string>()
  const firstRetryMs = options.storageRetryMs ?? 1000
  let retryMs = firstRetryMs
  let retryTimer: NodeJS.Timeout | undefined
  /** Folders found full; a run is resumed only once each takes a test write again. */
  const fullFolders = new Set<string>()

  /** Store first, then announce: a stored event is the only kind a client can see. */
  const record = (event: RunEvent) => {
    const cursor = store.append(event)
    hub.publish(event, cursor)
  }

  /**
   * The disk is full under a running run: stop it as interrupted (not failed: nothing is wrong
   * with it) and resume it once writing works again. Events it cannot store are not announced.
   */
  const stall = (runId: string, entry: Active, error: unknown) => {
    if (!entry.stalled) log.error({ err: error, runId }, 'the disk is full: run interrupted')
    const folder = folderOf(error)
    if (folder) fullFolders.add(folder)
    entry.stalled = true
    entry.interrupted = true
    entry.controller.abort()
  }

  const retryWhenSpace = () => {
    if (retryTimer || waitingForSpace.size === 0 || draining) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      if (draining) return
      let written = false
      try {
        for (const folder of fullFolders) {
          if (!hasSpace(folder)) throw fail('SDF_STORAGE_FULL', `${folder} is still full`)
          fullFolders.delete(folder)
        }
        written = store.flushUnsaved()
        for (const runId of [...waitingForSpace]) {
          emit(runId, { type: 'run.queued' })
          waitingForSpace.delete(runId)
          queue.push(runId)
        }
      } catch (error) {
        if (!isDiskFull(error)) log.error({ err: error }, 'resuming runs after a full disk failed')
      }
      if (written && waitingForSpace.size === 0) {
        retryMs = firstRetryMs
        log.info('the disk has space again: interrupted runs resumed')
      } else retryMs = Math.min(retryMs * 2, 30_000)
      pump()
      retryWhenSpace()
    }, retryMs)
    retryTimer.unref()
  }

  /** An event the server itself emits (the engine is not running this run). */
  const emit = (runId: string, body: RunEventBody) => {
    const seq = store.lastSeq(runId) + 1
    record({ ...body, runId, seq, time: new Date().toISOString() } as RunEvent)
  }

  const prune = () => {
    try {
      const dropped = store.prune(options.retention)
      if (dropped > 0) log.info({ dropped }, 'pruned old runs')
    } catch (error) {
      log.error({ err: error }, 'pruning the run store failed')
    }
  }

  const pump = () => {
    while (!draining && active.size < options.concurrency() && queue.length > 0) {
      const runId = queue.shift() as string
      start(runId)
    }
  }

  const start = (runId: string) => {
    const controller = new AbortController()
    const entry: Active = {
      controller,
      interrupted: false,
      stalled: false,
      done: Promise.resolve(),
    }
    active.set(runId, entry)
    entry.done = execute(runId, entry)
      .catch((error: unknown) => {
        if (isDiskFull(error)) return stall(runId, entry, error)
        log.error({ err: error, runId }, 'run crashed')
        if (!entry.interrupted) {
          const problem = issue('SDF_INTERNAL_ERROR', '', `the run failed: ${String(error)}`)
          try {
            emit(runId, { type: 'run.failed', issues: [problem], files: [], summary: emptySummary })
          } catch {
            // the store is gone (shutdown)
          }
        }
      })
      .finally(() => {
        active.delete(runId)
        submitted.delete(runId)
        // a full disk keeps it in memory until it can be written: it never shows running
        if (entry.interrupted) store.markInterrupted(runId)
        if (entry.stalled) {
          waitingForSpace.add(runId)
          retryWhenSpace()
        }
        try {
          // the history must not live only in the -wal file
          store.checkpoint()
        } catch (error) {
          log.warn({ err: error }, 'checkpointing the run store failed')
        }
        prune()
        pump()
      })
  }

  const execute = async (runId: string, entry: Active) => {
    const doc = store.document(runId)
    const run = store.getRun(runId)
    if (!run) return
    const reuse = store.reusable(runId)
    store.resetInFlight(runId)
    const result: RunResult = await engine.run(doc, {
      runId,
      inputs: run.inputs,
      signal: entry.controller.signal,
      readCache: submitted.get(runId)?.readCache ?? true,
      firstSeq: store.lastSeq(runId) + 1,
      reuse,
      commit: (nodeId, nodeResult) => {
        try {
          store.commitNode(runId, nodeId, nodeResult)
        } catch (error) {
          if (isDiskFull(error)) stall(runId, entry, error)
          throw error
        }
      },
      onEvent: (event) => {
        // a shutdown interrupts the run: it is not over, so its cancellation is not announced
        if (entry.interrupted && event.type === 'run.cancelled') return
        // a node stopped by a full disk (its artifact or file could not be written)
        if (event.type === 'node.failed' && event.issue.code === 'SDF_STORAGE_FULL') {
          stall(runId, entry, event.issue)
        }
        try {
          record(event)
        } catch (error) {
          if (!isDiskFull(error)) throw error
          stall(runId, entry, error)
        }
      },
    })
    options.onExecuted?.(doc, result)
    if (result.status === 'invalid') {
      // valid when accepted, not any more (a backend's catalog changed before it ran)
      emit(runId, {
        type: 'run.failed',
        issues: result.issues.filter((i) => i.severity === 'error'),
        files: [],
        summary: emptySummary,
      })
    }
  }

  return {
    submit(doc, inputs, name, submitOptions) {
      if (!accepting) throw fail('SDF_SERVER_SHUTTING_DOWN', 'the server is shutting down')
      options.admit?.()
      const validation = engine.validate(doc, { inputs })
      if (!validation.workflow || hasErrors(validation.issues)) {
        throw invalid(validation.issues)
      }
      const runId = randomUUID()
      const workflow = name ?? validation.workflow.doc.name
      const createdAt = new Date().toISOString()
      const queued = { type: 'run.queued', runId, seq: 1, time: createdAt } as RunEvent
      // one transaction: a full disk leaves no run behind that was never queued
      const cursor = store.transaction(() => {
        store.createRun({ id: runId, workflow, doc, inputs, createdAt })
        return store.append(queued)
      })
      if (submitOptions) submitted.set(runId, submitOptions)
      hub.publish(queued, cursor)
      queue.push(runId)
      pump()
      return { runId }
    },
    settled(runId, signal) {
      const status = () => store.getRun(runId)?.status ?? 'failed'
      return new Promise((resolve) => {
        const done = () => {
          unsubscribe()
          signal?.removeEventListener('abort', done)
          resolve(status())
        }
        const unsubscribe = hub.subscribe((event) => {
          if (event.runId === runId && isRunEnd(event.type)) done()
        })
        signal?.addEventListener('abort', done, { once: true })
        if (signal?.aborted || ended.has(status())) done()
      })
    },
    cancel(runId) {
      const run = store.getRun(runId)
      if (!run) throw fail('SDF_SERVER_NOT_FOUND', `no run ${runId}`, { pointer: '/params/id' })
      const running = active.get(runId)
      if (running) {
        running.controller.abort()
        return 'running'
      }
      const at = queue.indexOf(runId)
      if (at >= 0 || run.status === 'interrupted' || run.status === 'queued') {
        if (at >= 0) queue.splice(at, 1)
        emit(runId, {
          type: 'run.cancelled',
          files: run.files,
          summary: run.summary ?? emptySummary,
        })
        waitingForSpace.delete(runId)
        return 'cancelled'
      }
      throw fail('SDF_SERVER_CONFLICT', `run ${runId} already ended (${run.status})`, {
        pointer: '/params/id',
        details: { status: run.status },
      })
    },
    resume(runId) {
      if (!accepting) throw fail('SDF_SERVER_SHUTTING_DOWN', 'the server is shutting down')
      const run = store.getRun(runId)
      if (!run) throw fail('SDF_SERVER_NOT_FOUND', `no run ${runId}`, { pointer: '/params/id' })
      const waiting = waitingForSpace.has(runId)
      if (active.has(runId) || queue.includes(runId) || waiting || run.status === 'finished') {
        throw fail('SDF_SERVER_CONFLICT', `run ${runId} is ${run.status}; nothing to resume`, {
          pointer: '/params/id',
          details: { status: run.status },
        })
      }
      emit(runId, { type: 'run.queued' })
      queue.push(runId)
      pump()
    },
    recover(resume) {
      const left = store.runsWith(['running', 'queued', 'interrupted'])
      const resumed: string[] = []
      for (const runId of left) {
        if (active.has(runId) || queue.includes(runId)) continue
        store.markInterrupted(runId)
        if (resume) {
          emit(runId, { type: 'run.queued' })
          queue.push(runId)
          resumed.push(runId)
        }
      }
      if (resumed.length > 0) log.info({ runs: resumed }, 'resuming interrupted runs')
      pump()
      return resumed
    },
    get accepting() {
      return accepting
    },
    async shutdown(graceMs) {
      accepting = false
      draining = true
      clearTimeout(retryTimer)
      const all = () => Promise.all([...active.values()].map((a) => a.done))
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<'timeout'>((resolveTimeout) => {
        timer = setTimeout(() => resolveTimeout('timeout'), graceMs)
      })
      const outcome = await Promise.race([all().then(() => 'done' as const), timeout])
      clearTimeout(timer)
      if (outcome === 'timeout') {
        for (const entry of active.values()) {
          entry.interrupted = true
          entry.controller.abort()
        }
        await all()
      }
      // runs still waiting stay queued in the store: the next start resumes them
      queue.length = 0
    },
    get queued() {
      return [...queue]
    },
    get running() {
      return [...active.keys()]
    },
  }
}

const ended = new Set<RunStatus>(['finished', 'failed', 'cancelled'])
const isRunEnd = (type: RunEvent['type']) =>
  type === 'run.finished' || type === 'run.failed' || type === 'run.cancelled'

/** The folder a SDF_STORAGE_FULL error or issue names. */
function folderOf(error: unknown): string | undefined {
  const source = error instanceof SdflowError ? error.issue : (error as Issue | undefined)
  const folder = source?.details?.folder
  return typeof folder === 'string' ? folder : undefined
}

/** Whether a folder takes a test write (1 MiB, removed at once). */
function hasSpace(folder: string): boolean {
  const probe = join(folder, `.sdflow-space-${process.pid}.tmp`)
  try {
    writeFileSync(probe, Buffer.alloc(1024 * 1024))
    return true
  } catch {
    return false
  } finally {
    rmSync(probe, { force: true })
  }
}

function invalid(issues: Issue[]): IssuesError {
  const errors = issues.filter((i) => i.severity === 'error')
  const first = errors[0]
  const message = first
    ? `the workflow is invalid: ${errors.length} problem${errors.length === 1 ? '' : 's'}, first: ${first.pointer} ${first.message}`
    : 'the workflow is invalid'
  return new IssuesError(first?.code ?? 'SDF_DOC_SHAPE', message, issues)
}

export { invalid as invalidWorkflow }

import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { dict, type Issue, issue, own, pointer, Resource, type RunEvent } from '@sdflow/protocol'
import { type ArtifactStore, createArtifactStore } from './artifact-store.js'
import { createFileCache, type NodeCache } from './cache.js'
import type { FileRoots } from './define-node.js'
import { eventStamp } from './event-stamp.js'
import { execute } from './execute.js'
import { createLimiter, type Limiter } from './limiter.js'
import { type Logger, silentLogger } from './logger.js'
import type { Dispatch } from './node-task.js'
import { localDispatch } from './perform-task.js'
import { plan } from './plan.js'
import type { Registry } from './registry.js'
import type { RunOptions, RunResult } from './run-types.js'
import { type ValidateOptions, type ValidationResult, validate } from './validate.js'

export interface EngineOptions<S> {
  registry: Registry<S>
  services: S
  /** Cache and artifacts live here. Default `.sdflow` in the working directory. */
  dataDir?: string
  /** image.load reads under `input`, image.save writes under `output`. */
  roots?: Partial<FileRoots>
  /** Nodes in flight per resource. Default: cpu = cores; backend work is bounded by the pool. */
  limits?: Partial<Record<Resource, number>>
  maxPixels?: number
  cache?: NodeCache
  artifacts?: ArtifactStore
  log?: Logger
  /**
   * Where node work goes, given the in-process dispatch: scale-out wraps it to send some
   * node types to workers. Default: every node in this process.
   */
  dispatch?: (local: Dispatch) => Dispatch
}

export interface Engine<S> {
  readonly registry: Registry<S>
  readonly artifacts: ArtifactStore
  readonly dataDir: string
  readonly roots: FileRoots
  validate(doc: unknown, options?: Omit<ValidateOptions<S>, 'services'>): ValidationResult<S>
  /** Validate, plan and execute. An invalid workflow resolves with status `invalid`; nothing runs. */
  run(doc: unknown, options?: RunOptions<S>): Promise<RunResult>
}

export function createEngine<S>(options: EngineOptions<S>): Engine<S> {
  const { registry, services } = options
  const dataDir = resolve(options.dataDir ?? '.sdflow')
  const roots: FileRoots = {
    input: resolve(options.roots?.input ?? '.'),
    output: resolve(options.roots?.output ?? 'outputs'),
  }
  const artifacts =
    options.artifacts ??
    createArtifactStore({ root: join(dataDir, 'artifacts'), maxPixels: options.maxPixels })
  const log = options.log ?? silentLogger
  const cache =
    options.cache ?? createFileCache(join(dataDir, 'cache', 'nodes.jsonl'), undefined, log)
  const limiters: Record<string, Limiter> = {
    [Resource.Cpu]: createLimiter(options.limits?.cpu ?? availableParallelism()),
  }
  if (options.limits?.backend) limiters[Resource.Backend] = createLimiter(options.limits.backend)
  const local = localDispatch({ registry, services, artifacts, roots, log })
  const dispatch = options.dispatch ? options.dispatch(local) : local

  return {
    registry,
    artifacts,
    dataDir,
    roots,
    validate: (doc, validateOptions) => validate(doc, registry, { ...validateOptions, services }),
    async run(doc, runOptions = {}) {
      const runId = runOptions.runId ?? randomUUID()
      const validation =
        runOptions.validated ?? validate(doc, registry, { inputs: runOptions.inputs, services })
      if (!validation.workflow) {
        return {
          runId,
          status: 'invalid',
          outputs: {},
          files: [],
          nodes: {},
          issues: validation.issues,
          summary: { planned: 0, ran: 0, cached: 0, failed: 0, skipped: 0, durationMs: 0 },
        }
      }
      const workflow = validation.workflow
      const emit = eventStamp(runId, runOptions.onEvent ?? noop, runOptions.firstSeq)
      const { signal, dispose } = runSignal(runOptions.signal)
      const order = plan(workflow)
      emit({ type: 'run.started', workflow: workflow.doc.name, nodes: order.order })
      const left = order.notPlanned.map(({ id, reason }) => {
        const why = issue('SDF_RUN_NOT_PLANNED', pointer('nodes', id), reason, {
          severity: 'warning',
        })
        emit({ type: 'node.skipped', nodeId: id, issue: why })
        return [id, { status: 'skipped', files: [], issue: why }] as const
      })
      const done = await execute({
        runId,
        workflow,
        plan: order,
        cache,
        artifacts,
        limiters,
        dispatch,
        signal,
        emit,
        reuse: runOptions.reuse,
        run: { workflow: workflow.doc, inputs: runOptions.inputs ?? {} },
        commit: runOptions.commit,
        readCache: runOptions.readCache ?? true,
      })
      dispose()
      cache.flush()
      const files: string[] = []
      const failures: Issue[] = []
      for (const [, result] of done.nodes) {
        files.push(...result.files)
        if (result.status === 'failed' && result.issue) failures.push(result.issue)
      }
      const outputs = dict<unknown>()
      for (const [name, out] of Object.entries(workflow.doc.outputs ?? {})) {
        const source = workflow.nodes.get(out.node)
        const produced = source && done.results[source.index]?.outputs
        const value = produced && own(produced, out.output)
        if (value !== undefined) outputs[name] = value
      }
      const issues = [...validation.issues, ...failures]
      if (done.status === 'cancelled') emit({ type: 'run.cancelled', files, summary: done.summary })
      else if (done.status === 'failed') {
        emit({ type: 'run.failed', issues: failures, files, summary: done.summary })
      } else emit({ type: 'run.finished', outputs, files, summary: done.summary })
      return {
        runId,
        status: done.status,
        outputs,
        files,
        nodes: Object.fromEntries([...done.nodes, ...left]),
        issues,
        summary: done.summary,
      }
    },
  }
}

function noop(_event: RunEvent): void {}

/**
 * The signal every node of a run listens to: one listener per node in flight or waiting, so
 * Node's leak warning (more than 10 listeners) does not apply. Aborts when the caller's does.
 */
function runSignal(outer: AbortSignal | undefined) {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  const forward = () => controller.abort(outer?.reason)
  if (outer?.aborted) forward()
  else outer?.addEventListener('abort', forward, { once: true })
  return {
    signal: controller.signal,
    dispose: () => outer?.removeEventListener('abort', forward),
  }
}

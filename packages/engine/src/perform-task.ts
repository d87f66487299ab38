import { fail, pointer } from '@sdflow/protocol'
import type { ArtifactStore } from './artifact-store.js'
import type { FileRoots, NodeContext } from './define-node.js'
import type { Logger } from './logger.js'
import type { Dispatch, NodeTask, TaskOutput, TaskScope } from './node-task.js'
import type { Registry } from './registry.js'

/** What doing a node's work needs: node types, their services and where images live. */
export interface TaskEnv<S> {
  registry: Registry<S>
  services: S
  artifacts: ArtifactStore
  roots: FileRoots
  log: Logger
}

const noRun = { workflow: { format: 'sdflow.workflow/1', name: '', nodes: {} }, inputs: {} }

/**
 * The doing half of a node: run its type's `execute` on a task, reporting through
 * `scope.emit`. The same code runs in the engine's process and in `sdflow worker`.
 */
export async function performTask<S>(
  env: TaskEnv<S>,
  task: NodeTask,
  scope: TaskScope,
): Promise<TaskOutput> {
  const registered = env.registry.get(task.type)
  if (!registered || registered.spec.version !== task.version) {
    throw fail(
      'SDF_NODE_UNSUPPORTED_VERSION',
      `this process has no node type ${task.type} version ${task.version}`,
      { pointer: pointer('nodes', task.nodeId) },
    )
  }
  const files: string[] = []
  let backend: string | undefined
  let meta: Record<string, unknown> | undefined
  const context: NodeContext<Record<string, unknown>, Record<string, unknown>, S> = {
    runId: task.runId,
    nodeId: task.nodeId,
    params: task.params,
    inputs: task.inputs,
    signal: scope.signal,
    artifacts: env.artifacts,
    roots: env.roots,
    services: env.services,
    log: env.log,
    progress: (update) => scope.emit({ type: 'progress', ...update }),
    retrying: (notice) => scope.emit({ type: 'retrying', ...notice }),
    useBackend: (id) => {
      backend = id
      scope.emit({ type: 'backend', id })
    },
    wrote: (path) => void files.push(path),
    annotate: (more) => {
      meta = { ...meta, ...more }
      scope.emit({ type: 'annotate', meta: more })
    },
    run: scope.run ?? (noRun as NodeContext<never, never, S>['run']),
    upstream: scope.upstream ?? (() => []),
  }
  // params were defaulted and checked by ajv, inputs by validate: this is the boundary
  const outputs = await registered.definition.execute(context as NodeContext<never, never, S>)
  const output: TaskOutput = { outputs, files }
  if (backend) output.backend = backend
  if (meta) output.meta = meta
  return output
}

/** Dispatch by a function call: the single-process default. */
export function localDispatch<S>(env: TaskEnv<S>): Dispatch {
  return (task, scope) => performTask(env, task, scope)
}

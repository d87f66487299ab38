export {
  type ArtifactStore,
  type ArtifactStoreOptions,
  createArtifactStore,
  DEFAULT_MAX_PIXELS,
  type FileArtifactStore,
  inspectImage,
  sniffMime,
} from './artifact-store.js'
export { ByteLru } from './byte-lru.js'
export { cacheKey, createFileCache, createMemoryCache, type NodeCache } from './cache.js'
export { canonicalJson } from './canonical-json.js'
export { closest, didYouMean } from './closest.js'
export {
  type AnyNode,
  defineNode,
  type FileRoots,
  type InputShape,
  type InputValues,
  inputDecl,
  multi,
  type NodeContext,
  type NodeDefinition,
  nodeDefiner,
  type OutputShape,
  type OutputValues,
  optional,
  type ProgressUpdate,
  type RetryNotice,
  type SocketValue,
  type UpstreamNode,
} from './define-node.js'
export { createEngine, type Engine, type EngineOptions } from './engine.js'
export { createLimiter, type Limiter } from './limiter.js'
export { type Logger, silentLogger } from './logger.js'
export type { Dispatch, NodeTask, TaskEvent, TaskOutput, TaskScope } from './node-task.js'
export { ajvIssues, compileSchema } from './params.js'
export { resolveUnder } from './paths.js'
export { localDispatch, performTask, type TaskEnv } from './perform-task.js'
export { DEFAULT_PIXEL_BUDGET, pixelBudget, pixelBytes, withPixels } from './pixel-budget.js'
export { type Plan, plan } from './plan.js'
export { createRegistry, type RegisteredNode, type Registry, toSpec } from './registry.js'
export { toIssue } from './run-node.js'
export type {
  NodeResult,
  NodeStatus,
  ReusedNode,
  RunOptions,
  RunResult,
  RunStatus,
} from './run-types.js'
export { sharp } from './sharp.js'
export { isDiskFull, storageError } from './storage-error.js'
export {
  type CheckedNode,
  type CheckedWorkflow,
  type ValidateOptions,
  type ValidationResult,
  validate,
} from './validate.js'

export { buildApp, RUN_STORE_FILE } from './app.js'
export type { SdflowContext } from './context.js'
export { type ErrorBody, toErrorBody } from './errors.js'
export { describeStartError, main } from './main.js'
export {
  type BodyRoute,
  DEFAULT_BODY_LIMIT,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type EventStreamOptions,
  type RetentionOptions,
  type ServerOptions,
} from './options.js'
export type { NodeProgress, NodeRecord, NodeState, RunRecord, RunStatus } from './run-store.js'
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js'
export { type StartedServer, startServer } from './start.js'
export { CloseCodes, type SubscribeRequest } from './ws/subscription.js'

export type { ControlNetUnit } from './controlnet-unit.js'
export { type ErrorCode, ErrorCodes, errorCodes, isErrorCode } from './error-codes.js'
export { type ImageMime, ImageRef } from './image-ref.js'
export {
  escapePointerToken,
  fail,
  hasErrors,
  type Issue,
  IssueSchema,
  issue,
  pointer,
  SdflowError,
  Severity,
} from './issue.js'
export { MAX_JSON_DEPTH, tooDeep } from './json-depth.js'
export { workflowJsonSchema } from './json-schema.js'
export { type InputSpec, type NodeSpec, type OutputSpec, Resource } from './node-spec.js'
export { dict, own } from './own.js'
export { crc32, isPng, readPngText, withPngText } from './png-text.js'
export {
  isTerminal,
  type NodeOutputs,
  type RunEvent,
  type RunEventBody,
  type RunEventType,
  type RunSummary,
  terminalEvents,
} from './run-event.js'
export { type ConnectVerdict, canConnect, Socket, type SocketKind, socketKinds } from './socket.js'
export {
  Link,
  linksOf,
  NodeInstance,
  WORKFLOW_FORMAT,
  WorkflowDocument,
  WorkflowInput,
  WorkflowOutput,
} from './workflow.js'

export {
  type Backend,
  type BackendKind,
  BackendKinds,
  type Capabilities,
  type Operation,
  Operations,
  type ProbeResult,
  type Workers,
} from './backend.js'
export { type BackendStatus, type Health, jobPlaces } from './backend-state.js'
export { backoffDelay } from './backoff.js'
export {
  type Catalog,
  canonicalModule,
  catalogMatch,
  hasCheckpoint,
  hasControlnetModel,
  hasSampler,
  loadCatalog,
  missingNeeds,
  type Needs,
} from './catalog.js'
export {
  type A1111Client,
  type BasicAuth,
  type CallOptions,
  type ClientOptions,
  createClient,
  type GenerateOptions,
  type ImageCallOptions,
  isA1111Client,
} from './client.js'
export {
  type A1111BackendConfig,
  A1111BackendSchema,
  type BackendConfig,
  BackendConfigSchema,
  backendsFromUrls,
  type ConfigFile,
  ConfigFileSchema,
  DEFAULT_API_KEY_ENV,
  loadConfig,
  type PoolSettings,
  PoolSettingsSchema,
  parseConfig,
  type RunpodBackendConfig,
  RunpodBackendSchema,
} from './config.js'
export { isRetryable, marksBackendDown } from './errors.js'
export type { GenerationResult } from './generation.js'
export {
  type ControlNetUnitInput,
  type ControlnetDetectInput,
  type ExtraSingleImageInput,
  type Img2ImgInput,
  type Txt2ImgInput,
  taskId,
  withCheckpoint,
} from './inputs.js'
export { openBackend } from './open-backend.js'
export {
  type BackendPool,
  createPool,
  DEFAULT_QUEUE_TIMEOUT_MS,
  type Job,
  type PoolCatalog,
  type PoolOptions,
  unionCatalog,
  type Work,
} from './pool.js'
export { expectedSteps } from './progress.js'
export {
  type RequestKind,
  type RequestLimits,
  type RequestProblem,
  requestProblems,
} from './request-check.js'
export * from './schemas/index.js'
export { defaultTimeouts, type Timeouts } from './timeouts.js'

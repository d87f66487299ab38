export { buildEmulator } from './emulator.js'
export { type StartRunpodOptions, startRunpodEmulator } from './runpod/server.js'
export {
  type RunningRunpodEmulator,
  type RunpodEmulatorOptions,
  type RunpodFault,
  type RunpodFaultKind,
  RunpodFaultKinds,
  type RunpodStats,
  type RunpodWorker,
  RunpodWorkers,
} from './runpod/types.js'
export { type StartOptions, startEmulator } from './start-emulator.js'
export type {
  EmulatorOptions,
  EmulatorStats,
  FaultKind,
  FaultSpec,
  LockSpan,
  RunningEmulator,
} from './types.js'
export { FaultKinds } from './types.js'

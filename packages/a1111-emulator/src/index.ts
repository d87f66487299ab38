export { buildEmulator } from './emulator.js'
export { type StartOptions, startEmulator } from './start-emulator.js'
export type {
  EmulatorOptions,
  EmulatorStats,
  FaultKind,
  FaultSpec,
  RunningEmulator,
} from './types.js'
export { FaultKinds } from './types.js'

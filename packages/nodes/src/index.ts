import { createRegistry, type Registry } from '@sdflow/engine'
import { localNodes } from './local-nodes.js'
import type { NodeServices } from './sd/services.js'
import { sdNodes } from './sd-nodes.js'

export const allNodes = [...localNodes, ...sdNodes]

export function createNodeRegistry(): Registry<NodeServices> {
  return createRegistry<NodeServices>(allNodes)
}

export {
  type CostedNode,
  costLine,
  imagePricesOf,
  money,
  pricesOf,
  type RunCost,
  runCost,
} from './cost.js'
export {
  estimateLines,
  estimateRun,
  type KindEstimate,
  learnStepTimes,
  type PricedBackend,
  type RunEstimate,
  readStepHistory,
  rememberStepTimes,
  type StepHistory,
  writeStepHistory,
} from './estimate.js'
export { PROVENANCE_FORMAT, type Provenance, parseProvenance } from './image/provenance.js'
export { type ScanResult, verifyQr } from './image/verify-qr.js'
export { REMOTE_CPU_NODE_TYPES, remoteNodeType } from './remote-nodes.js'
export { SCAN_NODE_TYPES, type ScanCheck, scanChecks, scanLine } from './scan-check.js'
export { localNodes, type NodeServices, sdNodes }

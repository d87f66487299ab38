import { createRegistry, type Registry } from '@sdflow/engine'
import { localNodes } from './local-nodes.js'
import type { NodeServices } from './sd/services.js'
import { sdNodes } from './sd-nodes.js'

export const allNodes = [...localNodes, ...sdNodes]

export function createNodeRegistry(): Registry<NodeServices> {
  return createRegistry<NodeServices>(allNodes)
}

export { localNodes, type NodeServices, sdNodes }

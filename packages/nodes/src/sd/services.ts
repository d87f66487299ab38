import type { BackendPool } from '@sdflow/a1111'
import { nodeDefiner } from '@sdflow/engine'

/** What nodes receive besides their inputs: backend nodes reach A1111 through the pool. */
export interface NodeServices {
  backends?: BackendPool
  /** The artifact store's pixel limit, which bounds each request; default DEFAULT_MAX_PIXELS. */
  maxPixels?: number
}

export const defineBackendNode = nodeDefiner<NodeServices>()

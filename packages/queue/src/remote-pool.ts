import { type BackendPool, type BackendStatus, unionCatalog } from '@sdflow/a1111'
import { fail } from '@sdflow/protocol'
import type { WorkerInfo } from './worker-info.js'

/**
 * The pool as the coordinator's validation sees it: the backends of every live worker, so
 * names are checked against the union of their catalogs. It runs nothing: backend nodes are
 * jobs, and the worker's own pool picks its backend.
 */
export function remotePool(workers: () => readonly WorkerInfo[]): BackendPool {
  const list = (): BackendStatus[] => workers().flatMap((w) => w.backends)
  return {
    start: async () => {},
    close: async () => {},
    list,
    catalog: () => unionCatalog(list().flatMap((b) => (b.catalog ? [b.catalog] : []))),
    client: () => undefined,
    run: () =>
      Promise.reject(
        fail('SDF_INTERNAL_ERROR', 'the coordinator runs no backend work: it goes to workers'),
      ),
  }
}

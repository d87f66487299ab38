import type { BackendPool, BackendStatus, PoolCatalog } from '@sdflow/a1111'
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
    catalog(): PoolCatalog {
      const catalogs = list().flatMap((b) => (b.catalog ? [b.catalog] : []))
      const union = (pick: (c: (typeof catalogs)[number]) => string[]) =>
        [...new Set(catalogs.flatMap(pick))].sort()
      return {
        checkpoints: union((c) => c.checkpoints),
        samplers: union((c) => c.samplers),
        schedulers: union((c) => c.schedulers),
        upscalers: union((c) => c.upscalers),
        latentUpscaleModes: union((c) => c.latentUpscaleModes),
        controlnetModels: union((c) => c.controlnetModels),
        controlnetModules: union((c) => c.controlnetModules),
        // a worker's catalog arrives as JSON: one from an older worker may lack the labels
        controlnetModuleLabels: Object.assign(
          Object.create(null) as Record<string, string>,
          ...catalogs.map((c) => c.controlnetModuleLabels ?? {}),
        ),
      }
    },
    client: () => undefined,
    run: () =>
      Promise.reject(
        fail('SDF_INTERNAL_ERROR', 'the coordinator runs no backend work: it goes to workers'),
      ),
  }
}

import { type A1111Client, type BackendPool, isA1111Client, type PoolCatalog } from '@sdflow/a1111'

/** Clients of the backends that are up now, in config order. */
export function healthyClients(pool: BackendPool | undefined): A1111Client[] {
  if (!pool) return []
  return pool.list().flatMap((b) => {
    const client = b.health === 'up' ? pool.client(b.id) : undefined
    // RunPod endpoints have no A1111 list routes of their own
    return client && isA1111Client(client) ? [client] : []
  })
}

/** Whether the pool's backends are up but none can be asked here (they live on workers). */
export function onWorkersOnly(pool: BackendPool | undefined): boolean {
  if (!pool || healthyClients(pool).length > 0) return false
  return pool.list().some((b) => b.health === 'up')
}

/**
 * One catalog route answered for the whole pool: every healthy backend's list, merged by `key`
 * (first backend wins for an item several have). A backend that fails to answer is left out.
 * When no backend can be asked here (coordinator mode), the items are rebuilt from the names
 * in the pool's catalog (`names`).
 */
export async function unionOf<T>(
  pool: BackendPool | undefined,
  load: (client: A1111Client) => Promise<T[]>,
  key: (item: T) => string,
  names?: (catalog: PoolCatalog) => T[],
): Promise<T[]> {
  if (names && pool && onWorkersOnly(pool)) return names(pool.catalog())
  const lists = await Promise.all(
    healthyClients(pool).map((client) => load(client).catch(() => [] as T[])),
  )
  const seen = new Map<string, T>()
  for (const list of lists) {
    for (const item of list) if (!seen.has(key(item))) seen.set(key(item), item)
  }
  return [...seen.values()]
}

/** The first healthy backend that answers, for routes that describe one server (options). */
export async function firstAnswer<T>(
  pool: BackendPool | undefined,
  load: (client: A1111Client) => Promise<T>,
): Promise<T | undefined> {
  for (const client of healthyClients(pool)) {
    try {
      return await load(client)
    } catch {
      // try the next backend
    }
  }
  return undefined
}

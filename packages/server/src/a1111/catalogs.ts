import type { A1111Client, BackendPool } from '@sdflow/a1111'

/** Clients of the backends that are up now, in config order. */
export function healthyClients(pool: BackendPool | undefined): A1111Client[] {
  if (!pool) return []
  return pool.list().flatMap((b) => {
    const client = b.health === 'up' ? pool.client(b.id) : undefined
    return client ? [client] : []
  })
}

/**
 * One catalog route answered for the whole pool: every healthy backend's list, merged by `key`
 * (first backend wins for an item several have). A backend that fails to answer is left out.
 */
export async function unionOf<T>(
  pool: BackendPool | undefined,
  load: (client: A1111Client) => Promise<T[]>,
  key: (item: T) => string,
): Promise<T[]> {
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

import { Redis } from 'ioredis'

/**
 * A Redis connection as BullMQ wants it (no per-command retry limit: commands wait while
 * Redis is away and run when it is back). `redis://:password@host:port/db`.
 */
export function openRedis(url: string, name: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    // reconnect quickly: a restarted Redis is back within a second or two
    retryStrategy: (times) => Math.min(100 * times, 1000),
  })
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'redis://(unparsable URL)'
  }
}

import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type ArtifactStore,
  ByteLru,
  DEFAULT_MAX_PIXELS,
  inspectImage,
  type Logger,
  sharp,
  silentLogger,
} from '@sdflow/engine'
import { fail, type ImageRef } from '@sdflow/protocol'

export interface HttpArtifactOptions {
  /** The coordinator, e.g. `http://10.0.0.1:7870`. */
  serverUrl: string
  token?: string
  maxPixels?: number
  /** How long a fetch or upload keeps retrying while the coordinator is away (60 s). */
  retryForMs?: number
  /** Bytes of images kept in memory (256 MiB). */
  memoryBytes?: number
  log?: Logger
}

/**
 * The artifact store of a worker: images live on the coordinator, fetched with
 * `GET /api/artifacts/:hash` and uploaded with `PUT` (idempotent, so a retried upload is
 * harmless). While the coordinator is unreachable, calls retry with backoff up to `retryForMs`,
 * keeping the bytes in memory, then fail with SDF_QUEUE_UNREACHABLE_SERVER.
 */
export function createHttpArtifactStore(options: HttpArtifactOptions): ArtifactStore {
  const base = options.serverUrl.replace(/\/+$/, '')
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS
  const retryForMs = options.retryForMs ?? 60_000
  const log = options.log ?? silentLogger
  const recent = new ByteLru(options.memoryBytes ?? 256 * 1024 * 1024)
  const headers: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : {}

  /** One call, retried while the coordinator cannot be reached or answers 5xx. */
  const call = async (what: string, send: () => Promise<Response>): Promise<Response> => {
    const until = Date.now() + retryForMs
    for (let attempt = 1; ; attempt++) {
      let problem: string
      try {
        const res = await send()
        if (res.status < 500) return res
        problem = `HTTP ${res.status}`
        await res.body?.cancel()
      } catch (error) {
        problem = String((error as Error).cause ?? error)
      }
      if (Date.now() >= until) {
        throw fail(
          'SDF_QUEUE_UNREACHABLE_SERVER',
          `${what}: the coordinator ${base} did not answer within ${retryForMs} ms (${problem})`,
        )
      }
      const delay = Math.min(200 * 2 ** Math.min(attempt, 5), 5000, Math.max(until - Date.now(), 1))
      log.warn('coordinator unreachable; retrying', { what, attempt, delayMs: delay, problem })
      await sleep(delay)
    }
  }

  const read = async (ref: ImageRef | string): Promise<Buffer> => {
    const hash = typeof ref === 'string' ? ref : ref.hash
    const known = recent.get(hash)
    if (known) return known
    const res = await call(`fetching artifact ${hash}`, () =>
      fetch(`${base}/api/artifacts/${hash}`, { headers }),
    )
    if (!res.ok) {
      throw fail('SDF_PATH_NOT_FOUND', `the coordinator has no artifact ${hash} (${res.status})`)
    }
    const bytes = Buffer.from(await res.arrayBuffer())
    if (createHash('sha256').update(bytes).digest('hex') !== hash) {
      throw fail('SDF_ARTIFACT_HASH_MISMATCH', `artifact ${hash} arrived damaged`)
    }
    recent.set(hash, bytes)
    return bytes
  }

  return {
    maxPixels,
    async put(bytes) {
      const ref = await inspectImage(bytes, maxPixels)
      recent.set(ref.hash, bytes)
      const res = await call(`uploading artifact ${ref.hash}`, () =>
        fetch(`${base}/api/artifacts/${ref.hash}`, {
          method: 'PUT',
          headers: { ...headers, 'content-type': 'application/octet-stream' },
          body: bytes,
        }),
      )
      if (!res.ok) {
        const body = await res.text()
        throw fail(
          'SDF_QUEUE_UNREACHABLE_SERVER',
          `the coordinator refused artifact ${ref.hash}: ${res.status} ${body.slice(0, 200)}`,
        )
      }
      return ref
    },
    read,
    async decode(ref) {
      return sharp(await read(ref), { limitInputPixels: maxPixels })
    },
    has: (hash) => recent.get(hash) !== undefined,
  }
}

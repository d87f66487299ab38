import { createHash } from 'node:crypto'
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { dirname } from 'node:path'
import type { NodeOutputs } from '@sdflow/protocol'
import { canonicalJson } from './canonical-json.js'

export interface CacheEntry {
  outputs: NodeOutputs
  files: string[]
  meta?: Record<string, unknown>
  /** The backend that produced the result, for provenance. */
  backend?: string
}

export interface NodeCache {
  get(key: string): CacheEntry | undefined
  set(key: string, entry: CacheEntry): void
  /** Write what was set since the last flush to disk. */
  flush(): void
}

/**
 * A node's cache key: its type, version, params and the values it receives. Upstream images
 * are content hashes, so a key changes exactly when something that feeds the node changes.
 */
export function cacheKey(
  type: string,
  version: number,
  params: unknown,
  inputs: Record<string, unknown>,
): string {
  return createHash('sha256').update(canonicalJson({ type, version, params, inputs })).digest('hex')
}

/**
 * An in-memory cache backed by an append-only JSON-lines file, so a new process still hits.
 * On load the file keeps only the newest `maxEntries` results (a run with seed -1 adds new keys
 * downstream every time) and is rewritten when it holds much more than that.
 */
export function createFileCache(file: string, maxEntries = 50_000): NodeCache {
  const entries = new Map<string, CacheEntry>()
  let lines = 0
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue
      lines++
      try {
        const { key, ...entry } = JSON.parse(line) as CacheEntry & { key: string }
        entries.delete(key) // the newest write of a key counts as the newest entry
        entries.set(key, entry)
      } catch {
        // a line torn by a crash is a miss, not an error
      }
    }
    for (const key of entries.keys()) {
      if (entries.size <= maxEntries) break
      entries.delete(key)
    }
    if (lines > entries.size * 1.5 + 100) rewrite(file, entries)
  }
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    mkdirSync(dirname(file), { recursive: true })
    appendFileSync(file, `${pending.join('\n')}\n`)
    pending = []
  }
  return {
    get: (key) => entries.get(key),
    set(key, entry) {
      entries.set(key, entry)
      pending.push(JSON.stringify({ key, ...entry }))
      // entries set in the same turn of the event loop share one write
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}

export function createMemoryCache(): NodeCache {
  const entries = new Map<string, CacheEntry>()
  return {
    get: (key) => entries.get(key),
    set: (key, entry) => void entries.set(key, entry),
    flush: () => {},
  }
}

/** Replace the file with one line per entry, atomically (temp file, then rename). */
function rewrite(file: string, entries: Map<string, CacheEntry>): void {
  const temp = `${file}.${process.pid}.tmp`
  const text = [...entries].map(([key, entry]) => JSON.stringify({ key, ...entry })).join('\n')
  writeFileSync(temp, entries.size > 0 ? `${text}\n` : '')
  renameSync(temp, file)
}

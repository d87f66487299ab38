import { hash } from 'node:crypto'
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { type NodeOutputs, SdflowError } from '@sdflow/protocol'
import { canonicalJson } from './canonical-json.js'
import { type Logger, silentLogger } from './logger.js'
import { storageError } from './storage-error.js'

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
  // the text canonicalJson({ type, version, params, inputs }) gives, without sorting its four
  // keys for every node; one-shot hash() skips creating a Hash object per node
  const text =
    params === undefined
      ? canonicalJson({ type, version, params, inputs })
      : `{"inputs":${canonicalJson(inputs)},"params":${canonicalJson(params)},"type":${JSON.stringify(type)},"version":${JSON.stringify(version)}}`
  return hash('sha256', text)
}

/**
 * An in-memory cache backed by an append-only JSON-lines file, so a new process still hits.
 * On load the file keeps only the newest `maxEntries` results (a run with seed -1 adds new keys
 * downstream every time) and is rewritten when it holds much more than that. The file is best
 * effort: a line of the wrong shape is a miss, and a write that fails (a full disk, EIO) is
 * logged and dropped, never thrown. Only a path that cannot be a cache file at all (a
 * directory, no permission) is an error, at creation, naming the path.
 */
export function createFileCache(
  file: string,
  maxEntries = 50_000,
  log: Logger = silentLogger,
): NodeCache {
  const entries = new Map<string, CacheEntry>()
  // the file does not end in a newline (a write torn by a crash or a full disk): the next
  // append starts a new line, so the torn one cannot swallow it
  let torn = false
  const text = readCache(file, log)
  if (text) {
    torn = !text.endsWith('\n')
    let lines = 0
    for (const line of text.split('\n')) {
      if (!line) continue
      lines++
      const read = parseLine(line)
      if (!read) continue // torn or of the wrong shape: a miss, not an error
      entries.delete(read.key) // the newest write of a key counts as the newest entry
      entries.set(read.key, read.entry)
    }
    for (const key of entries.keys()) {
      if (entries.size <= maxEntries) break
      entries.delete(key)
    }
    if (lines > entries.size * 1.5 + 100) {
      try {
        rewrite(file, entries)
        torn = false
      } catch (error) {
        log.warn('the node cache file could not be compacted', { file, error: String(error) })
      }
    }
  }
  let pending: string[] = []
  let scheduled = false
  let failing = false
  // made once, and again after a failed write (the folder may have gone)
  let folderMade = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = `${torn ? '\n' : ''}${pending.join('\n')}\n`
    pending = []
    try {
      if (!folderMade) mkdirSync(dirname(file), { recursive: true })
      folderMade = true
      appendFileSync(file, text)
      torn = false
      failing = false
    } catch (error) {
      // part of the text may be on disk
      torn = true
      folderMade = false
      if (!failing) {
        log.warn('the node cache could not be written; results are not cached until it can', {
          file,
          error: String(error),
        })
      }
      failing = true
    }
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

/** The cache file's text; '' when there is none or it cannot be read (logged). */
function readCache(file: string, log: Logger): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    const problem = storageError(error, dirname(file), file)
    if (problem instanceof SdflowError && problem.code === 'SDF_STORAGE_UNUSABLE') throw problem
    log.warn('the node cache file could not be read; starting with an empty cache', {
      file,
      error: String(error),
    })
    return ''
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** One line of the file, if it is a whole entry of the right shape. */
function parseLine(line: string): { key: string; entry: CacheEntry } | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!isRecord(value)) return undefined
  const { key, outputs, files, meta, backend } = value
  if (typeof key !== 'string' || !key || !isRecord(outputs)) return undefined
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) return undefined
  if (meta !== undefined && !isRecord(meta)) return undefined
  if (backend !== undefined && typeof backend !== 'string') return undefined
  const entry: CacheEntry = { outputs: outputs as NodeOutputs, files }
  if (meta) entry.meta = meta
  if (backend !== undefined) entry.backend = backend
  return { key, entry }
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

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFileCache } from './cache.js'
import { silentLogger } from './logger.js'

const entry = (n: number) => ({ outputs: { value: n }, files: [] })

describe('file cache', () => {
  it('keeps results across processes', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sdflow-cache-')), 'nodes.jsonl')
    const first = createFileCache(file)
    first.set('a', entry(1))
    first.flush()
    expect(createFileCache(file).get('a')).toEqual(entry(1))
  })

  it('keeps only the newest entries and compacts the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sdflow-cache-')), 'nodes.jsonl')
    const writer = createFileCache(file)
    for (let i = 0; i < 300; i++) writer.set(`k${i}`, entry(i))
    writer.set('k0', entry(1000)) // a newer write of an old key
    writer.flush()
    const reader = createFileCache(file, 100)
    expect(reader.get('k0')).toEqual(entry(1000))
    expect(reader.get('k299')).toEqual(entry(299))
    expect(reader.get('k1')).toBeUndefined()
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(100)
  })
})

describe('file cache on a bad day', () => {
  const fresh = () => join(mkdtempSync(join(tmpdir(), 'sdflow-cache-')), 'nodes.jsonl')

  it('reads an entry of the wrong shape as a miss and keeps the good ones', () => {
    const file = fresh()
    const lines = [
      { key: 'files-not-a-list', outputs: { value: 1 }, files: 'x' },
      { key: 'no-outputs', files: [] },
      { key: 'outputs-a-list', outputs: [1], files: [] },
      { key: 'meta-a-number', outputs: {}, files: [], meta: 3 },
      { key: 'backend-an-object', outputs: {}, files: [], backend: {} },
      { key: 7, outputs: {}, files: [] },
      ['not', 'an', 'object'],
      null,
      { key: 'good', outputs: { value: 2 }, files: ['/a.png'], backend: 'gpu' },
    ]
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`)
    const cache = createFileCache(file)
    for (const key of ['files-not-a-list', 'no-outputs', 'outputs-a-list', 'meta-a-number']) {
      expect(cache.get(key)).toBeUndefined()
    }
    expect(cache.get('backend-an-object')).toBeUndefined()
    expect(cache.get('good')).toEqual({ outputs: { value: 2 }, files: ['/a.png'], backend: 'gpu' })
  })

  it('does not let a torn last line swallow the next entry appended after it', () => {
    const file = fresh()
    writeFileSync(file, `${JSON.stringify({ key: 'a', ...entry(1) })}\n{"key":"torn","outp`)
    const writer = createFileCache(file)
    writer.set('b', entry(2))
    writer.flush()
    const reader = createFileCache(file)
    expect(reader.get('a')).toEqual(entry(1))
    expect(reader.get('b')).toEqual(entry(2))
    expect(reader.get('torn')).toBeUndefined()
  })

  it('names the path when the cache file is a directory', () => {
    const file = fresh()
    mkdirSync(file)
    expect(() => createFileCache(file)).toThrow(
      expect.objectContaining({
        code: 'SDF_STORAGE_UNUSABLE',
        message: expect.stringContaining(`${file} is a directory`),
      }),
    )
  })

  it('logs and drops a write that fails instead of throwing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdflow-cache-'))
    const warnings: string[] = []
    const log = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) }
    const cache = createFileCache(join(dir, 'cache', 'nodes.jsonl'), 100, log)
    // the cache folder becomes a file: every write fails from now on (a full disk is in
    // test/reliability/storage.test.ts)
    writeFileSync(join(dir, 'cache'), '')
    cache.set('a', entry(1))
    expect(() => cache.flush()).not.toThrow()
    cache.set('b', entry(2))
    cache.flush()
    expect(cache.get('a')).toEqual(entry(1)) // still served in memory
    expect(warnings).toHaveLength(1) // once, not per write
    expect(warnings[0]).toContain('node cache could not be written')
  })
})

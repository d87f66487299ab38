import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFileCache } from './cache.js'

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

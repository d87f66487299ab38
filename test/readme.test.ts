import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '@sdflow/a1111'
import { describe, expect, it } from 'vitest'
import { root } from './cli.test-support.js'

const readme = readFileSync(join(root, 'README.md'), 'utf8')

describe('README', () => {
  it('shows the install-and-run command and npm test first', () => {
    const first = /```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n')
    expect(first).toEqual(['npm ci && npm start', 'npm test'])
  })

  it('names only workflows that exist', () => {
    const named = [...readme.matchAll(/workflows\/([a-z0-9-]+\.json)/g)].map((m) => m[1])
    expect(named.length).toBeGreaterThan(3)
    for (const file of named)
      expect(existsSync(join(root, 'workflows', file ?? '')), file).toBe(true)
  })

  it('gives a sdflow.config.json example that sdflow accepts', () => {
    const example = /```json\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    expect(parseConfig(JSON.parse(example)).backends.map((b) => b.id)).toEqual(['gpu1', 'gpu2'])
  })

  it('gives a hosted-backends example that sdflow accepts', () => {
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
    const hosted = blocks.find((b) => b.includes('"runpod"')) ?? ''
    const parsed = parseConfig(JSON.parse(hosted), 'README', { RUNPOD_API_KEY: 'k' })
    expect(parsed.backends.map((b) => [b.id, b.type])).toEqual([
      ['rp', 'runpod'],
      ['box', 'a1111'],
    ])
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { canConnect, ErrorCodes, errorCodes, socketKinds, workflowJsonSchema } from './index.js'

const docs = (name: string) =>
  readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8')

describe('canConnect', () => {
  it('connects every kind to itself', () => {
    for (const kind of socketKinds) expect(canConnect(kind, kind)).toEqual({ ok: true })
  })

  it('widens a mask to an image and an integer to a number, never the other way', () => {
    expect(canConnect('mask', 'image').ok).toBe(true)
    expect(canConnect('integer', 'number').ok).toBe(true)
    expect(canConnect('image', 'mask').ok).toBe(false)
    expect(canConnect('number', 'integer').ok).toBe(false)
  })

  it('says why a connection is refused, naming both kinds', () => {
    expect(canConnect('string', 'image')).toEqual({
      ok: false,
      reason: 'an output of kind string cannot feed an input of kind image',
    })
  })
})

describe('error codes', () => {
  it('are SDF_<AREA>_<PROBLEM> names with an HTTP status', () => {
    for (const code of errorCodes) {
      expect(code).toMatch(/^SDF_[A-Z0-9]+_[A-Z0-9_]+$/)
      expect(ErrorCodes[code].status).toBeGreaterThanOrEqual(400)
    }
  })

  it('are each explained in docs/errors.md, which names no other code', () => {
    const text = docs('errors.md')
    const documented = [...text.matchAll(/^## (SDF_[A-Z0-9_]+)$/gm)].map((m) => m[1])
    expect([...documented].sort()).toEqual([...errorCodes].sort())
    for (const section of text.split(/^## /m).slice(1)) {
      expect(section, section.split('\n')[0]).toMatch(/\*\*Fix:\*\*/)
    }
  })
})

describe('published JSON Schema', () => {
  it('matches the TypeBox source (run `npm run schema` after changing it)', () => {
    expect(docs('workflow.schema.json')).toBe(workflowJsonSchema())
  })
})

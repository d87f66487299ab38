import { createNodeRegistry } from '@sdflow/nodes'
import { describe, expect, it } from 'vitest'
import { nextSeed, seedMax, seedModeOf, usedSeed } from './seed-mode.js'

const specs = new Map(
  createNodeRegistry()
    .specs()
    .map((s) => [s.type, s]),
)

describe('seed modes', () => {
  it('belong to every node type with a seed param', () => {
    const seeded = [...specs.values()].filter((s) => seedMax(s) !== undefined).map((s) => s.type)
    expect(seeded).toEqual(expect.arrayContaining(['sd.txt2img', 'sd.img2img', 'sd.inpaint']))
    expect(seeded).not.toContain('image.save')
    expect(seedMax(specs.get('sd.txt2img'))).toBe(4294967294)
  })

  it('read the mode from the node ui, fixed when absent or unknown', () => {
    expect(seedModeOf({})).toBe('fixed')
    expect(seedModeOf({ seedMode: 'increment' })).toBe('increment')
    expect(seedModeOf({ seedMode: 'sideways' })).toBe('fixed')
  })

  it('fixed keeps, increment adds one (wrapping), randomize draws within bounds', () => {
    expect(nextSeed('fixed', 5, 10)).toBeUndefined()
    expect(nextSeed('increment', 5, 10)).toBe(6)
    expect(nextSeed('increment', 10, 10)).toBe(0)
    expect(nextSeed('increment', -1, 10)).toBeUndefined()
    expect(nextSeed('randomize', 5, 10, () => 0.999999)).toBe(10)
    expect(nextSeed('randomize', -1, 10, () => 0)).toBe(0)
  })

  it('the used seed comes from the run: meta seeds, else the seeds output', () => {
    expect(usedSeed({ status: 'done', images: [], meta: { seeds: [42, 43] } })).toBe(42)
    expect(usedSeed({ status: 'done', images: [], values: { seeds: 7 } })).toBe(7)
    expect(usedSeed({ status: 'idle', images: [] })).toBeUndefined()
  })
})

import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { readPngText, withPngText } from './png-text.js'

const png = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#369' } })
    .png()
    .toBuffer()

describe('PNG text chunks', () => {
  it('round-trips Latin-1 and Unicode text, and the image still decodes', async () => {
    const texts = { parameters: 'a fox\nSteps: 20, Seed: 1', sdflow: '{"prompt":"港の夕暮れ"}' }
    const out = withPngText(await png(), texts)
    expect(readPngText(out)).toEqual(texts)
    expect((await sharp(out).metadata()).width).toBe(8)
  })

  it('replaces rather than duplicates a keyword written twice', async () => {
    const once = withPngText(await png(), { parameters: 'one' })
    const twice = withPngText(once, { parameters: 'two' })
    expect(readPngText(twice)).toEqual({ parameters: 'two' })
  })

  it('reads nothing from what is not a PNG, and leaves it alone', () => {
    const junk = new Uint8Array([1, 2, 3])
    expect(readPngText(junk)).toEqual({})
    expect(withPngText(junk, { a: 'b' })).toBe(junk)
  })
})

import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { gaussBlur, gaussMask, greyOf, halve, rgbaOf } from './qr-views.js'

const pattern = (width: number, height: number) => {
  const data = new Uint8Array(width * height)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 5) * 31) % 256
  return { data, width, height }
}

describe('QR views', () => {
  it("takes ZXing's luminance from RGBA", () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 90, 90, 90, 0])
    expect([...greyOf(rgba, 4, 1).data]).toEqual([76, 150, 29, 90])
  })

  it('halves by the rounded mean of 2x2 blocks, dropping an odd last row and column', () => {
    const g = { data: Uint8Array.from([0, 1, 9, 2, 3, 9, 9, 9, 9]), width: 3, height: 3 }
    expect(halve(g)).toEqual({ data: Uint8Array.from([2]), width: 1, height: 1 })
  })

  it("uses libvips' integer masks and refuses a sigma whose mask is wider than 5", () => {
    expect(gaussMask(1.2)).toEqual([20, 14, 5])
    expect(gaussMask(1)).toEqual([20, 12, 0])
    expect(gaussMask(0.8)).toEqual([20, 9, 0])
    expect(() => gaussMask(2)).toThrow(RangeError)
  })

  it("blurs as sharp's blur does, within one level", async () => {
    for (const sigma of [1.2, 1, 0.8]) {
      const g = pattern(97, 64)
      const ours = gaussBlur(g, sigma)
      const theirs = await sharp(g.data, { raw: { width: g.width, height: g.height, channels: 1 } })
        .blur(sigma)
        .toColourspace('b-w')
        .raw()
        .toBuffer()
      const off = ours.data.reduce(
        (most, v, i) => Math.max(most, Math.abs(v - (theirs[i] ?? 0))),
        0,
      )
      expect(off).toBeLessThanOrEqual(1)
    }
  })

  it('writes a grey image as opaque RGBA at the start of a larger buffer', () => {
    const into = new Uint8ClampedArray(16).fill(7)
    const out = rgbaOf({ data: Uint8Array.from([10, 200]), width: 2, height: 1 }, into)
    expect([...out]).toEqual([10, 10, 10, 255, 200, 200, 200, 255])
    expect(into[8]).toBe(7)
  })
})

import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { crc32, readPngText, withPngText } from './png-text.js'

describe('png text chunks', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
  })

  it('writes tEXt for Latin-1 and iTXt otherwise, before IDAT, readable by sharp', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
      .png()
      .toBuffer()
    const out = withPngText(png, { parameters: 'a fox\nSteps: 20', other: 'füchs 狐' })
    expect(readPngText(out)).toEqual({ parameters: 'a fox\nSteps: 20', other: 'füchs 狐' })
    expect(out.indexOf('tEXtparameters')).toBeLessThan(out.indexOf('IDAT'))
    expect(out.indexOf('iTXtother')).toBeGreaterThan(0)
    const meta = await sharp(out).metadata()
    expect(meta.width).toBe(4)
  })
})

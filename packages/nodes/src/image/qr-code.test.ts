import jsQRModule from 'jsqr'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { harness, refs, runOk, workflow } from './local.test-support.js'

async function decodeQr(png: Buffer): Promise<string | undefined> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  const rgba = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length)
  return jsQRModule.default(rgba, info.width, info.height)?.data
}

describe('image.qr-code', () => {
  const cases = [
    { text: 'https://example.com/sdflow', error_correction: 'H', size: 512 },
    { text: 'hello', error_correction: 'L', size: 100, margin: 2 },
    { text: 'QR 333 px, not a multiple', error_correction: 'M', size: 333 },
    { text: 'x'.repeat(200), error_correction: 'Q', size: 1000, dark: '#123', light: '#fed' },
    {
      text: 'dark blue on yellow',
      error_correction: 'H',
      size: 256,
      dark: '#102080',
      light: '#ffee00',
    },
  ] as const

  it.each(cases)(
    'encodes "$text" at level $error_correction, $size px, so jsqr reads it back',
    async (params) => {
      const { engine } = harness()
      const result = await runOk(engine, workflow({ qr: { type: 'image.qr-code', params } }))
      const [ref] = refs(result, 'qr')
      expect(ref).toMatchObject({ width: params.size, height: params.size, mime: 'image/png' })
      expect(await decodeQr(await engine.artifacts.read(ref!))).toBe(params.text)
    },
  )

  it('draws crisp modules in exactly the dark and light colours', async () => {
    const { engine } = harness()
    const params = { text: 'crisp', size: 210, dark: '#ff0000', light: '#00ff00' }
    const result = await runOk(engine, workflow({ qr: { type: 'image.qr-code', params } }))
    const [ref] = refs(result, 'qr')
    const { data, info } = await sharp(await engine.artifacts.read(ref!))
      .raw()
      .toBuffer({ resolveWithObject: true })
    const colours = new Set<string>()
    for (let i = 0; i < data.length; i += info.channels) {
      colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`)
    }
    expect([...colours].sort()).toEqual(['0,255,0', '255,0,0'])
    // the margin (4 of 29 modules, about 29 px) is light
    expect([...data.subarray(0, 3)]).toEqual([0, 255, 0])
  })

  it('refuses a size smaller than the modules need, pointing at size', async () => {
    const { engine } = harness()
    const params = { text: 'https://example.com/a/long/enough/url', size: 30 }
    const result = await engine.run(workflow({ qr: { type: 'image.qr-code', params } }))
    expect(result.status).toBe('failed')
    expect(result.nodes.qr?.issue).toMatchObject({
      code: 'SDF_PARAM_OUT_OF_RANGE',
      pointer: '/nodes/qr/params/size',
    })
  })

  it('refuses text too long for a QR code, pointing at text', async () => {
    const { engine } = harness()
    const params = { text: 'z'.repeat(3000), error_correction: 'H' }
    const result = await engine.run(workflow({ qr: { type: 'image.qr-code', params } }))
    expect(result.nodes.qr?.issue).toMatchObject({
      code: 'SDF_PARAM_INVALID',
      pointer: '/nodes/qr/params/text',
    })
  })

  it('rejects a colour that is not #rgb or #rrggbb before running', async () => {
    const { engine } = harness()
    const params = { text: 'a', dark: 'black' }
    const result = await engine.run(workflow({ qr: { type: 'image.qr-code', params } }))
    expect(result.status).toBe('invalid')
    expect(result.issues).toContainEqual(
      expect.objectContaining({ code: 'SDF_PARAM_INVALID', pointer: '/nodes/qr/params/dark' }),
    )
  })

  it.each([
    { module_style: 'rounded' },
    { module_style: 'dots' },
    { light: '#808080' },
    { module_style: 'dots', light: '#808080', margin: 1 },
  ] as const)('still decodes with %o', async (style) => {
    const { engine } = harness()
    const params = { text: 'https://example.com/styled', size: 512, ...style }
    const result = await runOk(engine, workflow({ qr: { type: 'image.qr-code', params } }))
    const [ref] = refs(result, 'qr')
    expect(await decodeQr(await engine.artifacts.read(ref!))).toBe(params.text)
  })

  it('shapes the modules: dots and rounded leave light pixels where squares are dark', async () => {
    const { engine } = harness()
    const darkShare = async (module_style: string) => {
      const params = { text: 'shape', size: 290, module_style }
      const result = await runOk(engine, workflow({ qr: { type: 'image.qr-code', params } }))
      const { data } = await sharp(await engine.artifacts.read(refs(result, 'qr')[0]!))
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true })
      return data.filter((v) => v < 128).length / data.length
    }
    const square = await darkShare('square')
    const rounded = await darkShare('rounded')
    const dots = await darkShare('dots')
    expect(rounded).toBeLessThan(square)
    expect(dots).toBeLessThan(rounded)
  })
})

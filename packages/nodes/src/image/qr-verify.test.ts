import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import { harness, runOk, solid, source, workflow } from './local.test-support.js'
import { verifyQr } from './verify-qr.js'

const qr = (text: string) => QRCode.toBuffer(text, { type: 'png', scale: 10, margin: 4 })

async function noise(size: number): Promise<Buffer> {
  const { default: sharp } = await import('sharp')
  const data = Buffer.alloc(size * size * 3)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer()
}

const verify = (params: Record<string, unknown>, ...images: Buffer[]) =>
  workflow({
    src: source(...images),
    v: { type: 'image.qr-verify', params, inputs: { image: { node: 'src', output: 'image' } } },
  })

describe('image.qr-verify', () => {
  it('accepts the plain QR code in every view', async () => {
    const { engine } = harness()
    const result = await runOk(
      engine,
      verify({ expected: 'https://example.com' }, await qr('https://example.com')),
    )
    expect(result.nodes.v?.outputs).toEqual({ ok: true, text: 'https://example.com', score: 1 })
    const variants = result.nodes.v?.meta?.variants as { name: string; text: string }[]
    expect(variants.map((v) => v.name)).toContain('25% blur')
  })

  it('rejects a picture without a code as a result, not an error', async () => {
    const { engine } = harness()
    for (const picture of [await solid(200, 200, [90, 140, 30]), await noise(256)]) {
      const result = await runOk(engine, verify({}, picture))
      expect(result.nodes.v?.outputs).toEqual({ ok: false, text: '', score: 0 })
    }
  })

  it('is not ok when the code carries other text than expected', async () => {
    const { engine } = harness()
    const result = await runOk(
      engine,
      verify({ expected: 'https://b.example' }, await qr('https://a.example')),
    )
    expect(result.nodes.v?.outputs).toEqual({ ok: false, text: 'https://a.example', score: 0 })
  })

  it('judges a batch by its best image', async () => {
    const { engine } = harness()
    const result = await runOk(
      engine,
      verify({}, await solid(64, 64, [0, 0, 0]), await qr('second'), await solid(8, 8, [1, 2, 3])),
    )
    expect(result.nodes.v?.outputs).toMatchObject({ ok: true, text: 'second' })
    expect(result.nodes.v?.meta?.index).toBe(1)
  })

  it('reads light-on-dark codes and scores small pictures only in the views that fit', async () => {
    const { default: sharp } = await import('sharp')
    const inverted = await sharp(await qr('negative'))
      .negate({ alpha: false })
      .png()
      .toBuffer()
    expect((await verifyQr(inverted)).text).toBe('negative')
    const tiny = await QRCode.toBuffer('tiny', { type: 'png', scale: 3, margin: 2 })
    const scan = await verifyQr(tiny, { minScore: 0.9 })
    expect(scan.text).toBe('tiny')
    expect(scan.score).toBeLessThan(1)
    expect(scan.ok).toBe(false)
  })

  it('reads each view with ZXing-C++ first, also a tinted and softened code', async () => {
    const { default: sharp } = await import('sharp')
    const plain = await verifyQr(await qr('https://example.com'))
    expect(plain.variants.every((v) => v.decoder === 'zxing')).toBe(true)
    // a code tinted into a gradient and softened, as an illusion leaves it
    const code = await sharp(await qr('https://example.com'))
      .resize(1024, 1024)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
    const { data, info } = code
    for (let i = 0; i < data.length; i++) {
      const x = Math.floor(i / info.channels) % info.width
      data[i] = Math.round((data[i] ?? 0) * 0.45 + (x / info.width) * 255 * 0.4 + 40)
    }
    const tinted = await sharp(data, {
      raw: { width: info.width, height: info.height, channels: 3 },
    })
      .blur(2)
      .png()
      .toBuffer()
    const scan = await verifyQr(tinted, { expected: 'https://example.com' })
    expect(scan.ok).toBe(true)
    expect(scan.variants.filter((v) => v.decoder === 'zxing').length).toBeGreaterThan(0)
  })
})

import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import {
  halves,
  harness,
  link,
  pixelsOf,
  refs,
  runOk,
  solid,
  source,
  workflow,
} from '../image/local.test-support.js'

const shape = (params: Record<string, unknown>) => ({ type: 'mask.shape', params })

/** Single-channel greyscale PNG, as stored. */
async function expectSingleChannel(bytes: Buffer) {
  const meta = await sharp(bytes).metadata()
  expect(meta).toMatchObject({ format: 'png', channels: 1, space: 'b-w', hasAlpha: false })
}

describe('mask.shape', () => {
  it('draws a white rectangle on black, single channel', async () => {
    const { engine } = harness()
    const doc = workflow({ m: shape({ x: 2, y: 3, w: 4, h: 2, width: 10, height: 8 }) })
    const [ref] = refs(await runOk(engine, doc), 'm', 'mask')
    await expectSingleChannel(await engine.artifacts.read(ref!))
    const px = await pixelsOf(engine, ref!)
    expect([px.width, px.height, px.channels]).toEqual([10, 8, 1])
    const white: string[] = []
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 10; x++) if (px.at(x, y)[0] === 255) white.push(`${x},${y}`)
    expect(white).toEqual(['2,3', '3,3', '4,3', '5,3', '2,4', '3,4', '4,4', '5,4'])
    expect(px.data.every((v) => v === 0 || v === 255)).toBe(true)
  })

  it('draws an ellipse inside its box', async () => {
    const { engine } = harness()
    const doc = workflow({
      m: shape({ shape: 'ellipse', x: 0, y: 0, w: 100, h: 50, width: 100, height: 50 }),
    })
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'm', 'mask')[0]!)
    expect(px.at(50, 25)).toEqual([255])
    expect(px.at(1, 25)).toEqual([255])
    expect(px.at(50, 1)).toEqual([255])
    expect(px.at(0, 0)).toEqual([0])
    expect(px.at(99, 49)).toEqual([0])
    expect(px.at(10, 5)).toEqual([0])
    const area = px.data.filter((v) => v === 255).length
    expect(Math.abs(area - Math.PI * 50 * 25) / (Math.PI * 50 * 25)).toBeLessThan(0.02)
  })

  it('inverts and clips a box that leaves the canvas', async () => {
    const { engine } = harness()
    const doc = workflow({
      m: shape({ x: 6, y: 0, w: 100, h: 2, width: 8, height: 4, invert: true }),
    })
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'm', 'mask')[0]!)
    expect(px.at(7, 0)).toEqual([0])
    expect(px.at(5, 0)).toEqual([255])
    expect(px.at(7, 2)).toEqual([255])
  })

  it('defaults to a 512 x 512 canvas', async () => {
    const { engine } = harness()
    const [ref] = refs(await runOk(engine, workflow({ m: shape({}) })), 'm', 'mask')
    expect(ref).toMatchObject({ width: 512, height: 512 })
  })
})

describe('mask.from-image', () => {
  const fromImage = (params: Record<string, unknown>, ...images: Buffer[]) =>
    workflow({
      src: source(...images),
      m: { type: 'mask.from-image', params, inputs: { image: link('src') } },
    })

  it('marks pixels at least as bright as the threshold', async () => {
    const { engine } = harness()
    const image = await halves(10, 4, [250, 250, 250], [20, 20, 20])
    const [ref] = refs(await runOk(engine, fromImage({}, image)), 'm', 'mask')
    await expectSingleChannel(await engine.artifacts.read(ref!))
    const px = await pixelsOf(engine, ref!)
    expect(px.at(0, 0)).toEqual([255])
    expect(px.at(9, 3)).toEqual([0])
  })

  it('compares brightness, not one colour channel, and honours invert', async () => {
    const { engine } = harness()
    // pure blue is dark (luma about 18), pure green bright (about 182)
    const image = await halves(10, 4, [0, 0, 255], [0, 255, 0])
    const doc = fromImage({ threshold: 100, invert: true }, image)
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'm', 'mask')[0]!)
    expect(px.at(0, 0)).toEqual([255])
    expect(px.at(9, 0)).toEqual([0])
  })

  it('in alpha mode marks transparent pixels', async () => {
    const { engine } = harness()
    const images = [await solid(4, 4, [255, 255, 255], 0), await solid(4, 4, [0, 0, 0], 255)]
    const result = await runOk(engine, fromImage({ mode: 'alpha' }, ...images))
    const [clear, opaque] = refs(result, 'm', 'mask')
    expect((await pixelsOf(engine, clear!)).at(0, 0)).toEqual([255])
    expect((await pixelsOf(engine, opaque!)).at(0, 0)).toEqual([0])
  })

  it('maps over the batch element by element', async () => {
    const { engine } = harness()
    const images = [await solid(3, 3, [255, 255, 255]), await solid(5, 2, [0, 0, 0])]
    const out = refs(await runOk(engine, fromImage({}, ...images)), 'm', 'mask')
    expect(out.map((r) => [r.width, r.height])).toEqual([
      [3, 3],
      [5, 2],
    ])
    expect((await pixelsOf(engine, out[0]!)).at(1, 1)).toEqual([255])
    expect((await pixelsOf(engine, out[1]!)).at(1, 1)).toEqual([0])
  })
})

describe('mask.invert', () => {
  it('swaps white and black and stays single channel', async () => {
    const { engine } = harness()
    const doc = workflow({
      m: shape({ x: 0, y: 0, w: 2, h: 2, width: 4, height: 4 }),
      inv: { type: 'mask.invert', inputs: { mask: link('m', 'mask') } },
    })
    const [ref] = refs(await runOk(engine, doc), 'inv', 'mask')
    await expectSingleChannel(await engine.artifacts.read(ref!))
    const px = await pixelsOf(engine, ref!)
    expect(px.at(0, 0)).toEqual([0])
    expect(px.at(3, 3)).toEqual([255])
  })

  it('inverts each mask of a batch', async () => {
    const { engine } = harness()
    const masks = [await solid(2, 2, [255, 255, 255]), await solid(3, 3, [0, 0, 0])]
    const doc = workflow({
      src: source(...masks),
      inv: { type: 'mask.invert', inputs: { mask: link('src', 'mask') } },
    })
    const out = refs(await runOk(engine, doc), 'inv', 'mask')
    expect((await pixelsOf(engine, out[0]!)).at(0, 0)).toEqual([0])
    expect((await pixelsOf(engine, out[1]!)).at(0, 0)).toEqual([255])
  })
})

describe('mask.feather', () => {
  const feathered = async (radius: number) => {
    const { engine } = harness()
    const doc = workflow({
      m: shape({ x: 0, y: 0, w: 50, h: 40, width: 100, height: 40 }),
      f: { type: 'mask.feather', params: { radius }, inputs: { mask: link('m', 'mask') } },
    })
    const [ref] = refs(await runOk(engine, doc), 'f', 'mask')
    await expectSingleChannel(await engine.artifacts.read(ref!))
    return pixelsOf(engine, ref!)
  }

  it('softens the edge into a ramp and keeps the far parts', async () => {
    const px = await feathered(4)
    expect(px.at(5, 20)).toEqual([255])
    expect(px.at(95, 20)).toEqual([0])
    const row = Array.from({ length: 20 }, (_, i) => px.at(40 + i, 20)[0] ?? 0)
    expect(row.some((v) => v > 10 && v < 245)).toBe(true)
    for (let i = 1; i < row.length; i++) expect(row[i]).toBeLessThanOrEqual(row[i - 1] ?? 0)
  })

  it('leaves the mask as it is at radius 0', async () => {
    const px = await feathered(0)
    expect(px.at(49, 20)).toEqual([255])
    expect(px.at(50, 20)).toEqual([0])
  })
})

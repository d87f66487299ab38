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
} from './local.test-support.js'

const cropDoc = (params: Record<string, unknown>, ...images: Buffer[]) =>
  workflow({
    src: source(...images),
    crop: { type: 'image.crop', params, inputs: { image: link('src') } },
  })

describe('image.crop', () => {
  it('cuts out the box', async () => {
    const { engine } = harness()
    const image = await halves(20, 10, [255, 0, 0], [0, 0, 255])
    const result = await runOk(engine, cropDoc({ x: 8, y: 2, width: 4, height: 3 }, image))
    const [ref] = refs(result, 'crop')
    expect(ref).toMatchObject({ width: 4, height: 3 })
    const px = await pixelsOf(engine, ref!)
    expect(px.at(0, 0)).toEqual([255, 0, 0])
    expect(px.at(1, 2)).toEqual([255, 0, 0])
    expect(px.at(2, 0)).toEqual([0, 0, 255])
    expect(px.at(3, 2)).toEqual([0, 0, 255])
  })

  it('accepts the box that is the whole image', async () => {
    const { engine } = harness()
    const result = await runOk(
      engine,
      cropDoc({ width: 6, height: 4 }, await solid(6, 4, [1, 2, 3])),
    )
    expect(refs(result, 'crop')[0]).toMatchObject({ width: 6, height: 4 })
  })

  it.each([
    [{ x: 10, width: 1, height: 1 }, 'x'],
    [{ y: 5, width: 1, height: 1 }, 'y'],
    [{ x: 4, width: 3, height: 1 }, 'width'],
    [{ y: 2, width: 1, height: 4 }, 'height'],
  ])('refuses %o on a 6 x 4 image, pointing at %s', async (params, param) => {
    const { engine } = harness()
    const result = await engine.run(cropDoc(params, await solid(6, 4, [0, 0, 0])))
    expect(result.nodes.crop?.issue).toMatchObject({
      code: 'SDF_PARAM_OUT_OF_RANGE',
      pointer: `/nodes/crop/params/${param}`,
    })
  })

  it('refuses the batch when any image is too small for the box, naming it', async () => {
    const { engine } = harness()
    const images = [await solid(10, 10, [0, 0, 0]), await solid(5, 10, [0, 0, 0])]
    const result = await engine.run(cropDoc({ width: 8, height: 8 }, ...images))
    expect(result.nodes.crop?.issue?.pointer).toBe('/nodes/crop/params/width')
    expect(result.nodes.crop?.issue?.message).toContain('image 2')
  })

  it('maps over the batch element by element', async () => {
    const { engine } = harness()
    const images = [await solid(10, 10, [7, 7, 7]), await solid(20, 5, [9, 9, 9])]
    const result = await runOk(engine, cropDoc({ x: 1, y: 1, width: 3, height: 2 }, ...images))
    const out = refs(result, 'crop')
    expect(out).toHaveLength(2)
    expect((await pixelsOf(engine, out[0]!)).at(0, 0)).toEqual([7, 7, 7])
    expect((await pixelsOf(engine, out[1]!)).at(2, 1)).toEqual([9, 9, 9])
  })
})

import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  harness,
  link,
  pixelsOf,
  refs,
  runOk,
  solid,
  source,
  workflow,
} from './local.test-support.js'

const red: [number, number, number] = [255, 0, 0]
const blue: [number, number, number] = [0, 0, 255]

async function compositeDoc(
  params: Record<string, unknown>,
  base: Buffer[],
  overlay: Buffer[],
  extra: Record<string, unknown> = {},
  mask?: { node: string; output: string },
) {
  return workflow({
    base: source(...base),
    overlay: source(...overlay),
    ...extra,
    comp: {
      type: 'image.composite',
      params,
      inputs: { base: link('base'), overlay: link('overlay'), ...(mask ? { mask } : {}) },
    },
  })
}

describe('image.composite', () => {
  it('places an overlay at x, y without stretching it when fit_overlay is false', async () => {
    const { engine } = harness()
    const doc = await compositeDoc(
      { x: 4, y: 2, fit_overlay: false },
      [await solid(10, 8, red)],
      [await solid(3, 3, blue)],
    )
    const [ref] = refs(await runOk(engine, doc), 'comp')
    const px = await pixelsOf(engine, ref!)
    expect([px.width, px.height, px.channels]).toEqual([10, 8, 3])
    expect(px.at(4, 2)).toEqual(blue)
    expect(px.at(6, 4)).toEqual(blue)
    expect(px.at(3, 2)).toEqual(red)
    expect(px.at(7, 4)).toEqual(red)
    expect(px.at(4, 5)).toEqual(red)
  })

  it('cuts off an overlay that hangs over the edges', async () => {
    const { engine } = harness()
    const doc = await compositeDoc(
      { x: -2, y: 6, fit_overlay: false },
      [await solid(10, 8, red)],
      [await solid(5, 5, blue)],
    )
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)
    expect(px.at(0, 7)).toEqual(blue)
    expect(px.at(2, 7)).toEqual(blue)
    expect(px.at(3, 7)).toEqual(red)
    expect(px.at(0, 5)).toEqual(red)
  })

  it('stretches the overlay to the base by default', async () => {
    const { engine } = harness()
    const doc = await compositeDoc({}, [await solid(10, 8, red)], [await solid(2, 2, blue)])
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)
    expect(px.at(0, 0)).toEqual(blue)
    expect(px.at(9, 7)).toEqual(blue)
  })

  it('mixes by opacity', async () => {
    const { engine } = harness()
    const doc = await compositeDoc(
      { opacity: 0.5 },
      [await solid(4, 4, red)],
      [await solid(4, 4, blue)],
    )
    const [r, g, b] = (await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)).at(1, 1)
    expect(Math.abs((r ?? 0) - 128)).toBeLessThanOrEqual(2)
    expect(g).toBe(0)
    expect(Math.abs((b ?? 0) - 128)).toBeLessThanOrEqual(2)
  })

  it.each([
    ['multiply', [200, 100, 50], [128, 128, 128], [100, 50, 25]],
    ['screen', [200, 100, 0], [128, 128, 128], [227, 178, 128]],
    ['darken', [200, 100, 50], [128, 128, 128], [128, 100, 50]],
    ['lighten', [200, 100, 50], [128, 128, 128], [200, 128, 128]],
    ['difference', [200, 100, 50], [128, 128, 128], [72, 28, 78]],
  ] as const)('blends with %s', async (blend, below, above, expected) => {
    const { engine } = harness()
    const doc = await compositeDoc(
      { blend },
      [await solid(4, 4, [...below])],
      [await solid(4, 4, [...above])],
    )
    const got = (await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)).at(2, 2)
    got.forEach((v, i) => {
      expect(Math.abs(v - (expected[i] ?? 0))).toBeLessThanOrEqual(2)
    })
  })

  it('applies the overlay only where the mask is white', async () => {
    const { engine } = harness()
    const shape = {
      type: 'mask.shape',
      params: { shape: 'rect', x: 0, y: 0, w: 5, h: 8, width: 10, height: 8 },
    }
    const doc = await compositeDoc(
      {},
      [await solid(10, 8, red)],
      [await solid(10, 8, blue)],
      { shape },
      link('shape', 'mask'),
    )
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)
    expect(px.at(0, 0)).toEqual(blue)
    expect(px.at(4, 7)).toEqual(blue)
    expect(px.at(5, 0)).toEqual(red)
    expect(px.at(9, 7)).toEqual(red)
  })

  it('scales the overlay by mask and opacity together, leaving no scratch files behind', async () => {
    const { engine } = harness()
    // the composite's scratch folders go to the temp folder of the moment (os.tmpdir)
    const scratch = mkdtempSync(join(tmpdir(), 'composite-scratch-'))
    const previous = process.env.TMPDIR
    process.env.TMPDIR = scratch
    try {
      const shape = {
        type: 'mask.shape',
        params: { shape: 'rect', x: 0, y: 0, w: 5, h: 8, width: 10, height: 8 },
      }
      const doc = await compositeDoc(
        { opacity: 0.5 },
        [await solid(10, 8, red)],
        [await solid(10, 8, blue)],
        { shape },
        link('shape', 'mask'),
      )
      const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)
      const [r, g, b] = px.at(2, 3)
      expect(Math.abs((r ?? 0) - 128)).toBeLessThanOrEqual(2)
      expect(g).toBe(0)
      expect(Math.abs((b ?? 0) - 128)).toBeLessThanOrEqual(2)
      expect(px.at(7, 3)).toEqual(red)
      expect(readdirSync(scratch)).toEqual([])
    } finally {
      if (previous === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = previous
      rmSync(scratch, { recursive: true, force: true })
    }
  })

  it('stretches a mask of another size to the base', async () => {
    const { engine } = harness()
    const shape = {
      type: 'mask.shape',
      params: { shape: 'rect', x: 0, y: 0, w: 2, h: 4, width: 4, height: 4 },
    }
    const doc = await compositeDoc(
      {},
      [await solid(20, 20, red)],
      [await solid(20, 20, blue)],
      { shape },
      link('shape', 'mask'),
    )
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)
    expect(px.at(2, 10)).toEqual(blue)
    expect(px.at(17, 10)).toEqual(red)
  })

  it('keeps the alpha of a transparent base', async () => {
    const { engine } = harness()
    const doc = await compositeDoc(
      { x: 0, y: 0, fit_overlay: false },
      [await solid(6, 6, red, 0)],
      [await solid(3, 3, blue)],
    )
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)
    expect(px.channels).toBe(4)
    expect(px.at(1, 1)).toEqual([0, 0, 255, 255])
    expect(px.at(5, 5)[3]).toBe(0)
  })

  it('takes a greyscale mask as the base and gives colour back', async () => {
    const { engine } = harness()
    const doc = workflow({
      shape: { type: 'mask.shape', params: { x: 0, y: 0, w: 4, h: 8, width: 8, height: 8 } },
      overlay: source(await solid(2, 2, blue)),
      comp: {
        type: 'image.composite',
        params: { fit_overlay: false, x: 6, y: 6 },
        inputs: { base: link('shape', 'mask'), overlay: link('overlay') },
      },
    })
    const px = await pixelsOf(engine, refs(await runOk(engine, doc), 'comp')[0]!)
    expect(px.channels).toBe(3)
    expect(px.at(0, 0)).toEqual([255, 255, 255])
    expect(px.at(5, 0)).toEqual([0, 0, 0])
    expect(px.at(7, 7)).toEqual(blue)
  })

  it('pairs batches element by element, repeating a batch of one', async () => {
    const { engine } = harness()
    const doc = await compositeDoc(
      { x: 0, y: 0, fit_overlay: false },
      [await solid(4, 4, red), await solid(6, 6, [0, 255, 0])],
      [await solid(2, 2, blue)],
    )
    const out = refs(await runOk(engine, doc), 'comp')
    expect(out.map((r) => r.width)).toEqual([4, 6])
    const second = await pixelsOf(engine, out[1]!)
    expect(second.at(0, 0)).toEqual(blue)
    expect(second.at(5, 5)).toEqual([0, 255, 0])
  })

  it('refuses batches of different sizes, pointing at the input', async () => {
    const { engine } = harness()
    const a = await solid(4, 4, red)
    const doc = await compositeDoc({}, [a, a], [a, a, a])
    const result = await engine.run(doc)
    expect(result.nodes.comp?.issue).toMatchObject({
      code: 'SDF_INPUT_BATCH_MISMATCH',
      pointer: '/nodes/comp/inputs/base',
    })
  })
})

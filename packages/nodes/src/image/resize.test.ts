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

const resizeDoc = (params: Record<string, unknown>, ...images: Buffer[]) =>
  workflow({
    src: source(...images),
    resize: { type: 'image.resize', params, inputs: { image: link('src') } },
  })

describe('image.resize', () => {
  it.each([
    [{ width: 100, height: 100 }, [100, 100]],
    [{ width: 100 }, [100, 50]],
    [{ height: 25 }, [50, 25]],
    [{ width: 100, height: 100, fit: 'fill' }, [100, 100]],
    [{ width: 100, height: 100, fit: 'inside' }, [100, 50]],
    [{ width: 100, height: 100, fit: 'outside' }, [200, 100]],
    [{ width: 100, height: 100, fit: 'contain' }, [100, 100]],
  ])('resizes 200 x 100 with %o to %o', async (params, [width, height]) => {
    const { engine } = harness()
    const result = await runOk(engine, resizeDoc(params, await solid(200, 100, [10, 20, 30])))
    expect(refs(result, 'resize')[0]).toMatchObject({ width, height, mime: 'image/png' })
  })

  it('letterboxes with the background colour when fit is contain', async () => {
    const { engine } = harness()
    const params = { width: 100, height: 100, fit: 'contain', background: '#00ff00' }
    const result = await runOk(engine, resizeDoc(params, await solid(200, 100, [255, 0, 0])))
    const px = await pixelsOf(engine, refs(result, 'resize')[0]!)
    expect(px.at(50, 2)).toEqual([0, 255, 0])
    expect(px.at(50, 50)).toEqual([255, 0, 0])
  })

  it('crops the middle when fit is cover', async () => {
    const { engine } = harness()
    // left half red, right half blue: a square cover keeps the middle, half of each
    const params = { width: 10, height: 10, kernel: 'nearest' }
    const result = await runOk(
      engine,
      resizeDoc(params, await halves(40, 20, [255, 0, 0], [0, 0, 255])),
    )
    const px = await pixelsOf(engine, refs(result, 'resize')[0]!)
    expect(px.at(1, 5)).toEqual([255, 0, 0])
    expect(px.at(8, 5)).toEqual([0, 0, 255])
  })

  it('maps over the batch element by element', async () => {
    const { engine } = harness()
    const images = [await solid(20, 10, [1, 1, 1]), await solid(10, 40, [2, 2, 2])]
    const result = await runOk(engine, resizeDoc({ width: 5 }, ...images))
    expect(refs(result, 'resize').map((r) => [r.width, r.height])).toEqual([
      [5, 3],
      [5, 20],
    ])
    expect((await pixelsOf(engine, refs(result, 'resize')[1]!)).at(0, 0)).toEqual([2, 2, 2])
  })

  it('needs a width or a height', async () => {
    const { engine } = harness()
    const result = await engine.run(resizeDoc({}, await solid(2, 2, [0, 0, 0])))
    expect(result.nodes.resize?.issue).toMatchObject({
      code: 'SDF_PARAM_MISSING',
      pointer: '/nodes/resize/params/width',
    })
  })

  it('rejects an unknown kernel before running', async () => {
    const { engine } = harness()
    const result = await engine.run(
      resizeDoc({ width: 2, kernel: 'bilinear' }, await solid(2, 2, [0, 0, 0])),
    )
    expect(result.status).toBe('invalid')
    expect(result.issues[0]).toMatchObject({
      code: 'SDF_PARAM_INVALID',
      pointer: '/nodes/resize/params/kernel',
    })
  })
})

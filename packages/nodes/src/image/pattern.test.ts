import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { harness, refs, runOk, workflow } from './local.test-support.js'
import { Patterns } from './pattern.js'

async function render(params: Record<string, unknown>) {
  const { engine } = harness()
  const result = await runOk(engine, workflow({ p: { type: 'image.pattern', params } }))
  const [ref] = refs(result, 'p')
  const bytes = await engine.artifacts.read(ref!)
  const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true })
  return { ref: ref!, data, info }
}

describe('image.pattern', () => {
  it.each(Patterns)('renders %s at the asked size, in black and white', async (pattern) => {
    const { ref, data } = await render({ pattern, width: 320, height: 200, text: 'HI' })
    expect(ref).toMatchObject({ width: 320, height: 200, mime: 'image/png' })
    const dark = data.filter((v) => v < 64).length / data.length
    const light = data.filter((v) => v > 192).length / data.length
    expect(dark).toBeGreaterThan(0.05)
    expect(light).toBeGreaterThan(0.05)
  })

  it('defaults to 512 x 512', async () => {
    const { ref } = await render({ pattern: 'rings' })
    expect(ref).toMatchObject({ width: 512, height: 512 })
  })

  it('lowers contrast towards mid-grey', async () => {
    const { data } = await render({ pattern: 'stripes', contrast: 0.5, width: 64, height: 64 })
    expect(Math.min(...data)).toBeGreaterThanOrEqual(60)
    expect(Math.max(...data)).toBeLessThanOrEqual(196)
    const flat = await render({ pattern: 'checkerboard', contrast: 0, width: 32, height: 32 })
    expect(new Set(flat.data)).toEqual(new Set([128]))
  })

  it('rotates stripes: vertical stripes vary along x, rotated by 90 along y', async () => {
    const column = (d: Buffer, w: number, x: number) =>
      [...Array(w).keys()].map((y) => d[y * w + x])
    const upright = await render({ pattern: 'stripes', width: 64, height: 64, frequency: 4 })
    expect(new Set(column(upright.data, 64, 10)).size).toBe(1)
    const turned = await render({
      pattern: 'stripes',
      width: 64,
      height: 64,
      frequency: 4,
      rotation: 90,
    })
    expect(new Set(column(turned.data, 64, 10)).size).toBeGreaterThan(1)
  })
})

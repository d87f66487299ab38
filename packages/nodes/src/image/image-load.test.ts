import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { harness, pixelsOf, refs, runOk, solid, workflow } from './local.test-support.js'

const load = (params: Record<string, unknown>) => workflow({ load: { type: 'image.load', params } })

/** No artifact was stored: nothing was read into the engine. */
function storedFiles(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'artifacts'), { recursive: true }).map(String)
  } catch {
    return []
  }
}

describe('image.load', () => {
  it('loads a file by a path relative to the input folder', async () => {
    const { engine, input } = harness()
    mkdirSync(join(input, 'sub'))
    writeFileSync(join(input, 'sub', 'red.png'), await solid(7, 5, [255, 0, 0]))
    const result = await runOk(engine, load({ path: 'sub/red.png' }))
    const [ref] = refs(result, 'load')
    expect(ref).toMatchObject({ width: 7, height: 5, mime: 'image/png' })
    expect((await pixelsOf(engine, ref!)).at(3, 2)).toEqual([255, 0, 0])
  })

  it('loads base64 with and without a data URL prefix, to the same stored image', async () => {
    const { engine } = harness()
    const bytes = (await solid(4, 4, [0, 0, 255])).toString('base64')
    const plain = await runOk(engine, load({ base64: bytes }))
    const prefixed = await runOk(engine, load({ base64: `data:image/png;base64,${bytes}` }))
    expect(refs(plain, 'load')).toEqual(refs(prefixed, 'load'))
    expect(refs(plain, 'load')[0]).toMatchObject({ width: 4, height: 4 })
  })

  it('reads the file again on the next run when it changed', async () => {
    const { engine, input } = harness()
    writeFileSync(join(input, 'x.png'), await solid(2, 2, [1, 2, 3]))
    const first = await runOk(engine, load({ path: 'x.png' }))
    writeFileSync(join(input, 'x.png'), await solid(3, 3, [1, 2, 3]))
    const second = await runOk(engine, load({ path: 'x.png' }))
    expect(refs(first, 'load')[0]?.width).toBe(2)
    expect(refs(second, 'load')[0]?.width).toBe(3)
  })

  it.each([
    ['neither path nor base64', {}, 'SDF_PARAM_MISSING', 'path'],
    ['both path and base64', { path: 'a.png', base64: 'AAAA' }, 'SDF_PARAM_INVALID', 'base64'],
    ['base64 that is not base64', { base64: 'not base64!' }, 'SDF_PARAM_INVALID', 'base64'],
    ['bytes that are not an image', { base64: 'aGVsbG8gd29ybGQ=' }, 'SDF_IMAGE_INVALID', 'base64'],
    ['a file that does not exist', { path: 'missing.png' }, 'SDF_PATH_NOT_FOUND', 'path'],
  ])('refuses %s', async (_, params, code, param) => {
    const { engine } = harness()
    const result = await engine.run(load(params))
    expect(result.status).toBe('failed')
    expect(result.nodes.load?.issue).toMatchObject({ code, pointer: `/nodes/load/params/${param}` })
  })

  it('refuses a file whose bytes are not an image', async () => {
    const { engine, input, dataDir } = harness()
    writeFileSync(join(input, 'fake.png'), 'this is text, not a PNG')
    const result = await engine.run(load({ path: 'fake.png' }))
    expect(result.nodes.load?.issue).toMatchObject({
      code: 'SDF_IMAGE_INVALID',
      pointer: '/nodes/load/params/path',
    })
    expect(result.nodes.load?.issue?.message).toContain('fake.png')
    expect(storedFiles(dataDir)).toEqual([])
  })

  it('refuses a PNG header with broken data after it', async () => {
    const { engine, input } = harness()
    const png = await solid(4, 4, [9, 9, 9])
    writeFileSync(join(input, 'cut.png'), Buffer.concat([png.subarray(0, 8), Buffer.alloc(40, 7)]))
    const result = await engine.run(load({ path: 'cut.png' }))
    expect(result.nodes.load?.issue?.code).toBe('SDF_IMAGE_INVALID')
  })

  describe('stays inside the input folder', () => {
    const cases = [
      ['a ../ path', () => '../secret.png'],
      ['a ../ path in the middle', () => 'sub/../../secret.png'],
      ['an absolute path', (dir: string) => join(dir, 'secret.png')],
      ['a NUL byte', () => 'a.png\0.txt'],
      [
        'a symlink to a file outside',
        (dir: string, input: string) => {
          symlinkSync(join(dir, 'secret.png'), join(input, 'link.png'))
          return 'link.png'
        },
      ],
      [
        'a path through a symlinked folder outside',
        (dir: string, input: string) => {
          symlinkSync(dir, join(input, 'escape'))
          return 'escape/secret.png'
        },
      ],
    ] as const

    it.each(cases)('refuses %s with SDF_PATH_OUTSIDE_ROOT and reads nothing', async (_, make) => {
      const { engine, dir, input, dataDir } = harness()
      writeFileSync(join(dir, 'secret.png'), await solid(2, 2, [6, 6, 6]))
      const path = make(dir, input)
      const result = await engine.run(load({ path }))
      expect(result.status).toBe('failed')
      expect(result.nodes.load?.issue).toMatchObject({
        code: 'SDF_PATH_OUTSIDE_ROOT',
        pointer: '/nodes/load/params/path',
      })
      expect(result.nodes.load?.outputs).toBeUndefined()
      expect(storedFiles(dataDir)).toEqual([])
    })

    it('still follows a symlink that stays inside the input folder', async () => {
      const { engine, input } = harness()
      writeFileSync(join(input, 'real.png'), await solid(2, 2, [6, 6, 6]))
      symlinkSync(join(input, 'real.png'), join(input, 'alias.png'))
      const result = await runOk(engine, load({ path: 'alias.png' }))
      expect(refs(result, 'load')[0]?.width).toBe(2)
    })
  })
})

describe('image.load mask output', () => {
  it('gives the same image to a mask input', async () => {
    const { engine } = harness()
    const bytes = (await solid(4, 4, [255, 255, 255])).toString('base64')
    const result = await runOk(engine, load({ base64: bytes }))
    expect(refs(result, 'load', 'mask')).toEqual(refs(result, 'load'))
  })
})

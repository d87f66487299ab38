import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { harness, link, refs, runOk, solid, source, workflow } from './local.test-support.js'

const save = (params: Record<string, unknown> = {}, ...images: Buffer[]) =>
  workflow({
    src: source(...images),
    save: { type: 'image.save', params, inputs: { image: link('src') } },
  })

describe('image.save', () => {
  it('writes each image of the batch as prefix-00001.png, ... with the stored bytes', async () => {
    const { engine, output } = harness()
    const a = await solid(3, 3, [255, 0, 0])
    const b = await solid(4, 4, [0, 255, 0])
    const result = await runOk(engine, save({ metadata: false }, a, b))
    expect(readdirSync(output).sort()).toEqual(['sdflow-00001.png', 'sdflow-00002.png'])
    expect(readFileSync(join(output, 'sdflow-00001.png'))).toEqual(a)
    expect(readFileSync(join(output, 'sdflow-00002.png'))).toEqual(b)
    expect(result.files).toEqual([
      join(output, 'sdflow-00001.png'),
      join(output, 'sdflow-00002.png'),
    ])
    expect(refs(result, 'save')).toEqual(refs(result, 'src'))
  })

  it('never overwrites: numbering continues after existing files', async () => {
    const { engine, output } = harness()
    await runOk(engine, save({ prefix: 'cat' }, await solid(2, 2, [1, 1, 1])))
    writeFileSync(join(output, 'cat-00007.png'), 'someone else')
    await runOk(engine, save({ prefix: 'cat' }, await solid(2, 2, [2, 2, 2])))
    expect(readdirSync(output).sort()).toEqual(['cat-00001.png', 'cat-00007.png', 'cat-00008.png'])
    expect(readFileSync(join(output, 'cat-00007.png'), 'utf8')).toBe('someone else')
  })

  it('reuses a file that already holds the same bytes (a save re-run after a crash)', async () => {
    const { output } = harness()
    const image = await solid(3, 3, [9, 9, 9])
    // two engines with their own caches, as a restarted process would be
    for (const engine of [harness({ output }).engine, harness({ output }).engine]) {
      const result = await runOk(engine, save({ metadata: false }, image))
      expect(result.files).toEqual([join(output, 'sdflow-00001.png')])
    }
    expect(readdirSync(output)).toEqual(['sdflow-00001.png'])
  })

  it('keeps every file intact when runs save the same prefix at the same moment', async () => {
    const first = harness()
    // a second engine, with its own cache and artifacts, writing to the same output folder
    const second = harness({ output: first.output })
    const images = await Promise.all(
      Array.from({ length: 12 }, (_, i) => solid(8 + i, 8, [i * 20, 0, 0])),
    )
    const doc = (batch: Buffer[]) => save({ folder: 'shared', metadata: false }, ...batch)
    const runs = await Promise.all([
      first.engine.run(doc(images.slice(0, 6))),
      first.engine.run(doc(images.slice(6, 9))),
      second.engine.run(doc(images.slice(9))),
      // the very same save at the same moment: it waits for the identical node in flight and
      // shares its files instead of writing them twice
      second.engine.run(doc(images.slice(9))),
    ])
    expect(runs.map((r) => r.status)).toEqual(['finished', 'finished', 'finished', 'finished'])
    const folder = join(first.output, 'shared')
    const names = readdirSync(folder).sort()
    const numbered = (n: number) => `sdflow-${String(n).padStart(5, '0')}.png`
    expect(names).toEqual(Array.from({ length: 12 }, (_, i) => numbered(i + 1)))
    const saved = names.map((n) => readFileSync(join(folder, n)).toString('hex'))
    expect(saved.sort()).toEqual(images.map((b) => b.toString('hex')).sort())
    expect(runs[3]?.files).toEqual(runs[2]?.files)
    expect(
      runs
        .slice(0, 3)
        .flatMap((r) => r.files)
        .sort(),
    ).toEqual(names.map((n) => join(folder, n)))
  })

  it('converts a stored JPEG to PNG', async () => {
    const { engine, output } = harness()
    const jpeg = await sharp({
      create: { width: 6, height: 4, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer()
    await runOk(engine, save({ prefix: 'j' }, jpeg))
    const meta = await sharp(readFileSync(join(output, 'j-00001.png'))).metadata()
    expect(meta).toMatchObject({ format: 'png', width: 6, height: 4 })
  })

  it('creates a nested folder under the output folder', async () => {
    const { engine, output } = harness()
    await runOk(engine, save({ folder: 'a/b/c' }, await solid(2, 2, [0, 0, 0])))
    expect(readdirSync(join(output, 'a', 'b', 'c'))).toEqual(['sdflow-00001.png'])
  })

  it.each([
    ['a ../ folder', () => '../elsewhere'],
    ['an absolute folder', (dir: string) => join(dir, 'elsewhere')],
    [
      'a symlinked folder outside',
      (dir: string, output: string) => {
        symlinkSync(dir, join(output, 'escape'))
        return 'escape/elsewhere'
      },
    ],
  ])('refuses %s and writes nothing', async (_, make) => {
    const { engine, dir, output } = harness()
    await runOk(engine, save({ prefix: 'first' }, await solid(2, 2, [0, 0, 0])))
    const result = await engine.run(
      save({ folder: make(dir, output) }, await solid(2, 2, [5, 5, 5])),
    )
    expect(result.nodes.save?.issue).toMatchObject({
      code: 'SDF_PATH_OUTSIDE_ROOT',
      pointer: '/nodes/save/params/folder',
    })
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false)
  })

  it('rejects a prefix with path characters before running', async () => {
    const { engine } = harness()
    const result = await engine.run(save({ prefix: '../x' }, await solid(2, 2, [0, 0, 0])))
    expect(result.status).toBe('invalid')
    expect(result.issues[0]).toMatchObject({ pointer: '/nodes/save/params/prefix' })
  })

  it('leaves no temporary file behind when the run is cancelled', async () => {
    const { engine, output } = harness()
    const images = await Promise.all(
      Array.from({ length: 20 }, (_, i) => solid(300, 300, [i, 0, 0])),
    )
    const controller = new AbortController()
    const running = engine.run(save({}, ...images), {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'node.started' && event.nodeId === 'save') {
          setTimeout(() => controller.abort(), 1)
        }
      },
    })
    const result = await running
    expect(result.status).toBe('cancelled')
    const names = existsSync(output) ? readdirSync(output) : []
    expect(names.filter((n) => !/^sdflow-\d{5}\.png$/.test(n))).toEqual([])
    for (const name of names) {
      expect(await sharp(readFileSync(join(output, name))).metadata()).toMatchObject({ width: 300 })
    }
  })
})

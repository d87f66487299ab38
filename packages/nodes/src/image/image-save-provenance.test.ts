import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, createRegistry, defineNode } from '@sdflow/engine'
import { readPngText, Socket, withPngText } from '@sdflow/protocol'
import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { localNodes } from '../local-nodes.js'
import { solid } from './local.test-support.js'
import { parseProvenance } from './provenance.js'

/** Test-only generation: images that already carry a `parameters` chunk, with A1111-like meta. */
const fakeGen = defineNode({
  type: 'test.gen',
  version: 1,
  title: 'Fake generation',
  category: 'test',
  description: 'Stores n solid images and annotates seeds and infotexts like sd.txt2img.',
  params: Type.Object({ n: Type.Integer({ default: 2 }), seed: Type.Integer({ default: 7 }) }),
  inputs: {},
  outputs: { image: Socket.Image },
  async execute({ params, artifacts, annotate, useBackend }) {
    const images = []
    for (let i = 0; i < params.n; i++) {
      const png = await solid(4, 4, [i * 40, 0, 0])
      images.push(await artifacts.put(Buffer.from(withPngText(png, { parameters: 'stale' }))))
    }
    useBackend('gpu-1')
    annotate({
      seeds: images.map((_, i) => params.seed + i),
      infotexts: images.map((_, i) => `a fox\nSteps: 20, Seed: ${params.seed + i}`),
      checkpoint: 'v1-5 [6ce0161689]',
    })
    return { image: images }
  },
})

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'sdflow-prov-'))
  const engine = createEngine({
    registry: createRegistry([...localNodes, fakeGen]),
    services: undefined,
    dataDir: join(dir, 'data'),
    roots: { input: dir, output: join(dir, 'out') },
  })
  return { engine, output: join(dir, 'out') }
}

const doc = {
  format: 'sdflow.workflow/1',
  name: 'provenance',
  inputs: { seed: { node: 'gen', param: 'seed' } },
  nodes: {
    gen: { type: 'test.gen', params: { n: 2 } },
    resize: {
      type: 'image.resize',
      params: { width: 8 },
      inputs: { image: { node: 'gen', output: 'image' } },
    },
    save: { type: 'image.save', inputs: { image: { node: 'resize', output: 'image' } } },
  },
}

describe('image.save provenance', () => {
  it('writes the upstream infotext per image and the workflow with its inputs', async () => {
    const { engine, output } = setup()
    const result = await engine.run(doc, { inputs: { seed: '40' } })
    expect(result.status).toBe('finished')
    const files = readdirSync(output).sort()
    expect(files).toHaveLength(2)
    const texts = files.map((f) => readPngText(readFileSync(join(output, f))))
    expect(texts.map((t) => t.parameters)).toEqual([
      'a fox\nSteps: 20, Seed: 40',
      'a fox\nSteps: 20, Seed: 41',
    ])
    const provenance = parseProvenance(texts[0]?.sdflow)
    expect(provenance).toMatchObject({
      format: 'sdflow.provenance/1',
      workflow: { name: 'provenance' },
      inputs: { seed: '40' },
      nodes: {
        gen: {
          type: 'test.gen',
          seeds: [40, 41],
          backend: 'gpu-1',
          checkpoint: 'v1-5 [6ce0161689]',
        },
      },
    })
    expect(Object.keys(provenance?.nodes ?? {})).toEqual(['gen'])
  })

  it('writes the stored bytes untouched with metadata false', async () => {
    const { engine, output } = setup()
    const plain = {
      ...doc,
      nodes: { ...doc.nodes, save: { ...doc.nodes.save, params: { metadata: false } } },
    }
    await engine.run(plain)
    const [file] = readdirSync(output)
    expect(readPngText(readFileSync(join(output, file ?? '')))).toEqual({})
  })

  it('replaces a parameters chunk the image already carries with the upstream infotext', async () => {
    const { engine, output } = setup()
    const direct = {
      ...doc,
      nodes: {
        gen: { type: 'test.gen', params: { n: 1, seed: 3 } },
        save: { type: 'image.save', inputs: { image: { node: 'gen', output: 'image' } } },
      },
    }
    await engine.run(direct)
    const [file] = readdirSync(output)
    expect(readPngText(readFileSync(join(output, file ?? ''))).parameters).toBe(
      'a fox\nSteps: 20, Seed: 3',
    )
  })

  it('records an inline base64 image by its hash, and runs again from the picture', async () => {
    const { engine, output } = setup()
    const png = await solid(64, 64, [10, 200, 30])
    const inline = {
      format: 'sdflow.workflow/1',
      name: 'inline',
      inputs: { picture: { node: 'load', param: 'base64' } },
      nodes: {
        load: { type: 'image.load', params: {} },
        save: { type: 'image.save', inputs: { image: { node: 'load', output: 'image' } } },
      },
    }
    const result = await engine.run(inline, { inputs: { picture: png.toString('base64') } })
    expect(result.status).toBe('finished')
    const [file] = readdirSync(output)
    const chunk = readPngText(readFileSync(join(output, file ?? ''))).sdflow ?? ''
    expect(chunk).not.toContain(png.toString('base64').slice(0, 40))
    const provenance = parseProvenance(chunk)
    const loaded = (result.nodes.load?.outputs?.image as { hash: string }[] | undefined)?.[0]?.hash
    expect(provenance?.workflow.nodes.load?.params).toEqual({ artifact: loaded })
    expect(provenance?.inputs).toEqual({})
    const again = await engine.run(provenance?.workflow, { inputs: provenance?.inputs })
    expect(again.status).toBe('finished')
    expect((again.nodes.load?.outputs?.image as { hash: string }[] | undefined)?.[0]?.hash).toBe(
      loaded,
    )
  })
})

import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, createRegistry, defineNode, type Engine } from '@sdflow/engine'
import { type ImageRef, Socket } from '@sdflow/protocol'
import sharp from 'sharp'
import { Type } from 'typebox'
import { localNodes } from '../local-nodes.js'

/** Test-only source of a batch: one image per base64 string. */
export const batchOf = defineNode({
  type: 'test.batch',
  version: 1,
  title: 'Batch',
  category: 'test',
  description: 'Stores each base64 image and outputs them as one batch.',
  params: Type.Object({ images: Type.Array(Type.String(), { default: [] }) }),
  inputs: {},
  outputs: { image: Socket.Image, mask: Socket.Mask },
  async execute({ params, artifacts }) {
    const refs = await Promise.all(
      params.images.map((b) => artifacts.put(Buffer.from(b, 'base64'))),
    )
    return { image: refs, mask: refs }
  },
})

export interface Harness {
  engine: Engine<undefined>
  dir: string
  input: string
  output: string
  dataDir: string
}

/**
 * A real engine with the local nodes, over fresh temp folders for data, input and output
 * (or the given output folder, to share one between engines).
 */
export function harness(options: { output?: string } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'sdflow-nodes-'))
  const input = join(dir, 'in')
  const output = options.output ?? join(dir, 'out')
  const dataDir = join(dir, 'data')
  mkdirSync(input)
  const engine = createEngine({
    registry: createRegistry([...localNodes, batchOf]),
    services: undefined,
    dataDir,
    roots: { input, output },
  })
  return { engine, dir, input, output, dataDir }
}

export const workflow = (nodes: Record<string, unknown>, name = 'test') => ({
  format: 'sdflow.workflow/1',
  name,
  nodes,
})

export const link = (node: string, output = 'image') => ({ node, output })

/** A node that outputs the given encoded images as one batch. */
export const source = (...images: Buffer[]) => ({
  type: 'test.batch',
  params: { images: images.map((b) => b.toString('base64')) },
})

/** Run a workflow that must finish; on failure the issues are in the error message. */
export async function runOk(engine: Engine<undefined>, doc: unknown) {
  const result = await engine.run(doc)
  if (result.status !== 'finished') {
    throw new Error(`run ${result.status}: ${JSON.stringify(result.issues, null, 2)}`)
  }
  return result
}

/** The ImageRef batch a node produced. */
export function refs(
  result: { nodes: Record<string, { outputs?: Record<string, unknown> }> },
  node: string,
  output = 'image',
): ImageRef[] {
  const value = result.nodes[node]?.outputs?.[output]
  if (!Array.isArray(value)) throw new Error(`node ${node} has no ${output} batch`)
  return value as ImageRef[]
}

/** Decoded pixels of a stored image, with the channels it was encoded with (1 for masks). */
export async function pixelsOf(engine: Engine<undefined>, ref: ImageRef) {
  const bytes = await engine.artifacts.read(ref)
  const grey = (await sharp(bytes).metadata()).channels === 1
  const pipeline = grey ? sharp(bytes).toColourspace('b-w') : sharp(bytes)
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true })
  const at = (x: number, y: number) => [
    ...data.subarray(
      (y * info.width + x) * info.channels,
      (y * info.width + x + 1) * info.channels,
    ),
  ]
  return { data, width: info.width, height: info.height, channels: info.channels, at }
}

/** A solid PNG of one colour (RGB, or RGBA when `alpha` is given). */
export function solid(
  width: number,
  height: number,
  rgb: [number, number, number],
  alpha?: number,
): Promise<Buffer> {
  const [r, g, b] = rgb
  const channels = alpha === undefined ? 3 : 4
  const background = { r, g, b, alpha: (alpha ?? 255) / 255 }
  return sharp({ create: { width, height, channels, background } }).png().toBuffer()
}

/** An RGB PNG whose left half is `left` and right half `right`. */
export function halves(
  width: number,
  height: number,
  left: [number, number, number],
  right: [number, number, number],
): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(x < width / 2 ? left : right, (y * width + x) * 3)
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}

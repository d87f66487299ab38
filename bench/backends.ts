// Backend benchmarks (not tests): 16 independent txt2img -> upscale chains on 1, 2 and 4
// emulator backends against the ideal makespan and against a plain sequential client, and the
// engine-side cost per 1024x1024 image (base64 decode, sniff, measure, hash, store).
// Run: npm run bench -- backends
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backendsFromUrls, createPool } from '@sdflow/a1111'
import { createArtifactStore, createEngine, createMemoryCache } from '@sdflow/engine'
import { createNodeRegistry, type NodeServices } from '@sdflow/nodes'
import sharp from 'sharp'
import { storeBase64 } from '../packages/a1111/src/base64.js'

export const CHAINS = 16
// 50 ms a step: a mid-range GPU on SD 1.5 at 512 px; STEP_MS=25 shows the emulators' own CPU cost
export const STEP_MS = Number(process.env.STEP_MS ?? 50)
const STEPS = 20
const bin = new URL('../packages/cli/bin/sdflow.js', import.meta.url).pathname

export interface Emulator {
  url: string
  child: ChildProcess
}

/** Each emulator is its own process, as separate GPU servers would be. */
export function startEmulator(stepMs = STEP_MS): Promise<Emulator> {
  const child = spawn(process.execPath, [
    bin,
    'emulator',
    '--port',
    '0',
    '--step-ms',
    String(stepMs),
  ])
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const url = /listening on (\S+)/.exec(String(chunk))?.[1]
      if (url) resolve({ url, child })
    })
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
  })
}

const txt2img = (i: number) => ({
  prompt: `chain ${i}`,
  steps: STEPS,
  width: 256,
  height: 256,
  seed: i,
})

export function chainsWorkflow() {
  const nodes: Record<string, object> = {}
  const outputs: Record<string, object> = {}
  for (let i = 0; i < CHAINS; i++) {
    nodes[`g${i}`] = { type: 'sd.txt2img', params: txt2img(i) }
    nodes[`u${i}`] = {
      type: 'sd.upscale',
      params: { upscaler_1: 'Lanczos', upscaling_resize: 2 },
      inputs: { image: { node: `g${i}`, output: 'image' } },
    }
    outputs[`o${i}`] = { node: `u${i}`, output: 'image' }
  }
  return { format: 'sdflow.workflow/1', name: 'chains', nodes, outputs }
}

/** The curl-one-after-another way: every call waits for the one before. */
export async function sequential(url: string): Promise<number> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return (await response.json()) as { images?: string[]; image?: string }
  }
  const start = performance.now()
  for (let i = 0; i < CHAINS; i++) {
    const generated = await post('/sdapi/v1/txt2img', txt2img(i))
    await post('/sdapi/v1/extra-single-image', {
      image: generated.images?.[0],
      upscaler_1: 'Lanczos',
      upscaling_resize: 2,
    })
  }
  return performance.now() - start
}

async function makespan(urls: string[]): Promise<number> {
  const pool = createPool({ backends: backendsFromUrls(urls) })
  await pool.start()
  const engine = createEngine<NodeServices>({
    registry: createNodeRegistry(),
    services: { backends: pool },
    dataDir: mkdtempSync(join(tmpdir(), 'sdflow-bench-')),
    cache: createMemoryCache(),
  })
  const start = performance.now()
  const result = await engine.run(chainsWorkflow())
  const took = performance.now() - start
  await pool.close()
  if (result.status !== 'finished') throw new Error(JSON.stringify(result.issues))
  return took
}

async function perImageCost(): Promise<number> {
  const noise = Buffer.alloc(1024 * 1024 * 3)
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24
  const png = await sharp(noise, { raw: { width: 1024, height: 1024, channels: 3 } })
    .blur(3)
    .png()
    .toBuffer()
  const runs: number[] = []
  for (let i = 0; i < 15; i++) {
    // a fresh store each time, so the write is measured too; vary one byte to vary the hash
    const artifacts = createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-bench-')) })
    const text = Buffer.concat([png.subarray(0, png.length - 1), Buffer.from([i])]).toString(
      'base64',
    )
    const start = performance.now()
    await storeBase64(artifacts, text, { backend: 'bench', route: 'bench' }, 'image')
    runs.push(performance.now() - start)
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? 0
}

export async function benchBackends() {
  const emulators = await Promise.all([1, 2, 3, 4].map(() => startEmulator()))
  try {
    const urls = emulators.map((e) => e.url)
    const seq = await sequential(urls[0] ?? '')
    const perChain = seq / CHAINS
    const figures = []
    const spans: Record<number, number> = {}
    for (const k of [1, 2, 4]) {
      spans[k] = await makespan(urls.slice(0, k))
      const ideal = Math.max(perChain, seq / k)
      figures.push({
        name: `makespan / ideal, ${CHAINS} chains on ${k} backend${k > 1 ? 's' : ''} (${spans[k].toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms)`,
        value: spans[k] / ideal,
        unit: 'x',
        target: 1.05,
      })
    }
    figures.push({
      name: `sequential client / 4 backends (${seq.toFixed(0)} ms / ${(spans[4] ?? 0).toFixed(0)} ms), higher is better`,
      value: seq / (spans[4] ?? 1),
      unit: 'x',
      target: 3.8,
      higherIsBetter: true,
    })
    figures.push({
      name: 'engine cost per 1024x1024 image (base64 decode, check, hash, store)',
      value: await perImageCost(),
      unit: 'ms',
      target: 20,
    })
    return figures
  } finally {
    for (const e of emulators) e.child.kill('SIGTERM')
  }
}

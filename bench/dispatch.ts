// Dispatch benchmark (issue 16 goal 1; not a test): 16 txt2img -> img2img chains on 4 emulator
// processes (20 steps at 20 ms a step), driven by sdflow (engine + pool, as `sdflow run` builds
// them) and by a hand-written client with one async loop per backend that passes the base64 of
// each txt2img answer straight into its img2img request. Busy time and the per-job gap come
// from the emulators' own records of their FIFO lock (GET /emulator/stats `busy`).
// Run: npm run bench -- dispatch
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRuntime } from '@sdflow/server/runtime'
import { type Emulator, startEmulator } from './backends.js'

const CHAINS = 16
const BACKENDS = 4
const STEP_MS = Number(process.env.DISPATCH_STEP_MS ?? 20)
const STEPS = 20
const SIZE = Number(process.env.DISPATCH_SIZE ?? 256)
const DENOISE = 0.5
const ROUNDS = Number(process.env.DISPATCH_ROUNDS ?? 3)

interface Span {
  start: number
  end: number
}

const now = () => performance.timeOrigin + performance.now()

const txt2img = (i: number, round: number) => ({
  prompt: `chain ${i}`,
  steps: STEPS,
  width: SIZE,
  height: SIZE,
  seed: round * 1000 + i,
})
const img2img = (i: number, round: number) => ({
  prompt: `chain ${i} redrawn`,
  steps: STEPS,
  width: SIZE,
  height: SIZE,
  seed: round * 1000 + i,
  denoising_strength: DENOISE,
})

function chainsWorkflow(round: number) {
  const nodes: Record<string, object> = {}
  const outputs: Record<string, object> = {}
  for (let i = 0; i < CHAINS; i++) {
    nodes[`g${i}`] = { type: 'sd.txt2img', params: txt2img(i, round) }
    nodes[`r${i}`] = {
      type: 'sd.img2img',
      params: img2img(i, round),
      inputs: { image: { node: `g${i}`, output: 'image' } },
    }
    outputs[`o${i}`] = { node: `r${i}`, output: 'image' }
  }
  return { format: 'sdflow.workflow/1', name: 'dispatch', nodes, outputs }
}

async function post(url: string, path: string, body: unknown) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as { images: string[] }
}

/** The hand-written client: one loop per backend takes the next chain until none is left. */
export async function threadPerBackend(urls: string[], round: number): Promise<void> {
  let next = 0
  await Promise.all(
    urls.map(async (url) => {
      for (let i = next++; i < CHAINS; i = next++) {
        const generated = await post(url, '/sdapi/v1/txt2img', txt2img(i, round))
        await post(url, '/sdapi/v1/img2img', {
          ...img2img(i, round),
          init_images: [generated.images[0]],
        })
      }
    }),
  )
}

/**
 * sdflow as `sdflow run --config` builds it: engine, file cache and store, the pool. queueAhead
 * 0 is how the pool dispatched before (a job sent only to a free slot).
 */
export async function sdflow(
  urls: string[],
  round: number,
  queueAhead?: number,
): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'sdflow-dispatch-'))
  const configFile = join(dir, 'sdflow.config.json')
  const backends = urls.map((url, i) => ({ id: `b${i + 1}`, url }))
  writeFileSync(configFile, JSON.stringify({ backends, pool: { queueAhead } }))
  const runtime = await createRuntime({
    backends: 'auto',
    configFile,
    dataDir: join(dir, 'data'),
    outDir: join(dir, 'out'),
  })
  return async () => {
    try {
      const result = await runtime.engine.run(chainsWorkflow(round))
      if (result.status !== 'finished') throw new Error(JSON.stringify(result.issues))
    } finally {
      await runtime.close()
    }
  }
}

async function busySpans(url: string): Promise<Span[]> {
  const response = await fetch(`${url}/emulator/stats`)
  const stats = (await response.json()) as { busy: Span[] }
  return stats.busy
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0)
const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  )

interface Measured {
  makespan: number
  ideal: number
  busyShare: number
  gaps: number[]
}

/** Run one driver and read, from the emulators' lock records, what the backends did meanwhile. */
async function measure(urls: string[], drive: () => Promise<void>): Promise<Measured> {
  const start = now()
  await drive()
  const end = now()
  const perBackend = await Promise.all(
    urls.map(async (url) =>
      (await busySpans(url))
        .filter((s) => s.start >= start && s.end <= end)
        .sort((a, b) => a.start - b.start),
    ),
  )
  const busy = perBackend.flat().reduce((sum, s) => sum + (s.end - s.start), 0)
  const longest = Math.max(...perBackend.flat().map((s) => s.end - s.start))
  const gaps: number[] = []
  for (const spans of perBackend) {
    for (let i = 1; i < spans.length; i++) {
      gaps.push(Math.max(0, (spans[i]?.start ?? 0) - (spans[i - 1]?.end ?? 0)))
    }
  }
  const makespan = end - start
  // the ideal: the same jobs packed without a gap (a chain is two jobs; 32 jobs on 4 backends)
  const ideal = Math.max(busy / urls.length, 2 * longest)
  return { makespan, ideal, busyShare: busy / (makespan * urls.length), gaps }
}

function summarise(name: string, runs: Measured[]) {
  const gaps = runs.flatMap((r) => r.gaps).sort((a, b) => a - b)
  const ratio = median(runs.map((r) => r.makespan / r.ideal))
  const makespan = median(runs.map((r) => r.makespan))
  const ideal = median(runs.map((r) => r.ideal))
  const busy = median(runs.map((r) => r.busyShare))
  console.log(
    `[dispatch] ${name}: makespan ${makespan.toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms, ${ratio.toFixed(3)}x, busy ${(busy * 100).toFixed(1)}%, gap median ${quantile(gaps, 0.5).toFixed(1)} ms, p95 ${quantile(gaps, 0.95).toFixed(1)} ms (${gaps.length} gaps over ${runs.length} rounds)`,
  )
  return { ratio, makespan, busy, gapMedian: quantile(gaps, 0.5), gapP95: quantile(gaps, 0.95) }
}

export async function benchDispatch() {
  const emulators: Emulator[] = await Promise.all(
    Array.from({ length: BACKENDS }, () => startEmulator(STEP_MS)),
  )
  try {
    const urls = emulators.map((e) => e.url)
    // warm both paths (route compilation, first PNG encodes) before measuring
    await threadPerBackend(urls, 99)
    await (await sdflow(urls, 98))()
    const client: Measured[] = []
    const before: Measured[] = []
    const ours: Measured[] = []
    for (let round = 0; round < ROUNDS; round++) {
      client.push(await measure(urls, () => threadPerBackend(urls, round)))
      before.push(await measure(urls, await sdflow(urls, round + 100, 0)))
      ours.push(await measure(urls, await sdflow(urls, round)))
    }
    const c = summarise('thread-per-backend client', client)
    const b = summarise('sdflow, queueAhead 0 (a job sent only to a free slot, as before)', before)
    const s = summarise('sdflow (engine + pool)', ours)
    return [
      {
        name: `before: sdflow with queueAhead 0, makespan / ideal (${b.makespan.toFixed(0)} ms; busy ${(b.busy * 100).toFixed(1)}%; gap median ${b.gapMedian.toFixed(1)} ms, p95 ${b.gapP95.toFixed(1)} ms)`,
        value: b.ratio,
        unit: 'x',
        target: Number.POSITIVE_INFINITY,
      },
      {
        name: `sdflow makespan / ideal (${s.makespan.toFixed(0)} ms; busy ${(s.busy * 100).toFixed(1)}%; gap median ${s.gapMedian.toFixed(1)} ms, p95 ${s.gapP95.toFixed(1)} ms)`,
        value: s.ratio,
        unit: 'x',
        target: 1.02,
      },
      {
        name: `thread-per-backend client makespan / ideal (${c.makespan.toFixed(0)} ms; busy ${(c.busy * 100).toFixed(1)}%; gap median ${c.gapMedian.toFixed(1)} ms, p95 ${c.gapP95.toFixed(1)} ms)`,
        value: c.ratio,
        unit: 'x',
        target: Number.POSITIVE_INFINITY,
      },
      {
        name: 'sdflow makespan / client makespan',
        value: s.makespan / c.makespan,
        unit: 'x',
        target: 1,
      },
    ]
  } finally {
    for (const e of emulators) e.child.kill('SIGTERM')
  }
}

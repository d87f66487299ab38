// Server under load (issue 16 goal 7; not a test): 50 `qr-illusion` runs (workflows/, each its own
// seed) submitted at once to `sdflow serve` over 4 emulator processes; all must finish. Makespan
// against the ideal packing of the emulators' own busy time (GET /emulator/stats), and event
// latency (receipt at one WebSocket subscriber minus the event's `time`) under that load.
// Run: npm run bench -- serve-load   (SERVE_CONCURRENCY=N passes --concurrency N)
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { type Emulator, startEmulator } from './backends.js'

const RUNS = Number(process.env.SERVE_RUNS ?? 50)
const BACKENDS = 4
const STEP_MS = Number(process.env.SERVE_STEP_MS ?? 20)
const CONCURRENCY = process.env.SERVE_CONCURRENCY
const bin = new URL('../packages/cli/bin/sdflow.js', import.meta.url).pathname
const workflow = JSON.parse(
  readFileSync(new URL('../workflows/qr-illusion.json', import.meta.url), 'utf8'),
) as unknown
const tmp = () => mkdtempSync(join(tmpdir(), 'sdflow-bench-serve-'))

interface Span {
  start: number
  end: number
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

function startServer(urls: string[]) {
  const dir = tmp()
  const config = join(dir, 'sdflow.config.json')
  writeFileSync(
    config,
    JSON.stringify({ backends: urls.map((url, i) => ({ id: `b${i + 1}`, url })) }),
  )
  const args = [bin, 'serve', '--port', '0', '--quiet', '--config', config]
  args.push('--data', join(dir, 'data'), '--workflows', tmp(), '--out', join(dir, 'out'))
  if (CONCURRENCY) args.push('--concurrency', CONCURRENCY)
  const child = spawn(process.execPath, args)
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const found = /listening on (\S+)/.exec(String(chunk))?.[1]
      if (found) resolve(found)
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  return { child, url }
}

export async function benchServeLoad() {
  const emulators: Emulator[] = await Promise.all(
    Array.from({ length: BACKENDS }, () => startEmulator(STEP_MS)),
  )
  const server = startServer(emulators.map((e) => e.url))
  try {
    const url = await server.url
    const latencies: number[] = []
    const ended = new Map<string, string>()
    let allEnded: () => void = () => {}
    const finished = new Promise<void>((resolve) => {
      allEnded = resolve
    })
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/events`)
      ws.on('message', (data) => {
        const received = Date.now()
        const frame = JSON.parse(String(data)) as { type: string; time?: string; runId?: string }
        if (frame.type === 'subscribed') return resolve(ws)
        if (!frame.time) return
        latencies.push(received - Date.parse(frame.time))
        if (frame.runId && /^run\.(finished|failed|cancelled)$/.test(frame.type)) {
          ended.set(frame.runId, frame.type)
          if (ended.size === RUNS) allEnded()
        }
      })
      ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe' })))
      ws.on('error', reject)
    })
    const start = performance.timeOrigin + performance.now()
    await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const response = await fetch(`${url}/api/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ workflow, inputs: { seed: 5000 + i, text: `run ${i}` } }),
        })
        if (response.status !== 202) throw new Error(`run refused: ${await response.text()}`)
      }),
    )
    await finished
    const end = performance.timeOrigin + performance.now()
    socket.close()
    const spans = await Promise.all(
      emulators.map(async (e) => {
        const stats = (await (await fetch(`${e.url}/emulator/stats`)).json()) as { busy: Span[] }
        return stats.busy.filter((s) => s.start >= start && s.end <= end)
      }),
    )
    const busy = spans.flat().reduce((sum, s) => sum + (s.end - s.start), 0)
    const longest = Math.max(...spans.flat().map((s) => s.end - s.start))
    const ideal = Math.max(busy / BACKENDS, longest)
    const makespan = end - start
    const ok = [...ended.values()].filter((t) => t === 'run.finished').length
    latencies.sort((a, b) => a - b)
    console.log(
      `[serve-load] ${ok}/${RUNS} finished, makespan ${makespan.toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms (${spans.flat().length} jobs, busy ${((busy / (makespan * BACKENDS)) * 100).toFixed(1)}%), ${latencies.length} events, latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms; server --concurrency ${CONCURRENCY ?? 'default'}`,
    )
    return [
      { name: `runs finished of ${RUNS}`, value: ok, unit: '', target: RUNS, higherIsBetter: true },
      {
        name: `makespan / ideal (${makespan.toFixed(0)} ms vs ${ideal.toFixed(0)} ms)`,
        value: makespan / ideal,
        unit: 'x',
        target: 1.1,
      },
      {
        name: `event latency p99 under load (p50 ${percentile(latencies, 50)} ms, ${latencies.length} events)`,
        value: percentile(latencies, 99),
        unit: 'ms',
        target: 20,
      },
    ]
  } finally {
    server.child.kill('SIGTERM')
    for (const e of emulators) e.child.kill('SIGTERM')
  }
}

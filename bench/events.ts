// Event stream benchmark (not a test): 100 WebSocket subscribers on one busy run, latency from
// the engine's emit (the event's `time`) to receipt. The server is its own process, as in use.
// Run: npm run bench -- events
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'

const SUBSCRIBERS = 100
const NODES = 1000
const bin = new URL('../packages/cli/bin/sdflow.js', import.meta.url).pathname
const tmp = () => mkdtempSync(join(tmpdir(), 'sdflow-bench-events-'))

/** 1,000 independent tiny local nodes: about 2,000 events as fast as the engine makes them. */
function busyWorkflow() {
  const nodes: Record<string, object> = {}
  for (let i = 0; i < NODES; i++) {
    nodes[`m${i}`] = {
      type: 'mask.shape',
      params: { x: i % 8, y: 0, w: 4, h: 4, width: 8, height: 8 },
    }
  }
  return { format: 'sdflow.workflow/1', name: 'busy', nodes }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

export async function benchEvents() {
  const server = spawn(process.execPath, [
    bin,
    'serve',
    '--port',
    '0',
    '--quiet',
    '--data',
    tmp(),
    '--workflows',
    tmp(),
    '--out',
    tmp(),
  ])
  try {
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        const found = /listening on (\S+)/.exec(String(chunk))?.[1]
        if (found) resolve(found)
      })
      server.on('exit', (code) => reject(new Error(`server exited with ${code}`)))
    })
    const latencies: number[] = []
    let done = 0
    let allDone: () => void = () => {}
    const finished = new Promise<void>((resolve) => {
      allDone = resolve
    })
    const sockets = await Promise.all(
      Array.from(
        { length: SUBSCRIBERS },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/events`)
            socket.on('message', (data) => {
              const received = Date.now()
              const frame = JSON.parse(String(data)) as { type: string; time?: string }
              if (frame.type === 'subscribed') return resolve(socket)
              if (!frame.time) return
              latencies.push(received - Date.parse(frame.time))
              if (frame.type === 'run.finished' && ++done === SUBSCRIBERS) allDone()
            })
            socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe' })))
            socket.on('error', reject)
          }),
      ),
    )
    const response = await fetch(`${url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: busyWorkflow() }),
    })
    if (response.status !== 202) throw new Error(`run refused: ${await response.text()}`)
    await finished
    for (const socket of sockets) socket.close()
    latencies.sort((a, b) => a - b)
    const events = latencies.length / SUBSCRIBERS
    return [
      {
        name: `event latency p50, ${SUBSCRIBERS} subscribers, ${events} events each`,
        value: percentile(latencies, 50),
        unit: 'ms',
        target: 20,
      },
      { name: 'event latency p99', value: percentile(latencies, 99), unit: 'ms', target: 20 },
    ]
  } finally {
    server.kill('SIGTERM')
  }
}

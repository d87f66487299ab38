// Scale-out benchmark (not a test): the same workflows on 4 emulator backends, once in one
// process (the engine's own pool) and once through Redis (a coordinator and 4 `sdflow worker`
// processes of one backend each). Figures: makespan of 16 txt2img -> upscale chains against
// the ideal, and what the queue adds to each node (a 20-node linear chain, so no node waits
// for a free backend: each node's duration through Redis minus its duration in one process).
// Run: npm run bench -- scale-out   (needs `tsc -b` and /usr/bin/redis-server)
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backendsFromUrls, createPool } from '@sdflow/a1111'
import { createEngine, createMemoryCache } from '@sdflow/engine'
import { createNodeRegistry, type NodeServices } from '@sdflow/nodes'
import type { RunEvent } from '@sdflow/protocol'
import { CHAINS, chainsWorkflow, sequential, startEmulator } from './backends.js'

const bin = new URL('../packages/cli/bin/sdflow.js', import.meta.url).pathname
const LINE = 20

function lineWorkflow() {
  const nodes: Record<string, object> = {
    n0: {
      type: 'sd.txt2img',
      params: { prompt: 'a line', steps: 10, width: 256, height: 256, seed: 3 },
    },
  }
  for (let i = 1; i < LINE; i++) {
    nodes[`n${i}`] = {
      type: 'sd.img2img',
      params: {
        prompt: `step ${i}`,
        steps: 10,
        denoising_strength: 1,
        seed: i,
        width: 256,
        height: 256,
      },
      inputs: { image: { node: `n${i - 1}`, output: 'image' } },
    }
  }
  return {
    format: 'sdflow.workflow/1',
    name: 'line',
    nodes,
    outputs: { o: { node: `n${LINE - 1}`, output: 'image' } },
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const address = server.address()
  await new Promise((r) => server.close(r))
  return typeof address === 'object' && address ? address.port : 0
}

function launch(
  args: string[],
  ready: RegExp,
  command = process.execPath,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  return new Promise((resolve, reject) => {
    // a start line that never comes (a changed wording) fails the bench instead of hanging it
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`${args.join(' ')} did not print ${ready} within 60 s: ${out}`))
    }, 60_000)
    const onData = (d: Buffer) => {
      out += String(d)
      const match = ready.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve({ child, match })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`))
    })
  })
}

/** Per node: node.started -> node.finished in ms. */
function durations(events: readonly RunEvent[]): Map<string, number> {
  const started = new Map<string, number>()
  const took = new Map<string, number>()
  for (const e of events) {
    if (e.type === 'node.started') started.set(e.nodeId, Date.parse(e.time))
    if (e.type === 'node.finished')
      took.set(e.nodeId, Date.parse(e.time) - (started.get(e.nodeId) ?? 0))
  }
  return took
}

async function local(
  urls: string[],
  workflow: object,
): Promise<{ ms: number; events: RunEvent[] }> {
  const pool = createPool({ backends: backendsFromUrls(urls) })
  await pool.start()
  const engine = createEngine<NodeServices>({
    registry: createNodeRegistry(),
    services: { backends: pool },
    dataDir: mkdtempSync(join(tmpdir(), 'sdflow-bench-')),
    cache: createMemoryCache(),
  })
  const events: RunEvent[] = []
  const start = performance.now()
  const result = await engine.run(workflow, { onEvent: (e) => events.push(e) })
  const ms = performance.now() - start
  await pool.close()
  if (result.status !== 'finished') throw new Error(JSON.stringify(result.issues))
  return { ms, events }
}

async function remote(
  server: string,
  workflow: object,
): Promise<{ ms: number; events: RunEvent[] }> {
  const start = performance.now()
  const res = await fetch(`${server}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow }),
  })
  const { runId } = (await res.json()) as { runId: string }
  for (;;) {
    const run = (await (await fetch(`${server}/api/runs/${runId}`)).json()) as { status: string }
    if (run.status === 'finished') break
    if (run.status === 'failed' || run.status === 'cancelled') throw new Error(`run ${run.status}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  const ms = performance.now() - start
  const { default: WebSocket } = await import('ws')
  const events = await new Promise<RunEvent[]>((resolve) => {
    const list: RunEvent[] = []
    const ws = new WebSocket(`${server.replace(/^http/, 'ws')}/api/events?runId=${runId}`)
    ws.on('message', (data) => {
      const e = JSON.parse(String(data)) as RunEvent
      if ('seq' in e) list.push(e)
      if (e.type === 'run.finished') {
        ws.close()
        resolve(list)
      }
    })
  })
  return { ms, events }
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0

export async function benchScaleOut() {
  const emulators = await Promise.all([1, 2, 3, 4].map(() => startEmulator()))
  const children: ChildProcess[] = emulators.map((e) => e.child)
  try {
    const urls = emulators.map((e) => e.url)
    const port = await freePort()
    const redis = await launch(
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        mkdtempSync(join(tmpdir(), 'sdflow-bench-redis-')),
      ],
      /Ready to accept connections/,
      '/usr/bin/redis-server',
    )
    children.push(redis.child)
    const redisUrl = `redis://127.0.0.1:${port}`
    const dir = mkdtempSync(join(tmpdir(), 'sdflow-bench-'))
    const coordinator = await launch(
      [
        bin,
        'serve',
        '--port',
        '0',
        '--quiet',
        '--redis',
        redisUrl,
        '--data',
        join(dir, 'data'),
        '--out',
        join(dir, 'out'),
        '--concurrency',
        '1',
      ],
      /listening on (http:\/\/\S+)/,
    )
    children.push(coordinator.child)
    const server = coordinator.match[1] ?? ''
    for (const [i, url] of urls.entries()) {
      const worker = await launch(
        [
          bin,
          'worker',
          '--redis',
          redisUrl,
          '--server',
          server,
          '--backend',
          url,
          '--name',
          `bench${i + 1}`,
        ],
        /ready: 1 backends, \d+ slots/,
      )
      children.push(worker.child)
    }
    // every worker's heartbeat is in before the first run
    await new Promise((r) => setTimeout(r, 1500))

    const seq = await sequential(urls[0] ?? '')
    const ideal = Math.max(seq / CHAINS, seq / 4)
    const single = await local(urls, chainsWorkflow())
    const spread = await remote(server, chainsWorkflow())

    const lineLocal = await local(urls, lineWorkflow())
    const lineRemote = await remote(server, lineWorkflow())
    const a = durations(lineLocal.events)
    const b = durations(lineRemote.events)
    const added = [...b].map(([id, ms]) => ms - (a.get(id) ?? ms)).sort((x, y) => x - y)
    return [
      {
        name: `makespan / ideal, ${CHAINS} chains, one process on 4 backends (${single.ms.toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms)`,
        value: single.ms / ideal,
        unit: 'x',
        target: 1.05,
      },
      {
        name: `makespan / ideal, ${CHAINS} chains, 4 workers x 1 backend through Redis (${spread.ms.toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms)`,
        value: spread.ms / ideal,
        unit: 'x',
        target: 1.15,
      },
      {
        name: `queue's added latency per node, median of ${added.length} (linear chain)`,
        value: quantile(added, 0.5),
        unit: 'ms',
        target: 50,
      },
      {
        name: `queue's added latency per node, p95 of ${added.length} (linear chain)`,
        value: quantile(added, 0.95),
        unit: 'ms',
        target: 150,
      },
    ]
  } finally {
    const exits = children.map(
      (c) =>
        new Promise((r) =>
          c.exitCode !== null || c.signalCode !== null ? r(0) : c.once('exit', r),
        ),
    )
    for (const child of children.reverse()) child.kill('SIGTERM')
    await Promise.all(exits)
  }
}

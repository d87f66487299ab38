// Case 9: a 10 000-node workflow through the server: validated, planned and run without a
// stack overflow, its event stream bounded and delivered whole to a live subscriber.
import { join } from 'node:path'
import { createEngine } from '@sdflow/engine'
import { type StartedServer, startServer } from '@sdflow/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testRegistry } from '../../packages/engine/src/nodes.test-support.js'
import { Observer, tempDir, wsUrl } from './rig.test-support.js'

const N = 10_000
let server: StartedServer
let dir: Awaited<ReturnType<typeof tempDir>>

beforeAll(async () => {
  dir = await tempDir('sdflow-large-')
  const engine = createEngine({
    registry: testRegistry(),
    services: {},
    dataDir: join(dir.path, 'data'),
  })
  server = await startServer({
    port: 0,
    logger: false,
    dataDir: join(dir.path, 'data'),
    bodyLimit: 16 * 1024 * 1024,
    runtime: { engine: engine as never, close: async () => {} },
  })
})
afterAll(async () => {
  await server.close()
  await dir.remove()
})

/** const -> add -> add -> ... : one chain N nodes deep, each adding the constant (no cache hit). */
function chain(n: number, ring = false): Record<string, unknown> {
  const nodes: Record<string, unknown> = {
    n0: ring
      ? { type: 'test.add', inputs: { a: { node: `n${n - 1}`, output: 'sum' } } }
      : { type: 'test.const', params: { value: 1 } },
  }
  for (let i = 1; i < n; i++) {
    const from =
      i === 1 && !ring ? { node: 'n0', output: 'value' } : { node: `n${i - 1}`, output: 'sum' }
    const b = ring ? {} : { b: { node: 'n0', output: 'value' } }
    nodes[`n${i}`] = { type: 'test.add', inputs: { a: from, ...b } }
  }
  return { format: 'sdflow.workflow/1', name: 'chain', nodes }
}

async function post(body: unknown) {
  return fetch(`${server.url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

describe('a 10 000-node workflow', () => {
  it('validates, runs to the end and streams every event once to a live subscriber', async () => {
    const started = Date.now()
    const res = await post({ workflow: chain(N) })
    expect(res.status).toBe(202)
    const acceptedMs = Date.now() - started
    const { runId } = (await res.json()) as { runId: string }
    // answered while the run goes on: a run of instant nodes does not starve the event loop
    const early = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as {
      status: string
    }
    expect(['queued', 'running']).toContain(early.status)
    const live = Observer.connect(wsUrl(server.url, `/api/events?runId=${runId}`))
    await live.until('run end', (f) => f.type === 'run.finished' || f.type === 'run.failed', 60_000)
    const tookMs = Date.now() - started
    const end = live.events.at(-1)
    expect(end?.type).toBe('run.finished')
    expect(end && 'summary' in end ? end.summary : undefined).toMatchObject({ planned: N, ran: N })
    // bounded: queued, started, 2 per node, finished; no duplicate, no gap
    const seqs = live.events.map((e) => e.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    expect(seqs.length).toBe(2 * N + 3)
    const run = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as {
      outputs: unknown
      nodes: Record<string, { status: string; outputs?: { sum?: number } }>
    }
    expect(run.nodes[`n${N - 1}`]).toMatchObject({ status: 'done', outputs: { sum: N } })
    await live.close()
    // generous bounds: a regression to quadratic work or a stack overflow shows up here
    expect(tookMs).toBeLessThan(30_000)
    process.stdout.write(
      `[figures] 10 000-node chain: accepted in ${acceptedMs} ms, run and streamed in ${tookMs} ms\n`,
    )
  })

  it('reports a 10 000-node cycle as one issue instead of overflowing the stack', async () => {
    const res = await post({ workflow: chain(N, true) })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { code: string; issues: { code: string }[] }
    expect(body.code).toBe('SDF_GRAPH_CYCLE')
    expect(body.issues.filter((i) => i.code === 'SDF_GRAPH_CYCLE')).toHaveLength(1)
  })
})

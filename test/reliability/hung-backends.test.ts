// Cases 3, 4, 5, 6: a backend that never answers, one slow but moving, one whose progress
// freezes, one killed mid-request and restarted.
import { createServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import type { RunEvent } from '@sdflow/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import {
  killChildServers,
  startListening,
} from '../../packages/server/src/child-server.test-support.js'
import {
  emulators,
  eventsOf,
  filesUnder,
  gen,
  requests,
  rig,
  save,
  settled,
  submit,
  waitFor,
  workflowOf,
} from './rig.test-support.js'

const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
  await killChildServers()
})

const oneImage = (params: Record<string, unknown> = {}) =>
  workflowOf({ gen: gen({ seed: -1, ...params }), save: save('gen', 'img') })

const retries = (events: RunEvent[]) =>
  events.flatMap((e) => (e.type === 'node.retrying' ? [e] : []))

/** ms from the node's start to its first retry notice, and to its result. */
function timeline(events: RunEvent[]): { detectedMs: number; doneMs: number } {
  const at = (type: string) => Date.parse(events.find((e) => e.type === type)?.time ?? '')
  const start = at('node.started')
  return { detectedMs: at('node.retrying') - start, doneMs: at('node.finished') - start }
}

async function twoBackends(timeouts: { requestMs: number; frozenMs: number }) {
  const [a, b] = (await emulators(2)) as [RunningEmulator, RunningEmulator]
  const r = await rig([
    { id: 'a', url: a.url, timeouts },
    { id: 'b', url: b.url, timeouts },
  ])
  cleanup.push(
    () => a.close(),
    () => b.close(),
    () => r.close(),
  )
  return { a, b, r }
}

describe('a backend that accepts and never answers', () => {
  it('times the request out, closes its socket, interrupts, marks the backend down and completes elsewhere', async () => {
    const { a, b, r } = await twoBackends({ requestMs: 1_500, frozenMs: 60_000 })
    a.injectFault({ route: '/sdapi/v1/txt2img', kind: 'hang' })
    const started = Date.now()
    const runId = await submit(r.app, oneImage())
    const run = await settled(r.app, runId)
    expect(run.status).toBe('finished')
    expect(run.nodes.gen).toMatchObject({ status: 'done', backend: 'b', attempts: 2 })
    const [retry] = retries(eventsOf(r.app, runId))
    expect(retry).toMatchObject({ backend: 'a', issue: { code: 'SDF_BACKEND_TIMEOUT' } })
    expect(retry?.issue.message).toMatch(/no answer within 1500 ms/)
    // the hung request's connection was closed by sdflow, not left open
    expect(a.stats().abandoned['/sdapi/v1/txt2img']).toBe(1)
    expect(requests(a, '/sdapi/v1/interrupt')).toBeGreaterThanOrEqual(1)
    // marked down (it may be probed back up before anyone looks: count, do not sample)
    expect(
      r.app.sdflow.runtime.pool?.list().find((s) => s.id === 'a')?.downs,
    ).toBeGreaterThanOrEqual(1)
    expect(requests(b)).toBe(1)
    expect(Date.now() - started).toBeLessThan(15_000)
    const t = timeline(eventsOf(r.app, runId))
    process.stdout.write(
      `[figures] hung backend: timed out after ${t.detectedMs} ms, node done after ${t.doneMs} ms\n`,
    )
  })
})

describe('a slow backend whose progress moves', () => {
  it('is not treated as hung, even far past frozenMs', async () => {
    const [slow] = (await emulators(1, { stepMs: 50 })) as [RunningEmulator]
    const r = await rig([{ id: 'slow', url: slow.url, timeouts: { frozenMs: 700 } }])
    cleanup.push(
      () => slow.close(),
      () => r.close(),
    )
    // 4x slower steps (200 ms each) and a late start: 12 steps take about 2.7 s
    slow.injectFault({ route: '/sdapi/v1/txt2img', kind: 'slow', delayMs: 300 })
    const run = await settled(r.app, await submit(r.app, oneImage({ steps: 12 })))
    expect(run.status).toBe('finished')
    expect(run.nodes.gen).toMatchObject({ status: 'done', attempts: 1 })
    expect(run.nodes.gen?.durationMs).toBeGreaterThan(3 * 700)
    const events = eventsOf(r.app, run.id)
    expect(retries(events)).toEqual([])
    expect(events.filter((e) => e.type === 'node.progress').length).toBeGreaterThanOrEqual(3)
    expect(requests(slow)).toBe(1)
    expect(requests(slow, '/sdapi/v1/interrupt')).toBe(0)
  })
})

describe('a backend whose progress freezes mid-job', () => {
  it('is detected before the hard timeout and the node is re-dispatched', async () => {
    const { a, b, r } = await twoBackends({ requestMs: 30_000, frozenMs: 800 })
    a.injectFault({ route: '/sdapi/v1/txt2img', kind: 'freeze' })
    const started = Date.now()
    const run = await settled(r.app, await submit(r.app, oneImage({ steps: 20 })))
    const tookMs = Date.now() - started
    expect(run.status).toBe('finished')
    expect(run.nodes.gen).toMatchObject({ status: 'done', backend: 'b', attempts: 2 })
    const events = eventsOf(r.app, run.id)
    const [retry] = retries(events)
    expect(retry).toMatchObject({ backend: 'a', issue: { code: 'SDF_BACKEND_FROZEN' } })
    // progress had moved on "a" before it froze
    expect(events.some((e) => e.type === 'node.progress' && e.backend === 'a' && e.step > 0)).toBe(
      true,
    )
    expect(a.stats().abandoned['/sdapi/v1/txt2img']).toBe(1)
    expect(requests(a, '/sdapi/v1/interrupt')).toBeGreaterThanOrEqual(1)
    expect(requests(b)).toBe(1)
    // well before the 30 s hard limit
    expect(tookMs).toBeLessThan(10_000)
    const t = timeline(events)
    process.stdout.write(
      `[figures] frozen progress: detected after ${t.detectedMs} ms, node done after ${t.doneMs} ms\n`,
    )
  })
})

const emulatorEntry = fileURLToPath(new URL('./emulator-process.test-support.ts', import.meta.url))

/** A port that accepts and resets every connection, counting them: a backend still down. */
async function countingResetter(port: number) {
  const sockets = new Set<Socket>()
  let connections = 0
  const server = createServer((socket) => {
    connections++
    socket.destroy()
  })
  server.on('connection', (s) => sockets.add(s))
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('a backend killed mid-request and restarted', () => {
  it('is marked down, probed with backoff, and the node reruns once with one recorded result', async () => {
    const first = await startListening(emulatorEntry, ['0', '50'])
    const port = Number(new URL(first.url).port)
    const r = await rig([{ id: 'k', url: first.url, timeouts: { probeMs: 300 } }], {
      pool: {
        probeIntervalMs: 300,
        downBackoff: { baseMs: 100, maxMs: 800 },
        retryBackoff: { baseMs: 20, maxMs: 50 },
        queueTimeoutMs: 30_000,
      },
    })
    cleanup.push(() => r.close())
    const runId = await submit(r.app, oneImage({ steps: 40 }))
    await waitFor(
      () =>
        eventsOf(r.app, runId).some((e) => e.type === 'node.progress' && e.step > 2) || undefined,
      'generation under way',
    )
    first.process.kill('SIGKILL')
    await first.exited
    await waitFor(
      () => r.app.sdflow.runtime.pool?.list()[0]?.health === 'down' || undefined,
      'k marked down',
    )
    // down for 2 s: probes back off (100 ms doubling to 800 ms) instead of hammering the port
    const resetter = await countingResetter(port)
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    await resetter.close()
    expect(resetter.connections()).toBeGreaterThanOrEqual(1)
    expect(resetter.connections()).toBeLessThanOrEqual(8)
    expect(r.app.sdflow.runtime.pool?.list()[0]?.health).toBe('down')
    expect(eventsOf(r.app, runId).some((e) => e.type === 'node.finished')).toBe(false)

    const second = await startListening(emulatorEntry, [String(port), '5'])
    const back = Date.now()
    const run = await settled(r.app, runId)
    const recoveryMs = Date.now() - back
    expect(run.status).toBe('finished')
    expect(run.nodes.gen).toMatchObject({ status: 'done', backend: 'k', attempts: 2 })
    const events = eventsOf(r.app, runId)
    expect(events.filter((e) => e.type === 'node.finished' && e.nodeId === 'gen')).toHaveLength(1)
    expect(retries(events)[0]?.issue.code).toBe('SDF_BACKEND_UNREACHABLE')
    const stats = (await (await fetch(`${second.url}/emulator/stats`)).json()) as {
      requests: Record<string, number>
    }
    expect(stats.requests['/sdapi/v1/txt2img']).toBe(1) // the rerun, once
    expect(filesUnder(r.out)).toEqual(['img-00001.png'])
    expect(recoveryMs).toBeLessThan(10_000)
    process.stdout.write(`[figures] killed backend: node finished ${recoveryMs} ms after restart\n`)
  })
})

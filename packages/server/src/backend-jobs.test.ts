import type { RunEvent } from '@sdflow/protocol'
import { describe, expect, it } from 'vitest'
import { trackBackendJobs } from './backend-jobs.js'
import { createEventHub } from './event-hub.js'

const base = { runId: 'r1', time: '2026-11-25T00:00:00.000Z' }
let seq = 0
const event = (body: object) => ({ ...base, seq: ++seq, ...body }) as RunEvent

describe('trackBackendJobs', () => {
  it('shows the node a backend works on until it ends', () => {
    const hub = createEventHub()
    const jobs = trackBackendJobs(hub)
    hub.publish(
      event({
        type: 'node.progress',
        nodeId: 'gen',
        step: 3,
        total: 20,
        fraction: 0.15,
        backend: 'gpu1',
      }),
      1,
    )
    expect(jobs.of('gpu1')).toEqual([{ runId: 'r1', nodeId: 'gen', step: 3, total: 20 }])
    hub.publish(
      event({
        type: 'node.progress',
        nodeId: 'gen',
        step: 4,
        total: 20,
        fraction: 0.2,
        backend: 'gpu1',
      }),
      2,
    )
    expect(jobs.of('gpu1')).toEqual([{ runId: 'r1', nodeId: 'gen', step: 4, total: 20 }])
    hub.publish(
      event({ type: 'node.finished', nodeId: 'gen', outputs: {}, files: [], durationMs: 5 }),
      3,
    )
    expect(jobs.of('gpu1')).toEqual([])
  })

  it('forgets every job of a run that ends', () => {
    const hub = createEventHub()
    const jobs = trackBackendJobs(hub)
    hub.publish(
      event({
        type: 'node.progress',
        nodeId: 'a',
        step: 1,
        total: 2,
        fraction: 0.5,
        backend: 'gpu1',
      }),
      1,
    )
    hub.publish(
      event({
        type: 'node.progress',
        nodeId: 'b',
        step: 1,
        total: 2,
        fraction: 0.5,
        backend: 'gpu2',
      }),
      2,
    )
    hub.publish(
      event({
        type: 'run.cancelled',
        files: [],
        summary: { planned: 2, ran: 0, cached: 0, failed: 0, skipped: 0, durationMs: 1 },
      }),
      3,
    )
    expect([...jobs.of('gpu1'), ...jobs.of('gpu2')]).toEqual([])
  })
})

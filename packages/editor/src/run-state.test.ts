import type { Issue, RunEvent, RunEventBody } from '@sdflow/protocol'
import { describe, expect, it } from 'vitest'
import { formatEta, idleRun, imagesOf, isActive, type RunView, runReducer } from './run-state.js'

const hash = (c: string) => c.repeat(64)
const image = (c: string) => ({ hash: hash(c), width: 64, height: 64, mime: 'image/png' as const })
const failure: Issue = {
  code: 'SDF_BACKEND_ERROR',
  pointer: '/nodes/up',
  message: 'boom',
  severity: 'error',
}

function stream(runId: string, bodies: RunEventBody[]): RunEvent[] {
  return bodies.map(
    (b, i) => ({ ...b, runId, seq: i + 1, time: '2026-11-25T10:00:00.000Z' }) as RunEvent,
  )
}

const summary = { planned: 3, ran: 2, cached: 1, failed: 0, skipped: 0, durationMs: 10 }
const happy = stream('r1', [
  { type: 'run.queued' },
  { type: 'run.started', workflow: 'w', nodes: ['gen', 'up', 'save'] },
  { type: 'node.started', nodeId: 'gen', nodeType: 'sd.txt2img', backend: 'emu' },
  {
    type: 'node.progress',
    nodeId: 'gen',
    step: 3,
    total: 10,
    fraction: 0.3,
    eta: 2,
    preview: hash('p'),
  },
  {
    type: 'node.finished',
    nodeId: 'gen',
    outputs: { image: [image('a')], seeds: 7 },
    files: [],
    durationMs: 5,
  },
  { type: 'node.cached', nodeId: 'up', outputs: { image: [image('b')] }, files: [] },
  { type: 'node.started', nodeId: 'save', nodeType: 'image.save' },
  {
    type: 'node.finished',
    nodeId: 'save',
    outputs: { image: [image('c')] },
    files: ['x.png'],
    durationMs: 1,
  },
  { type: 'run.finished', outputs: {}, files: ['x.png'], summary },
])

const fold = (events: RunEvent[], from: RunView = idleRun) =>
  events.reduce((s, event) => runReducer(s, { type: 'event', event }), from)

describe('run state reducer', () => {
  it('marks every planned node queued when the run starts', () => {
    const s = fold(happy.slice(0, 2))
    expect(s.phase).toBe('running')
    expect(Object.values(s.nodes).map((n) => n.status)).toEqual(['queued', 'queued', 'queued'])
  })

  it('shows step, total, ETA and the live preview while a node samples', () => {
    const s = fold(happy.slice(0, 4))
    expect(s.nodes.gen).toMatchObject({
      status: 'running',
      backend: 'emu',
      progress: { step: 3, total: 10, eta: 2 },
      preview: hash('p'),
    })
  })

  it('keeps the images of finished and cached nodes and ends finished', () => {
    const s = fold(happy)
    expect(s.phase).toBe('finished')
    expect(s.nodes.gen?.status).toBe('done')
    expect(s.nodes.gen?.images).toEqual([image('a')])
    expect(s.nodes.up?.status).toBe('cached')
    expect(s.nodes.up?.images).toEqual([image('b')])
    expect(s.nodes.gen?.values).toEqual({ seeds: 7 })
    expect(s.nodes.up?.values).toBeUndefined()
    expect(s.lastSeq).toBe(happy.length)
    expect(s.log.map((l) => l.text)).toContain('up cached')
  })

  it('ignores repeated and older events, so a replay after reconnecting changes nothing', () => {
    const once = fold(happy)
    expect(fold(happy, once)).toBe(once)
  })

  it('ignores events of another run once it follows one', () => {
    const s = runReducer(idleRun, { type: 'submitted', runId: 'r1' })
    expect(fold(stream('r2', [{ type: 'run.queued' }]), s)).toBe(s)
  })

  it('rebuilds the same state from seq 0 as it had live', () => {
    const live = fold(happy, runReducer(idleRun, { type: 'submitted', runId: 'r1' }))
    const rebuilt = fold(happy, runReducer(idleRun, { type: 'submitted', runId: 'r1' }))
    expect(rebuilt).toEqual(live)
  })

  it('records failed and skipped nodes with their issue and the run issues', () => {
    const events = stream('r1', [
      { type: 'run.started', workflow: 'w', nodes: ['gen', 'up'] },
      { type: 'node.started', nodeId: 'gen', nodeType: 'sd.txt2img' },
      { type: 'node.failed', nodeId: 'gen', issue: failure },
      {
        type: 'node.skipped',
        nodeId: 'up',
        issue: { ...failure, code: 'SDF_RUN_UPSTREAM_FAILED' },
      },
      { type: 'run.failed', issues: [failure], files: [], summary },
    ])
    const s = fold(events)
    expect(s.phase).toBe('failed')
    expect(s.nodes.gen).toMatchObject({ status: 'failed', issue: failure })
    expect(s.nodes.up?.status).toBe('skipped')
    expect(s.issues).toEqual([failure])
    expect(isActive(s.phase)).toBe(false)
  })

  it('ends cancelled on run.cancelled', () => {
    const s = fold(
      stream('r1', [{ type: 'run.queued' }, { type: 'run.cancelled', files: [], summary }]),
    )
    expect(s.phase).toBe('cancelled')
  })

  it('finds images among outputs and leaves other values', () => {
    expect(imagesOf({ image: [image('a'), image('b')], seeds: 3, mask: image('c') })).toHaveLength(
      3,
    )
    expect(imagesOf({ text: 'x', n: [1, 2] })).toEqual([])
  })

  it('formats an ETA in seconds or minutes', () => {
    expect(formatEta(4.4)).toBe('4s')
    expect(formatEta(65)).toBe('1:05')
  })
})

describe('runs that end early or leave nodes out', () => {
  const notPlanned = {
    code: 'SDF_RUN_NOT_PLANNED',
    pointer: '/nodes/verify',
    message: 'feeds no output',
    severity: 'warning',
  } as unknown as Issue
  const apply = (events: RunEvent[]) =>
    events.reduce((s, event) => runReducer(s, { type: 'event', event }), idleRun)

  it('shows a node the plan left out as not-run, with the reason', () => {
    const run = apply(
      stream('r3', [
        { type: 'run.started', workflow: 'w', nodes: ['gen'] },
        { type: 'node.skipped', nodeId: 'verify', issue: notPlanned },
      ]),
    )
    expect(run.nodes.verify).toMatchObject({
      status: 'not-run',
      issue: { message: 'feeds no output' },
    })
    expect(run.log.at(-1)?.text).toBe('verify not run: feeds no output')
  })

  it('clears every queued and running badge when the run is cancelled', () => {
    const run = apply(
      stream('r4', [
        { type: 'run.started', workflow: 'w', nodes: ['gen', 'up', 'save'] },
        { type: 'node.started', nodeId: 'gen', nodeType: 'sd.txt2img' },
        { type: 'node.progress', nodeId: 'gen', step: 1, total: 10, fraction: 0.1 },
        {
          type: 'run.cancelled',
          files: [],
          summary: { ...summary, ran: 0, cached: 0 },
        },
      ]),
    )
    expect(Object.values(run.nodes).map((n) => n.status)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ])
    expect(run.nodes.gen?.progress).toBeUndefined()
  })

  it('logs every file a node wrote, linked to the image it holds', () => {
    const run = apply(happy)
    const line = run.log.find((l) => l.file)
    expect(line).toMatchObject({
      text: 'save wrote x.png',
      file: { path: 'x.png', hash: hash('c') },
    })
  })
})

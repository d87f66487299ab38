import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import type { RunEvent } from '@sdflow/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEventHub } from './event-hub.js'
import { openRunStore } from './run-store.js'
import {
  backendWorkflow,
  type Frame,
  Observer,
  qrWorkflow,
  tempDir,
  waitFor,
  wsUrl,
} from './server.test-support.js'
import { type StartedServer, startServer } from './start.js'
import { CloseCodes, type EventSocket, Subscription } from './ws/subscription.js'

let emulator: RunningEmulator
let server: StartedServer
let dir: Awaited<ReturnType<typeof tempDir>>
const observers: Observer[] = []

beforeAll(async () => {
  dir = await tempDir()
  emulator = await startEmulator({ stepMs: 25 })
  server = await startServer({
    port: 0,
    logger: false,
    dataDir: join(dir.path, 'data'),
    workflowsDir: join(dir.path, 'wf'),
    runtimeOptions: {
      backends: 'auto',
      backendUrls: [emulator.url],
      outDir: join(dir.path, 'out'),
    },
  })
})
afterAll(async () => {
  await Promise.all(observers.map((o) => o.close()))
  await server.close()
  await emulator.close()
  await dir.remove()
})

function observe(path: string, onFrame?: (frame: Frame, o: Observer) => void): Observer {
  const o = Observer.connect(wsUrl(server.url, path), {}, onFrame)
  observers.push(o)
  return o
}

async function submit(workflow: unknown): Promise<string> {
  const res = await fetch(`${server.url}/api/runs`, {
    method: 'POST',
    body: JSON.stringify({ workflow }),
    headers: { 'content-type': 'application/json' },
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { runId: string }).runId
}

const runEvents = (o: Observer, runId: string) => o.events.filter((e) => e.runId === runId)
const finished = (runId: string) => (f: Frame) =>
  typeof f.type === 'string' &&
  ['run.finished', 'run.failed', 'run.cancelled'].includes(f.type) &&
  f.runId === runId
const seqs = (events: RunEvent[]) => events.map((e) => e.seq)
const gapless = (events: RunEvent[], from = 1) =>
  expect(seqs(events)).toEqual(events.map((_, i) => i + from))

describe('event stream', () => {
  it('replays a whole run to a late subscriber, in order, without gaps', async () => {
    const runId = await submit(qrWorkflow('late'))
    const live = observe(`/api/events?runId=${runId}`)
    await live.until('finish', finished(runId))
    const late = observe('/api/events')
    await late.open()
    late.subscribe({ runId })
    await late.until('finish', finished(runId))
    const events = runEvents(late, runId)
    gapless(events)
    expect(events[0]?.type).toBe('run.queued')
    expect(events[1]?.type).toBe('run.started')
    expect(late.frames[0]).toMatchObject({ type: 'subscribed', runId, since: 0 })
    await late.until('caught-up', (f) => f.type === 'caught-up')
    expect(events).toEqual(runEvents(live, runId))
  })

  it('replays from a sequence number', async () => {
    const runId = await submit(qrWorkflow('since'))
    const whole = observe(`/api/events?runId=${runId}`)
    await whole.until('finish', finished(runId))
    const from3 = observe(`/api/events?runId=${runId}&since=3`)
    await from3.until('finish', finished(runId))
    expect(runEvents(from3, runId)).toEqual(runEvents(whole, runId).slice(3))
    expect(runEvents(from3, runId)[0]?.seq).toBe(4)
  })

  it('gives two observers the same stream, and a reconnecting one misses and repeats nothing', async () => {
    const runId = await submit(backendWorkflow(40))
    const a = observe(`/api/events?runId=${runId}`)
    const b = observe(`/api/events?runId=${runId}`)
    // c drops its connection after the first progress event, then resumes from its last seq
    const c1 = observe(`/api/events?runId=${runId}`)
    await c1.until('progress', (f) => f.type === 'node.progress')
    await c1.close()
    const seen1 = runEvents(c1, runId)
    const last = seen1[seen1.length - 1]?.seq ?? 0
    expect(last).toBeGreaterThan(2)
    const c2 = observe(`/api/events?runId=${runId}&since=${last}`)
    await Promise.all([a, b, c2].map((o) => o.until('finish', finished(runId), 20_000)))

    const all = runEvents(a, runId)
    gapless(all)
    expect(all.filter((e) => e.type === 'node.progress').length).toBeGreaterThan(2)
    expect(runEvents(b, runId)).toEqual(all)
    const c = [...seen1, ...runEvents(c2, runId)]
    expect(c).toEqual(all)
    expect(new Set(seqs(c)).size).toBe(c.length)
    expect(all.at(-1)?.type).toBe('run.finished')
  })

  it('streams every run to an all-runs subscriber, resumable by cursor', async () => {
    const all = observe('/api/events')
    await all.open()
    all.subscribe({})
    await all.until('subscribed', (f) => f.type === 'subscribed')
    const r1 = await submit(qrWorkflow('one'))
    const r2 = await submit(qrWorkflow('two'))
    await all.until('r1', finished(r1))
    await all.until('r2', finished(r2))
    gapless(runEvents(all, r1))
    gapless(runEvents(all, r2))
    const cursors = all.events.map((e) => e.cursor)
    expect([...cursors].sort((x, y) => x - y)).toEqual(cursors)
    // from a cursor in the middle: exactly what followed it
    const mid = all.events[3]
    const again = observe(`/api/events?since=${mid?.cursor}`)
    await again.until('r2', finished(r2))
    expect(again.events).toEqual(all.events.slice(4))
  })

  it('closes with 4404 for an unknown run and 4400 for a bad message', async () => {
    const unknown = observe('/api/events?runId=nope')
    expect((await unknown.waitClosed()).code).toBe(CloseCodes.UnknownRun)
    const bad = observe('/api/events')
    await bad.open()
    bad.ws.send('{"type":"hello"}')
    expect((await bad.waitClosed()).code).toBe(CloseCodes.BadSubscribe)
    const badSince = observe('/api/events?since=-1')
    await expect(badSince.open()).rejects.toThrow(/400/)
  })
})

describe('slow clients', () => {
  it('are closed with 4008 once their buffer passes the limit; the publisher never waits', async () => {
    const d = await tempDir()
    const store = openRunStore(join(d.path, 'runs.sqlite'))
    const hub = createEventHub()
    try {
      store.createRun({ id: 'r', workflow: 'w', doc: {}, inputs: {}, createdAt: '' })
      const sent: string[] = []
      const closes: number[] = []
      const socket: EventSocket & { bufferedAmount: number } = {
        bufferedAmount: 0,
        readyState: 1,
        send(data, cb) {
          sent.push(data)
          cb?.()
        },
        close(code) {
          if (code !== undefined) closes.push(code)
        },
      }
      const sub = new Subscription(
        socket,
        store,
        hub,
        { runId: 'r' },
        {
          maxBufferedBytes: 1000,
          maxQueuedEvents: 100,
          replayPageSize: 10,
        },
      )
      await sub.start()
      const emit = (seq: number) => {
        const event = { type: 'run.queued', runId: 'r', seq, time: '' } as RunEvent
        hub.publish(event, store.append(event))
      }
      emit(1)
      emit(2)
      expect(sent.filter((s) => s.includes('"seq"'))).toHaveLength(2)
      socket.bufferedAmount = 5000 // the client stopped reading
      emit(3)
      expect(closes).toEqual([CloseCodes.SlowConsumer])
      expect(hub.size).toBe(0)
      emit(4) // nobody is slowed down
      expect(sent.filter((s) => s.includes('"seq"'))).toHaveLength(2)
    } finally {
      store.close()
      await d.remove()
    }
  })

  it('are closed with 4008 when too many live events pile up during a replay', async () => {
    const d = await tempDir()
    const store = openRunStore(join(d.path, 'runs.sqlite'))
    const hub = createEventHub()
    try {
      store.createRun({ id: 'r', workflow: 'w', doc: {}, inputs: {}, createdAt: '' })
      for (let seq = 1; seq <= 5; seq++) {
        store.append({ type: 'run.queued', runId: 'r', seq, time: '' } as RunEvent)
      }
      const closes: number[] = []
      let release: (() => void) | undefined
      const socket: EventSocket = {
        bufferedAmount: 0,
        readyState: 1,
        send(_data, cb) {
          // the replay page is never written: the client does not read
          if (cb) release = cb
        },
        close(code) {
          if (code !== undefined) closes.push(code)
        },
      }
      const sub = new Subscription(
        socket,
        store,
        hub,
        { runId: 'r' },
        {
          maxBufferedBytes: 1_000_000,
          maxQueuedEvents: 3,
          replayPageSize: 100,
        },
      )
      const started = sub.start()
      for (let seq = 6; seq <= 10; seq++) {
        const event = { type: 'run.queued', runId: 'r', seq, time: '' } as RunEvent
        hub.publish(event, store.append(event))
      }
      expect(closes).toEqual([CloseCodes.SlowConsumer])
      release?.()
      await started
    } finally {
      store.close()
      await d.remove()
    }
  })
})

describe('shutdown', () => {
  it('closes observers with 1001', async () => {
    const d = await tempDir()
    const s = await startServer({
      port: 0,
      logger: false,
      dataDir: join(d.path, 'data'),
      runtimeOptions: { backends: 'none' },
    })
    const o = Observer.connect(wsUrl(s.url, '/api/events'))
    await o.open()
    await s.close()
    expect((await waitFor(() => o.closed, 'close')).code).toBe(CloseCodes.GoingAway)
    await d.remove()
  })
})

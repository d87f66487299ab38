// Cases 13, 15, 16: a WebSocket client gone mid-run; the server SIGKILLed mid-run and
// restarted (with the CLI following it); SIGTERM mid-run.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import type { RunEvent } from '@sdflow/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ChildServer,
  killChildServers,
  startServerProcess,
} from '../../packages/server/src/child-server.test-support.js'
import { followWithCli } from './cli-process.test-support.js'
import {
  emulators,
  filesUnder,
  gen,
  link,
  Observer,
  type RunView,
  save,
  tempDir,
  waitFor,
  workflowOf,
  writeConfig,
  wsUrl,
} from './rig.test-support.js'

let emulator: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>
const observers: Observer[] = []
beforeAll(async () => {
  ;[emulator] = (await emulators(1, { stepMs: 40 })) as [RunningEmulator]
  dir = await tempDir('sdflow-restarts-')
})
afterAll(async () => {
  await Promise.all(observers.map((o) => o.close()))
  await killChildServers()
  await emulator.close()
  await dir.remove()
})

const txt2img = () => emulator.stats().requests['/sdapi/v1/txt2img'] ?? 0

/** Server flags on a data folder of its own (reused across restarts). */
function serverArgs(name: string): string[] {
  const base = join(dir.path, name)
  const config = writeConfig(dir.path, [{ id: 'emu', url: emulator.url }])
  return [
    '--port',
    '0',
    '--quiet',
    '--data',
    join(base, 'data'),
    '--workflows',
    join(base, 'workflows'),
    '--out',
    join(base, 'out'),
    '--config',
    config,
  ]
}

/** Two generations in a row, each saved: first -> save1, first -> second -> save2. */
const twoStage = () =>
  workflowOf({
    first: gen({ seed: 11, steps: 12 }),
    save1: save('first', 'first'),
    second: {
      type: 'sd.img2img',
      params: { prompt: 'again', steps: 40, seed: 12, denoising_strength: 1 },
      inputs: { image: link('first') },
    },
    save2: save('second', 'second'),
  })

async function submitTo(server: ChildServer, workflow: unknown): Promise<string> {
  const res = await fetch(`${server.url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow }),
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { runId: string }).runId
}

async function runOn(url: string, runId: string): Promise<RunView> {
  return (await (await fetch(`${url}/api/runs/${runId}`)).json()) as RunView
}

describe('a WebSocket client gone mid-run', () => {
  it('does not stop the run; reconnecting from its last seq replays what it missed, once', async () => {
    const server = await startServerProcess(serverArgs('ws'))
    const runId = await submitTo(server, twoStage())
    const first = Observer.connect(wsUrl(server.url, `/api/events?runId=${runId}`))
    observers.push(first)
    await first.until('a progress event', (f) => f.type === 'node.progress')
    await first.close() // gone without a goodbye
    const seen = first.events
    const last = seen.at(-1)?.seq ?? 0
    await waitFor(
      async () => ((await runOn(server.url, runId)).status === 'finished' ? true : undefined),
      'the run to finish without its client',
      30_000,
    )
    const again = Observer.connect(wsUrl(server.url, `/api/events?runId=${runId}&since=${last}`))
    observers.push(again)
    await again.until('the end', (f) => f.type === 'run.finished')
    const all = [...seen, ...again.events].map((e) => e.seq)
    expect(all).toEqual(all.map((_, i) => i + 1)) // gapless, no duplicate
    expect(again.events[0]?.seq).toBe(last + 1)
    server.process.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
  })
})

describe('a server SIGKILLed mid-run', () => {
  it('resumes: finished nodes reused, the in-flight one rerun once, no duplicate or partial file; the CLI follows it through', async () => {
    const name = 'kill'
    const out = join(dir.path, name, 'out')
    const first = await startServerProcess(serverArgs(name))
    const port = new URL(first.url).port
    const before = txt2img()
    const img2imgBefore = emulator.stats().requests['/sdapi/v1/img2img'] ?? 0
    writeFileSync(join(dir.path, 'two-stage.json'), JSON.stringify(twoStage()))
    const cli = followWithCli(join(dir.path, 'two-stage.json'), first.url)
    const runId = await waitFor(async () => {
      const res = await fetch(`${first.url}/api/runs`)
      const { runs } = (await res.json()) as { runs: { id: string }[] }
      return runs[0]?.id
    }, 'the CLI to submit')
    // kill while "second" is generating: "first" and "save1" are committed
    const watcher = Observer.connect(wsUrl(first.url, `/api/events?runId=${runId}`), {}, (f) => {
      if (f.type === 'node.progress' && f.nodeId === 'second' && Number(f.step) >= 2) {
        first.process.kill('SIGKILL')
      }
    })
    observers.push(watcher)
    expect((await first.exited).signal).toBe('SIGKILL')
    const killedAt = Date.now()
    expect(watcher.events.some((e) => e.type === 'node.finished' && e.nodeId === 'save1')).toBe(
      true,
    )
    expect(filesUnder(out)).toEqual(['first-00001.png'])

    // back on the same port: the run resumes, the CLI reconnects from its last seq
    const second = await startServerProcess([...serverArgs(name), '--port', port])
    const restartedAt = Date.now()
    const run = await waitFor(
      async () => {
        const view = await runOn(second.url, runId)
        return ['finished', 'failed', 'cancelled'].includes(view.status) ? view : undefined
      },
      'the resumed run to end',
      30_000,
    )
    const resumedMs = Date.now() - restartedAt
    expect(run.status).toBe('finished')
    expect(run.nodes.first).toMatchObject({ status: 'done', reused: true })
    expect(run.nodes.save1).toMatchObject({ status: 'done', reused: true })
    expect(run.nodes.second).toMatchObject({ status: 'done', reused: false })
    // the emulator proves it: "first" generated once, "second" twice (killed, then rerun once)
    expect(txt2img() - before).toBe(1)
    expect((emulator.stats().requests['/sdapi/v1/img2img'] ?? 0) - img2imgBefore).toBe(2)
    // one file per save node, no temporary leftovers
    expect(filesUnder(out)).toEqual(['first-00001.png', 'second-00001.png'])
    const replay = Observer.connect(wsUrl(second.url, `/api/events?runId=${runId}`))
    observers.push(replay)
    await replay.until('the end', (f) => f.type === 'run.finished')
    const finished = replay.events.filter(
      (e: RunEvent) => e.type === 'node.finished' && e.nodeId === 'second',
    )
    expect(finished).toHaveLength(1)
    const ran = await cli.exit
    expect(ran.code, ran.output).toBe(0)
    expect(ran.output).toMatch(/wrote .*second-00001\.png/)
    process.stdout.write(
      `[figures] server SIGKILL: restarted ${restartedAt - killedAt} ms after the kill, run finished ${resumedMs} ms after the restart\n`,
    )
    second.process.kill('SIGTERM')
    expect((await second.exited).code).toBe(0)
  })
})

describe('SIGTERM mid-run', () => {
  it('refuses new runs with 503, saves state, exits 0, and the run resumes at the next start', async () => {
    const name = 'term'
    const server = await startServerProcess([...serverArgs(name), '--shutdown-grace', '300'])
    const runId = await submitTo(server, twoStage())
    await waitFor(
      async () => {
        const view = await runOn(server.url, runId)
        return view.nodes.second?.status === 'running' ? true : undefined
      },
      'the second node to run',
      20_000,
    )
    server.process.kill('SIGTERM')
    await waitFor(() => /SIGTERM: shutting down/.test(server.stderr()) || undefined, 'SIGTERM seen')
    // while it drains, a new submission is refused (or the port is already closed)
    const late = await fetch(`${server.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: twoStage() }),
    }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } }),
      () => ({ status: 0, body: {} as { code?: string } }),
    )
    if (late.status !== 0) {
      expect(late.status).toBe(503)
      expect(late.body.code).toMatch(/SDF_SERVER_SHUTTING_DOWN|FST_ERR/)
    }
    expect((await server.exited).code).toBe(0)
    const again = await startServerProcess(serverArgs(name))
    const run = await waitFor(
      async () => {
        const view = await runOn(again.url, runId)
        return view.status === 'finished' ? view : undefined
      },
      'the run to resume and finish',
      30_000,
    )
    // "first" was kept; "second" was interrupted by the shutdown and ran again
    expect(run.nodes.first).toMatchObject({ status: 'done', reused: true })
    expect(run.nodes.second).toMatchObject({ status: 'done', reused: false })
    expect(run.nodes.save2?.status).toBe('done')
    const { runs } = (await (await fetch(`${again.url}/api/runs`)).json()) as {
      runs: { id: string }[]
    }
    expect(runs.map((r) => r.id)).toEqual([runId]) // the late submission never became a run
    again.process.kill('SIGTERM')
    expect((await again.exited).code).toBe(0)
  })
})

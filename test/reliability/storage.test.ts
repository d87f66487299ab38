// Full disks (tmpfs mounts) and a damaged run store, against the server as a child process.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type ChildServer,
  killChildServers,
  startServerProcess,
} from '../../packages/server/src/child-server.test-support.js'
import {
  emulators,
  gen,
  qrWorkflow,
  type RunView,
  save,
  tempDir,
  waitFor,
  workflowOf,
  writeConfig,
} from './rig.test-support.js'
import {
  canMountTmpfs,
  fill,
  mountTmpfs,
  tmpfsSkipReason,
  unmountAll,
} from './tmpfs.test-support.js'

let emulator: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  ;[emulator] = (await emulators(1, { stepMs: 40 })) as [RunningEmulator]
  dir = await tempDir('sdflow-storage-')
})
afterAll(async () => {
  await killChildServers()
  unmountAll()
  await emulator.close()
  await dir.remove()
})

vi.setConfig({ testTimeout: 120_000 })
if (!canMountTmpfs) console.warn(`full-disk cases ${tmpfsSkipReason}`)

function serverArgs(name: string): { args: string[]; data: string; out: string } {
  const base = join(dir.path, name)
  const data = join(base, 'data')
  const out = join(base, 'out')
  const config = writeConfig(dir.path, [{ id: 'emu', url: emulator.url }])
  const args = ['--port', '0', '--quiet', '--data', data, '--workflows', join(base, 'wf')]
  return { args: [...args, '--out', out, '--config', config], data, out }
}

async function post(server: ChildServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

async function submitTo(server: ChildServer, workflow: unknown): Promise<string> {
  const res = await post(server, '/api/runs', { workflow })
  expect(res.status, await res.clone().text()).toBe(202)
  return ((await res.json()) as { runId: string }).runId
}

async function runOf(server: ChildServer, runId: string): Promise<RunView> {
  return (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as RunView
}

const whenStatus = (server: ChildServer, runId: string, status: string, timeoutMs = 20_000) =>
  waitFor(
    async () => {
      const run = await runOf(server, runId)
      return run.status === status ? run : undefined
    },
    `run ${runId} to be ${status}`,
    timeoutMs,
  )

describe.skipIf(!canMountTmpfs)('case 24: the node cache on a full disk', () => {
  it('is logged and dropped: the server stays up and its runs finish', async () => {
    const { args, data } = serverArgs('cache-full')
    mountTmpfs(join(data, 'cache'), 64 * 1024)
    fill(join(data, 'cache'))
    const server = await startServerProcess(args)
    for (const text of ['one', 'two']) {
      const runId = await submitTo(server, qrWorkflow(`cache-${text}`, text))
      const run = await whenStatus(server, runId, 'finished')
      expect(run.files).toHaveLength(1)
    }
    expect(server.process.exitCode).toBeNull()
    expect((await fetch(`${server.url}/api/node-types`)).status).toBe(200)
  })
})

describe.skipIf(!canMountTmpfs)('case 25: the data disk fills up during a run', () => {
  it('ends the run interrupted, answers 507 SDF_STORAGE_FULL, resumes when space returns', async () => {
    const { args, data, out } = serverArgs('data-full')
    mountTmpfs(data, 8 * 1024 * 1024)
    const server = await startServerProcess(args)
    const doc = workflowOf({ gen: gen({ seed: 41, steps: 40 }), save: save('gen', 'full') })
    const runId = await submitTo(server, doc)
    await waitFor(
      async () => (await runOf(server, runId)).nodes.gen?.status === 'running',
      'the generation to start',
    )
    const filler = fill(data)
    const stopped = await whenStatus(server, runId, 'interrupted')
    expect(Object.values(stopped.nodes).map((n) => n.status)).not.toContain('running')

    const refused = await post(server, '/api/runs', { workflow: qrWorkflow('refused') })
    expect(refused.status).toBe(507)
    const body = (await refused.json()) as { code: string; message: string }
    expect(body.code).toBe('SDF_STORAGE_FULL')
    // it names the folder as the server shows paths: relative to its roots, never absolute
    expect(body.message).toContain('the data folder')
    expect(body.message).not.toContain(data)
    expect(server.process.exitCode).toBeNull()

    rmSync(filler)
    const finished = await whenStatus(server, runId, 'finished', 40_000)
    expect(finished.files).toHaveLength(1)
    expect(readdirSync(out)).toEqual(['full-00001.png'])
  })
})

describe('case 27: the node cache path is a directory', () => {
  it('stops the server at start with SDF_STORAGE_UNUSABLE naming the path', async () => {
    const { args, data } = serverArgs('eisdir')
    const cacheFile = join(data, 'cache', 'nodes.jsonl')
    mkdirSync(cacheFile, { recursive: true })
    const started = startServerProcess(args)
    await expect(started).rejects.toThrow(
      new RegExp(`SDF_STORAGE_UNUSABLE .*${cacheFile} is a directory`),
    )
  })
})

describe('case 26: a damaged run store', () => {
  it('is moved aside with a timestamp; the server starts with an empty one', async () => {
    const { args, data } = serverArgs('damaged')
    let server = await startServerProcess(args)
    for (let i = 0; i < 10; i++) await submitTo(server, qrWorkflow(`damaged-${i}`, `text ${i}`))
    server.process.kill('SIGTERM')
    await server.exited
    const file = join(data, 'runs.sqlite')
    // Every page into the main file first: pages still in a -wal would keep a cut file readable.
    const consolidated = new Database(file)
    consolidated.pragma('wal_checkpoint(TRUNCATE)')
    consolidated.close()
    truncateSync(file, Math.floor(statSync(file).size / 2))
    server = await startServerProcess(args)
    const runs = (await (await fetch(`${server.url}/api/runs`)).json()) as { runs: unknown[] }
    expect(runs.runs).toEqual([])
    const aside = readdirSync(data).filter((f) => /^runs\.sqlite\.damaged-\d{4}-\d\d-\d\dT/.test(f))
    expect(aside).toHaveLength(1)
    const runId = await submitTo(server, qrWorkflow('after'))
    await whenStatus(server, runId, 'finished')
  })

  it('keeps ended runs in the main file: losing the -wal after a crash loses no history', async () => {
    const { args, data } = serverArgs('wal')
    let server = await startServerProcess(args)
    const runId = await submitTo(server, qrWorkflow('wal'))
    await whenStatus(server, runId, 'finished')
    server.process.kill('SIGKILL')
    await server.exited
    for (const suffix of ['-wal', '-shm'])
      rmSync(join(data, `runs.sqlite${suffix}`), { force: true })
    server = await startServerProcess(args)
    expect((await runOf(server, runId)).status).toBe('finished')
    expect(existsSync(join(data, 'runs.sqlite'))).toBe(true)
  })
})

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { createArtifactStore, type RetryNotice } from '@sdflow/engine'
import { afterEach, describe, expect, it } from 'vitest'
import { type A1111Client, isA1111Client } from './client.js'
import { backendsFromUrls } from './config.js'
import { createPool, type PoolOptions } from './pool.js'

const artifacts = createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-ahead-')) })
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function emulators(n: number, stepMs: number) {
  const out: RunningEmulator[] = []
  for (let i = 0; i < n; i++) {
    const e = await startEmulator({ stepMs })
    cleanup.push(() => e.close())
    out.push(e)
  }
  return out
}

async function pool(urls: string[], timeouts: { frozenMs?: number; requestMs?: number } = {}) {
  const options: PoolOptions = {
    backends: backendsFromUrls(urls, { timeouts }),
    retryBackoff: { baseMs: 10, maxMs: 20 },
    downBackoff: { baseMs: 10_000, maxMs: 10_000 },
    probeIntervalMs: 60_000,
  }
  const p = createPool(options)
  cleanup.push(() => p.close())
  await p.start()
  return p
}

const until = async (what: string, check: () => boolean | Promise<boolean>) => {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const job = (steps: number, taskId: string) => (client: A1111Client, signal: AbortSignal) =>
  client.txt2img({ prompt: taskId, steps, width: 64, height: 64 }, { artifacts, signal, taskId })

const asA1111 = (p: Awaited<ReturnType<typeof pool>>, id: string): A1111Client => {
  const client = p.client(id)
  if (!client || !isA1111Client(client)) throw new Error(`no a1111 client ${id}`)
  return client
}

describe('one request queued ahead on each A1111', () => {
  it('sends the next job while one runs, so A1111 holds it in its queue', async () => {
    const [a] = await emulators(1, 20)
    const p = await pool([a!.url])
    const client = asA1111(p, 'b1')
    const first = p.run({}, (c, s) => job(20, 'ahead-1')(c as A1111Client, s))
    const second = p.run({}, (c, s) => job(4, 'ahead-2')(c as A1111Client, s))
    await until('the second request queued in A1111', async () => {
      const answer = await client.internalProgress({ id_task: 'ahead-2', live_preview: false })
      return answer.queued
    })
    const running = await client.internalProgress({ id_task: 'ahead-1', live_preview: false })
    expect(running.active).toBe(true)
    expect(p.list()[0]).toMatchObject({ busy: 2, slots: 1, queueAhead: 1 })
    await Promise.all([first, second])
    const spans = a!.stats().busy.map((s) => s.taskId)
    expect(spans).toEqual(['ahead-1', 'ahead-2'])
  })

  it('times a queued request from when it runs, not from when it was sent ahead', async () => {
    // each job takes about 0.8 s: the second answers about 1.6 s after it was sent
    const [a] = await emulators(1, 40)
    const p = await pool([a!.url], { requestMs: 1_300 })
    const results = await Promise.all([
      p.run({}, (c, s) => job(20, 'timed-1')(c as A1111Client, s)),
      p.run({}, (c, s) => job(20, 'timed-2')(c as A1111Client, s)),
    ])
    expect(results.map((r) => r.taskId)).toEqual(['timed-1', 'timed-2'])
    expect(a!.stats().abandoned).toEqual({})
  })

  it('a cancelled queued request never interrupts the job ahead; it is interrupted once it starts', async () => {
    const [a] = await emulators(1, 30)
    const p = await pool([a!.url])
    const cancel = new AbortController()
    const first = p.run({}, (c, s) => job(20, 'keep')(c as A1111Client, s))
    const queued = p
      .run({ signal: cancel.signal }, (c, s) => job(20, 'drop')(c as A1111Client, s))
      .catch((error: unknown) => error)
    const client = asA1111(p, 'b1')
    await until('the second request queued', async () => {
      const answer = await client.internalProgress({ id_task: 'drop', live_preview: false })
      return answer.queued
    })
    cancel.abort(new Error('cancelled by the test'))
    expect(await queued).toMatchObject({ message: 'cancelled by the test' })
    const kept = await first
    expect(kept.images).toHaveLength(1)
    // the job ahead was ours to keep: nothing interrupted it
    expect(a!.stats().requests['/sdapi/v1/interrupt'] ?? 0).toBe(0)
    // A1111 still runs a request whose client left; it is stopped as soon as it is ours running
    await until('the dropped request ran and was interrupted', () =>
      a!.stats().busy.some((s) => s.taskId === 'drop'),
    )
    expect(a!.stats().requests['/sdapi/v1/interrupt']).toBeGreaterThanOrEqual(1)
  })

  it('moves a queued request to another backend when the job ahead of it hangs', async () => {
    const [a, b] = await emulators(2, 20)
    const p = await pool([a!.url, b!.url], { frozenMs: 500 })
    a!.injectFault({ route: '/sdapi/v1/txt2img', kind: 'stuck' })
    cleanup.push(async () => a!.clearFaults())
    const retries: Record<string, RetryNotice[]> = { hung: [], other: [], behind: [] }
    const used: Record<string, string[]> = { hung: [], other: [], behind: [] }
    const runJob = (name: string) =>
      p.run(
        {
          onRetry: (n) => retries[name]?.push(n),
          onBackend: (id) => used[name]?.push(id),
        },
        (c, s, attempt) => job(8, `${name}-${attempt}`)(c as A1111Client, s),
      )
    const hung = runJob('hung')
    await until('the hung job on b1', () => used.hung?.length === 1)
    const other = runJob('other')
    await until('the second job on b2', () => used.other?.length === 1)
    const behind = runJob('behind')
    await until('the third job queued on b1', () => used.behind?.length === 1)
    expect(used.behind).toEqual(['b1'])
    const results = await Promise.all([hung, other, behind])
    expect(results.every((r) => r.images.length === 1)).toBe(true)
    expect(used.hung).toEqual(['b1', 'b2'])
    expect(used.behind).toEqual(['b1', 'b2'])
    expect(retries.behind?.[0]?.issue.code).toBe('SDF_BACKEND_FROZEN')
    // the request that waited behind the hung job never ran there
    expect(a!.stats().busy.some((s) => s.taskId === 'behind-1')).toBe(false)
  })
})

// Cases 1, 2, 20: a backend that answers 500, input errors, no backend able to take a node.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  emulators,
  eventsOf,
  filesUnder,
  gen,
  link,
  type Rig,
  requests,
  rig,
  save,
  settled,
  submit,
  workflowOf,
} from './rig.test-support.js'

let a: RunningEmulator
let b: RunningEmulator
const rigs: Rig[] = []
beforeAll(async () => {
  ;[a, b] = (await emulators(2)) as [RunningEmulator, RunningEmulator]
})
afterEach(() => {
  a.clearFaults()
  b.clearFaults()
})
afterAll(async () => {
  await Promise.all(rigs.map((r) => r.close()))
  await Promise.all([a.close(), b.close()])
})

async function open(...ids: ('a' | 'b')[]): Promise<Rig> {
  const all = { a, b }
  const r = await rig(ids.map((id) => ({ id, url: all[id].url })))
  rigs.push(r)
  return r
}

/** gen -> upscale -> save, and beside it an independent qr -> save branch. */
const branches = workflowOf({
  gen: gen({ seed: -1 }),
  upscale: {
    type: 'sd.upscale',
    params: { upscaler_1: 'Lanczos', upscaling_resize: 2 },
    inputs: { image: link('gen') },
  },
  save: save('upscale', 'gen'),
  qr: { type: 'image.qr-code', params: { text: 'independent', size: 64 } },
  saveQr: save('qr', 'qr'),
})

describe('a backend answering 500 mid-run', () => {
  it('is retried per policy on the other backend and the run finishes', async () => {
    const r = await open('a', 'b')
    a.injectFault({ route: '/sdapi/v1/txt2img', kind: 'error500' })
    b.injectFault({ route: '/sdapi/v1/txt2img', kind: 'error500' })
    const before = requests(a) + requests(b)
    const run = await settled(r.app, await submit(r.app, branches))
    expect(run.status).toBe('finished')
    // one failure on each backend, then the third attempt succeeds
    expect(requests(a) + requests(b) - before).toBe(3)
    expect(run.nodes.gen).toMatchObject({ status: 'done', attempts: 3 })
    const retries = eventsOf(r.app, run.id).filter((e) => e.type === 'node.retrying')
    expect(retries.map((e) => e.type === 'node.retrying' && e.backend).sort()).toEqual(['a', 'b'])
  })

  it('fails the node with the backend id and message when it keeps failing; the rest is settled', async () => {
    const r = await open('a')
    a.injectFault({ route: '/sdapi/v1/txt2img', kind: 'error500', count: 50 })
    const before = requests(a)
    const run = await settled(r.app, await submit(r.app, branches))
    expect(run.status).toBe('failed')
    expect(requests(a) - before).toBe(3) // maxAttempts, then no more
    const issue = run.nodes.gen?.issue
    expect(issue).toMatchObject({
      code: 'SDF_BACKEND_ERROR',
      pointer: '/nodes/gen',
      details: { backend: 'a', status: 500 },
    })
    expect(issue?.message).toMatch(/backend "a".*Emulated fault: internal server error/)
    expect(run.nodes.upscale).toMatchObject({
      status: 'skipped',
      issue: { code: 'SDF_RUN_UPSTREAM_FAILED' },
    })
    expect(run.nodes.save?.status).toBe('skipped')
    // the independent branch finished and wrote its file
    expect(run.nodes.saveQr?.status).toBe('done')
    expect(run.nodes.saveQr?.files).toHaveLength(1)
    // answers name files relative to the output folder (never the server's absolute paths)
    expect(existsSync(join(r.out, run.nodes.saveQr?.files[0] ?? ''))).toBe(true)
    expect(filesUnder(r.out)).toEqual(['qr-00001.png'])
    // nothing stays running, and the last event is the run's end
    expect(Object.values(run.nodes).filter((n) => n.status === 'running')).toEqual([])
    expect(eventsOf(r.app, run.id).at(-1)?.type).toBe('run.failed')
    expect(r.app.sdflow.runs.running).toEqual([])
  })
})

describe('input errors', () => {
  it('refuses an upscaler no backend has at submission, naming the field; nothing is sent', async () => {
    const r = await open('a')
    const before = requests(a, '/sdapi/v1/extra-single-image')
    const doc = structuredClone(branches) as { nodes: { upscale: { params: object } } }
    doc.nodes.upscale.params = { upscaler_1: 'Lanczoz', upscaling_resize: 2 }
    const res = await r.app.inject({ method: 'POST', url: '/api/runs', payload: { workflow: doc } })
    expect(res.statusCode).toBe(400)
    const body = res.json() as { code: string; issues: { pointer: string; message: string }[] }
    expect(body.code).toBe('SDF_CATALOG_UNKNOWN_NAME')
    expect(body.issues[0]?.pointer).toBe('/nodes/upscale/params/upscaler_1')
    expect(body.issues[0]?.message).toMatch(/Lanczos/) // did you mean
    expect(requests(a, '/sdapi/v1/extra-single-image')).toBe(before)
    expect(r.app.sdflow.runs.queued).toEqual([])
  })

  it.each([
    ['an upscaler the backend does not know', 'up', { upscaler_1: 'Nope' }, 'upscaler_1'],
    ['a 422 for a script the backend lacks', 'gen', { script_name: 'nope' }, 'script_name'],
  ])('%s: one request, no retry, the error names the field', async (_what, node, extra, field) => {
    const r = await open('a', 'b')
    const route = node === 'up' ? '/sdapi/v1/extra-single-image' : '/sdapi/v1/txt2img'
    const count = () => requests(a, route) + requests(b, route)
    const before = count()
    const doc = workflowOf({
      gen: gen(node === 'gen' ? { extra } : {}),
      up: {
        type: 'sd.upscale',
        params: { upscaler_1: 'Lanczos', upscaling_resize: 2, ...(node === 'up' ? { extra } : {}) },
        inputs: { image: link('gen') },
      },
      save: save('up', 'up'),
    })
    const run = await settled(r.app, await submit(r.app, doc))
    expect(run.status).toBe('failed')
    expect(count() - before).toBe(1)
    const issue = run.nodes[node]?.issue
    expect(issue?.code).toBe('SDF_BACKEND_REJECTED')
    expect(issue?.details).toMatchObject({ field })
    expect(issue?.message).toContain(`field "${field}"`)
    expect(run.nodes[node]?.attempts).toBe(1)
  })

  it('refuses a field value the A1111 API would reject before sending it, naming the field', async () => {
    const r = await open('a')
    const before = requests(a, '/sdapi/v1/extra-single-image')
    const doc = workflowOf({
      gen: gen(),
      up: {
        type: 'sd.upscale',
        params: { upscaler_1: 'Lanczos', upscaling_resize: 2, extra: { resize_mode: 7 } },
        inputs: { image: link('gen') },
      },
    })
    // the request as it would be sent is checked at submission (one schema for params and extra)
    const res = await r.app.inject({ method: 'POST', url: '/api/runs', payload: { workflow: doc } })
    expect(res.statusCode).toBe(400)
    const { issues } = res.json() as { issues: { code: string; pointer: string }[] }
    expect(issues).toContainEqual(
      expect.objectContaining({
        code: 'SDF_PARAM_INVALID',
        pointer: '/nodes/up/params/extra/resize_mode',
      }),
    )
    expect(requests(a, '/sdapi/v1/extra-single-image')).toBe(before)
  })

  it('refuses a load path that is not an image with a clear error, no backend involved', async () => {
    const r = await open('a')
    const { mkdirSync, writeFileSync } = await import('node:fs')
    mkdirSync(r.input, { recursive: true })
    writeFileSync(`${r.input}/broken.png`, 'this is not a picture')
    const before = requests(a, '/sdapi/v1/img2img')
    const doc = workflowOf({
      load: { type: 'image.load', params: { path: 'broken.png' } },
      i2i: {
        type: 'sd.img2img',
        params: { prompt: 'x', steps: 4, seed: 1 },
        inputs: { image: link('load') },
      },
      save: save('i2i', 'i2i'),
    })
    const run = await settled(r.app, await submit(r.app, doc))
    expect(run.status).toBe('failed')
    expect(run.nodes.load?.issue).toMatchObject({ code: 'SDF_IMAGE_INVALID' })
    expect(run.nodes.load?.issue?.pointer).toMatch(/^\/nodes\/load/)
    expect(run.nodes.i2i?.status).toBe('skipped')
    expect(requests(a, '/sdapi/v1/img2img')).toBe(before)
  })
})

describe('no backend can take the node', () => {
  it('waits up to the queue timeout when every backend is down, without a busy loop', async () => {
    const [c] = (await emulators(1)) as [RunningEmulator]
    const r = await rig([{ id: 'c', url: c.url }], {
      pool: {
        probeIntervalMs: 200,
        downBackoff: { baseMs: 200, maxMs: 400 },
        queueTimeoutMs: 2_000,
      },
    })
    rigs.push(r)
    c.injectFault({ route: '*', kind: 'unavailable503', count: 1_000_000 })
    // the next probe marks it down
    const { waitFor } = await import('./rig.test-support.js')
    await waitFor(
      () => r.app.sdflow.runtime.pool?.list()[0]?.health === 'down' || undefined,
      'backend c to be marked down',
    )
    const seen = c.stats().requests
    const before = Object.values(seen).reduce((x, y) => x + y, 0)
    const cpu = process.cpuUsage()
    const started = Date.now()
    const run = await settled(
      r.app,
      await submit(r.app, workflowOf({ gen: gen(), s: save('gen', 'g') })),
    )
    const waitedMs = Date.now() - started
    const used = process.cpuUsage(cpu)
    expect(run.status).toBe('failed')
    const issue = run.nodes.gen?.issue
    expect(issue?.code).toBe('SDF_BACKEND_NONE_AVAILABLE')
    expect(issue?.message).toMatch(/no healthy backend with .* within 2000 ms: c is down/)
    expect(waitedMs).toBeGreaterThanOrEqual(1_900)
    // only probes reached the backend while the node waited: at most one per backoff period
    const after = Object.values(c.stats().requests).reduce((x, y) => x + y, 0)
    expect(after - before).toBeLessThanOrEqual(Math.ceil(waitedMs / 200) + 2)
    expect(c.stats().requests['/sdapi/v1/txt2img'] ?? 0).toBe(seen['/sdapi/v1/txt2img'] ?? 0)
    // the waiting itself costs next to no CPU (vitest and the run's own work included)
    expect((used.user + used.system) / 1000).toBeLessThan(waitedMs * 0.5)
    c.clearFaults()
    await c.close()
  })

  it('fails at once with "no healthy backend with" the checkpoint when none has it', async () => {
    const r = await open('a', 'b')
    const doc = workflowOf({ gen: gen({ checkpoint: 'no-such-model.safetensors' }) })
    // submission already refuses it: no backend lists the checkpoint
    const res = await r.app.inject({ method: 'POST', url: '/api/runs', payload: { workflow: doc } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'SDF_CATALOG_UNKNOWN_NAME',
      issues: [{ pointer: '/nodes/gen/params/checkpoint' }],
    })
    // a pinned job asking the pool directly: immediate, named failure (no wait, no retry)
    const pool = r.app.sdflow.runtime.pool
    const started = Date.now()
    const error = await pool
      ?.run({ needs: { checkpoint: 'no-such-model.safetensors' }, queueTimeoutMs: 10_000 }, () =>
        Promise.resolve('ran'),
      )
      .catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(error).toMatchObject({ code: 'SDF_BACKEND_NONE_AVAILABLE' })
    expect(String((error as Error).message)).toMatch(
      /no healthy backend with checkpoint "no-such-model.safetensors" anywhere: a lacks .*; b lacks/,
    )
  })
})

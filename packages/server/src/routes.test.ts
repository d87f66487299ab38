import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { qrWorkflow, type RunView, type TestApp, testApp, waitFor } from './server.test-support.js'

let t: TestApp
beforeAll(async () => {
  t = await testApp({ concurrency: 1 })
})
afterAll(async () => {
  await t.close()
})

const json = (body: unknown) => ({
  payload: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
})

async function runTo(runId: string, statuses: string[]): Promise<RunView> {
  return waitFor(
    async () => {
      const res = await t.app.inject({ url: `/api/runs/${runId}` })
      const run = res.json()
      return statuses.includes(run.status) ? run : undefined
    },
    `run ${runId} to reach ${statuses.join('|')}`,
  )
}

describe('pages', () => {
  it('GET / is a plain page linking the docs and the API', async () => {
    const res = await t.app.inject({ url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.body).toContain('href="/docs"')
    expect(res.body).toContain('/api/workflows')
  })

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await t.app.inject({ url: '/docs/json' })
    expect(doc.statusCode).toBe(200)
    const paths = Object.keys(doc.json().paths)
    expect(paths).toEqual(
      expect.arrayContaining(['/api/runs', '/api/runs/{id}', '/api/workflows/{name}']),
    )
    const page = await t.app.inject({ url: '/docs' })
    expect([200, 302]).toContain(page.statusCode)
  })

  it('unknown routes answer the error body', async () => {
    const res = await t.app.inject({ url: '/api/nope' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ statusCode: 404, code: 'SDF_SERVER_NOT_FOUND' })
  })
})

describe('node types and backends', () => {
  it('lists every node spec', async () => {
    const res = await t.app.inject({ url: '/api/node-types' })
    expect(res.statusCode).toBe(200)
    const types = res.json().map((s: { type: string }) => s.type)
    expect(types).toEqual(expect.arrayContaining(['sd.txt2img', 'image.qr-code', 'image.save']))
  })

  it('lists no backend when none is configured', async () => {
    const res = await t.app.inject({ url: '/api/backends' })
    expect(res.json()).toEqual([])
  })
})

describe('workflows', () => {
  it('creates, reads, lists, replaces with If-Match, refuses stale ETags, deletes', async () => {
    const created = await t.app.inject({
      method: 'PUT',
      url: '/api/workflows/qr-one',
      ...json(qrWorkflow('qr-one')),
    })
    expect(created.statusCode).toBe(201)
    const etag = created.headers.etag as string
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)

    const read = await t.app.inject({ url: '/api/workflows/qr-one' })
    expect(read.statusCode).toBe(200)
    expect(read.headers.etag).toBe(etag)
    expect(read.json()).toEqual(qrWorkflow('qr-one'))
    const notModified = await t.app.inject({
      url: '/api/workflows/qr-one',
      headers: { 'if-none-match': etag },
    })
    expect(notModified.statusCode).toBe(304)

    const list = await t.app.inject({ url: '/api/workflows' })
    expect(list.json()).toEqual([
      expect.objectContaining({ name: 'qr-one', description: 'a QR code', etag }),
    ])
    expect(Date.parse(list.json()[0].mtime)).not.toBeNaN()

    // editor A saves with the ETag it read
    const a = await t.app.inject({
      method: 'PUT',
      url: '/api/workflows/qr-one',
      payload: JSON.stringify(qrWorkflow('qr-one', 'from A')),
      headers: { 'content-type': 'application/json', 'if-match': etag },
    })
    expect(a.statusCode).toBe(200)
    // editor B still holds the old ETag: refused, nothing overwritten
    const b = await t.app.inject({
      method: 'PUT',
      url: '/api/workflows/qr-one',
      payload: JSON.stringify(qrWorkflow('qr-one', 'from B')),
      headers: { 'content-type': 'application/json', 'if-match': etag },
    })
    expect(b.statusCode).toBe(412)
    expect(b.json().code).toBe('SDF_SERVER_PRECONDITION_FAILED')
    const now = await t.app.inject({ url: '/api/workflows/qr-one' })
    expect(now.json().nodes.qr.params.text).toBe('from A')

    const createOnly = await t.app.inject({
      method: 'PUT',
      url: '/api/workflows/qr-one',
      payload: JSON.stringify(qrWorkflow('qr-one')),
      headers: { 'content-type': 'application/json', 'if-none-match': '*' },
    })
    expect(createOnly.statusCode).toBe(412)

    const staleDelete = await t.app.inject({
      method: 'DELETE',
      url: '/api/workflows/qr-one',
      headers: { 'if-match': etag },
    })
    expect(staleDelete.statusCode).toBe(412)
    const del = await t.app.inject({
      method: 'DELETE',
      url: '/api/workflows/qr-one',
      headers: { 'if-match': a.headers.etag as string },
    })
    expect(del.statusCode).toBe(204)
    expect((await t.app.inject({ url: '/api/workflows/qr-one' })).statusCode).toBe(404)
  })

  it('refuses an invalid document with 400 and every issue', async () => {
    const doc = qrWorkflow('bad') as { nodes: Record<string, { params?: object; type: string }> }
    doc.nodes.qr = { type: 'image.qr-code', params: { text: 'x', size: -5, colour: 'red' } }
    doc.nodes.other = { type: 'image.nope' }
    const res = await t.app.inject({ method: 'PUT', url: '/api/workflows/bad', ...json(doc) })
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.statusCode).toBe(400)
    const pointers = body.issues.map((i: { pointer: string }) => i.pointer)
    expect(pointers).toEqual(expect.arrayContaining(['/nodes/other/type', '/nodes/qr/params/size']))
    expect(body.issues.length).toBeGreaterThanOrEqual(3)
    expect((await t.app.inject({ url: '/api/workflows/bad' })).statusCode).toBe(404)
  })

  it('refuses names that could leave the folder', async () => {
    // a literal ".." is normalised away by URL parsing before routing: never a workflow
    const literal = await t.app.inject({ url: '/api/workflows/../../etc/passwd' })
    expect(literal.statusCode).toBe(404)
    // sent as-is (curl --path-as-is), ".." would reach the route as a name: refused there
    for (const name of ['..', '.']) {
      expect(() => t.app.sdflow.workflows.fileOf(name)).toThrow(/not a workflow name/)
    }
    for (const name of ['..%2F..%2Fetc%2Fpasswd', 'a%2Fb', 'with%20space']) {
      const get = await t.app.inject({ url: `/api/workflows/${name}` })
      expect(get.statusCode, name).toBe(400)
      expect(get.json().code, name).toBe('SDF_SERVER_REQUEST_INVALID')
      const put = await t.app.inject({
        method: 'PUT',
        url: `/api/workflows/${name}`,
        ...json(qrWorkflow()),
      })
      expect(put.statusCode, name).toBe(400)
    }
    const longest = await t.app.inject({
      method: 'PUT',
      url: `/api/workflows/${'a'.repeat(128)}`,
      ...json(qrWorkflow()),
    })
    expect(longest.statusCode).toBe(201)
    const long = await t.app.inject({ url: `/api/workflows/${'a'.repeat(129)}` })
    expect(long.statusCode).toBe(400)
    expect(long.json().issues[0].pointer).toBe('/params/name')
  })

  it('refuses a link that leads outside the folder', async () => {
    const outside = join(t.dir, 'secret.json')
    await writeFile(outside, '{"secret":true}')
    const folder = join(t.dir, 'workflows')
    await t.app.inject({ method: 'PUT', url: '/api/workflows/seed', ...json(qrWorkflow()) })
    await symlink(outside, join(folder, 'leak.json'))
    const res = await t.app.inject({ url: '/api/workflows/leak' })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('SDF_PATH_OUTSIDE_ROOT')
  })

  it('answers 413 to a body over the limit', async () => {
    const doc = { ...qrWorkflow('big'), description: 'x'.repeat(1024 * 1024 + 10) }
    const res = await t.app.inject({ method: 'PUT', url: '/api/workflows/big', ...json(doc) })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ statusCode: 413, code: 'SDF_SERVER_BODY_TOO_LARGE' })
  })
})

describe('validate', () => {
  it('answers every issue of a workflow without running or storing it', async () => {
    const doc = qrWorkflow('v')
    const nodes = doc.nodes as Record<string, { params?: Record<string, unknown> }>
    for (const node of Object.values(nodes)) node.params = { ...node.params, colour: 1 }
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/validate',
      ...json({ workflow: doc }),
    })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.valid).toBe(false)
    expect(body.issues.length).toBe(Object.keys(nodes).length)
    expect(body.issues[0]).toMatchObject({ code: 'SDF_PARAM_UNKNOWN' })
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/validate',
      ...json({ workflow: qrWorkflow('v') }),
    })
    expect(ok.json()).toMatchObject({ valid: true, issues: [] })
    // the run panel's estimate: images to generate, GPU time and cost per backend kind
    expect(ok.json().estimate).toEqual({ images: 0, upTo: false, kinds: [] })
    const runs = await t.app.inject({ url: '/api/runs?limit=500' })
    expect(runs.json().runs.filter((r: { workflow: string }) => r.workflow === 'v')).toEqual([])
  })
})

describe('runs', () => {
  it('refuses an invalid workflow with every issue and queues nothing', async () => {
    const before = (await t.app.inject({ url: '/api/runs' })).json().runs.length
    const doc = qrWorkflow('broken') as { nodes: Record<string, unknown> }
    doc.nodes.resize = { type: 'image.resize', params: { width: 'wide' } }
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/runs',
      ...json({ workflow: doc, inputs: { nope: 1 } }),
    })
    expect(res.statusCode).toBe(400)
    const codes = res.json().issues.map((i: { code: string }) => i.code)
    expect(codes).toEqual(expect.arrayContaining(['SDF_WORKFLOW_INPUT_UNKNOWN']))
    expect(res.json().issues.length).toBeGreaterThanOrEqual(2)
    expect((await t.app.inject({ url: '/api/runs' })).json().runs.length).toBe(before)
  })

  it('validates the request body with pointers', async () => {
    const neither = await t.app.inject({ method: 'POST', url: '/api/runs', ...json({}) })
    expect(neither.statusCode).toBe(400)
    expect(neither.json().code).toBe('SDF_SERVER_REQUEST_INVALID')
    const typo = await t.app.inject({
      method: 'POST',
      url: '/api/runs',
      ...json({ name: 'qr', input: {} }),
    })
    expect(typo.statusCode).toBe(400)
    expect(typo.json().issues[0].pointer).toBe('/body/input')
    const limit = await t.app.inject({ url: '/api/runs?limit=abc' })
    expect(limit.statusCode).toBe(400)
    expect(limit.json().issues[0].pointer).toBe('/querystring/limit')
  })

  it('runs a workflow: 202, then status, nodes, outputs, files and artifacts', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/runs',
      ...json({ workflow: qrWorkflow('qr-run'), inputs: { text: 'run me' } }),
    })
    expect(res.statusCode).toBe(202)
    const { runId } = res.json()
    expect(runId).toMatch(/^[0-9a-f-]{36}$/)
    const run = await runTo(runId, ['finished', 'failed'])
    expect(run.status).toBe('finished')
    expect(run.workflow).toBe('qr-run')
    expect(run.inputs).toEqual({ text: 'run me' })
    expect(Object.keys(run.nodes)).toEqual(['qr', 'resize', 'save'])
    expect(run.nodes.save).toMatchObject({ status: 'done', attempts: 1 })
    expect(run.nodes.save?.durationMs).toBeGreaterThanOrEqual(0)
    expect(run.startedAt).toBeDefined()
    expect(run.finishedAt).toBeDefined()
    expect(run.files).toHaveLength(1)
    expect(run.summary).toMatchObject({ planned: 3, failed: 0 })
    expect(run.lastSeq).toBeGreaterThan(5)
    const image = run.outputs?.image as { hash: string }[] | { hash: string }
    const hash = Array.isArray(image) ? image[0]?.hash : image.hash
    expect(hash).toMatch(/^[0-9a-f]{64}$/)

    const art = await t.app.inject({ url: `/api/artifacts/${hash}` })
    expect(art.statusCode).toBe(200)
    expect(art.headers['content-type']).toBe('image/png')
    expect(art.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(art.headers['x-content-type-options']).toBe('nosniff')
    expect(art.rawPayload.subarray(1, 4).toString()).toBe('PNG')

    const bad = await t.app.inject({ url: '/api/artifacts/..%2F..%2Fetc' })
    expect(bad.statusCode).toBe(400)
    const missing = await t.app.inject({ url: `/api/artifacts/${'0'.repeat(64)}` })
    expect(missing.statusCode).toBe(404)
  })

  it('runs a saved workflow by name', async () => {
    await t.app.inject({ method: 'PUT', url: '/api/workflows/saved', ...json(qrWorkflow('saved')) })
    const res = await t.app.inject({ method: 'POST', url: '/api/runs', ...json({ name: 'saved' }) })
    expect(res.statusCode).toBe(202)
    const run = await runTo(res.json().runId, ['finished', 'failed'])
    expect(run.status).toBe('finished')
    const missing = await t.app.inject({ method: 'POST', url: '/api/runs', ...json({ name: 'x' }) })
    expect(missing.statusCode).toBe(404)
  })

  it('pages the run list newest first', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/runs',
        ...json({ workflow: qrWorkflow(`page${i}`) }),
      })
      ids.push(res.json().runId)
    }
    const first = (await t.app.inject({ url: '/api/runs?limit=2' })).json()
    expect(first.runs.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]])
    expect(first.next).toBe(ids[1])
    const second = (await t.app.inject({ url: `/api/runs?limit=2&before=${first.next}` })).json()
    expect(second.runs[0].id).toBe(ids[0])
    for (const id of ids) await runTo(id, ['finished'])
  })

  it('cancels a queued run; resumes it; refuses to cancel or resume what ended', async () => {
    // concurrency 1: the second run waits in the queue
    const a = (
      await t.app.inject({
        method: 'POST',
        url: '/api/runs',
        ...json({ workflow: qrWorkflow('a') }),
      })
    ).json().runId
    const b = (
      await t.app.inject({
        method: 'POST',
        url: '/api/runs',
        ...json({ workflow: qrWorkflow('b') }),
      })
    ).json().runId
    const cancel = await t.app.inject({ method: 'POST', url: `/api/runs/${b}/cancel` })
    expect(cancel.statusCode).toBe(202)
    expect(cancel.json().status).toBe('cancelled')
    expect((await runTo(b, ['cancelled'])).status).toBe('cancelled')
    await runTo(a, ['finished'])
    const again = await t.app.inject({ method: 'POST', url: `/api/runs/${a}/cancel` })
    expect(again.statusCode).toBe(409)
    expect(again.json().code).toBe('SDF_SERVER_CONFLICT')
    const resumeFinished = await t.app.inject({ method: 'POST', url: `/api/runs/${a}/resume` })
    expect(resumeFinished.statusCode).toBe(409)
    const resume = await t.app.inject({ method: 'POST', url: `/api/runs/${b}/resume` })
    expect(resume.statusCode).toBe(202)
    expect((await runTo(b, ['finished'])).status).toBe('finished')
    const unknown = await t.app.inject({ method: 'POST', url: '/api/runs/nope/cancel' })
    expect(unknown.statusCode).toBe(404)
  })
})

describe('retention and shutdown', () => {
  it('keeps at most maxRuns runs, pruning the oldest', async () => {
    const small = await testApp({ retention: { maxRuns: 2 } })
    try {
      const ids: string[] = []
      for (let i = 0; i < 4; i++) {
        const res = await small.app.inject({
          method: 'POST',
          url: '/api/runs',
          ...json({ workflow: qrWorkflow(`r${i}`) }),
        })
        ids.push(res.json().runId)
        await waitFor(
          () => small.app.sdflow.store.getRun(ids[i] as string)?.status === 'finished' || undefined,
          'run to finish',
        )
      }
      await waitFor(
        () => small.app.sdflow.store.listRuns({ limit: 10 }).length <= 2 || undefined,
        'pruning',
      )
      const left = small.app.sdflow.store.listRuns({ limit: 10 }).map((r) => r.id)
      expect(left).toEqual([ids[3], ids[2]])
      expect(small.app.sdflow.store.eventsOfRun(ids[0] as string, 0, 10)).toEqual([])
    } finally {
      await small.close()
    }
  })

  it('accepts no run once shutting down (503)', async () => {
    const closing = await testApp()
    try {
      await closing.app.sdflowShutdown()
      const res = await closing.app.inject({
        method: 'POST',
        url: '/api/runs',
        ...json({ workflow: qrWorkflow() }),
      })
      expect(res.statusCode).toBe(503)
      expect(res.json().code).toBe('SDF_SERVER_SHUTTING_DOWN')
    } finally {
      await closing.close()
    }
  })
})

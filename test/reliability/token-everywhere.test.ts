// Issue 12 case 3: with a token configured, reads need it too; answers, errors and events name
// no absolute server path; --verbose logs carry no token. Against `sdflow-server` as a child
// process bound to 0.0.0.0.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ChildServer,
  killChildServers,
  startServerProcess,
} from '../../packages/server/src/child-server.test-support.js'
import { Observer, qrWorkflow, tempDir, waitFor, wsUrl } from './rig.test-support.js'

const TOKEN = 'token-everywhere-42'
const bearer = { authorization: `Bearer ${TOKEN}` }
let server: ChildServer
let dir: Awaited<ReturnType<typeof tempDir>>
let base: string

beforeAll(async () => {
  dir = await tempDir('sdflow-token-')
  mkdirSync(join(dir.path, 'workflows'))
  writeFileSync(join(dir.path, 'workflows', 'saved.json'), JSON.stringify(qrWorkflow('saved')))
  server = await startServerProcess([
    '--host',
    '0.0.0.0',
    '--port',
    '0',
    '--token',
    TOKEN,
    '--verbose',
    '--data',
    join(dir.path, 'data'),
    '--workflows',
    join(dir.path, 'workflows'),
    '--out',
    join(dir.path, 'out'),
    '--in',
    join(dir.path, 'in'),
  ])
  base = `http://127.0.0.1:${new URL(server.url).port}`
}, 60_000)
afterAll(async () => {
  await killChildServers()
  await dir.remove()
})

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers })

async function runToEnd(workflow: unknown): Promise<{ runId: string; body: string }> {
  const res = await fetch(`${base}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer },
    body: JSON.stringify({ workflow }),
  })
  expect(res.status, await res.clone().text()).toBe(202)
  const { runId } = (await res.json()) as { runId: string }
  const body = await waitFor(async () => {
    const text = await (await get(`/api/runs/${runId}`, bearer)).text()
    return /"status":"(finished|failed)"/.test(text.slice(0, 400)) ? text : undefined
  }, `run ${runId}`)
  return { runId, body }
}

describe('a server with a token', () => {
  it('answers every read with 401 without the token, and with it when given', async () => {
    const { runId, body } = await runToEnd(qrWorkflow('tok'))
    const run = JSON.parse(body) as { outputs: { image: { hash: string }[] } }
    const hash = run.outputs.image[0]?.hash as string
    const reads = [
      '/api/runs',
      `/api/runs/${runId}`,
      `/api/artifacts/${hash}`,
      '/api/workflows',
      '/api/workflows/saved',
      '/api/backends',
      '/api/node-types',
    ]
    for (const path of reads) {
      const none = await get(path)
      expect(none.status, path).toBe(401)
      const answer = (await none.json()) as { code: string }
      expect(answer.code, path).toBe('SDF_SERVER_UNAUTHORIZED')
      expect((await get(path, { authorization: 'Bearer wrong-token-x' })).status, path).toBe(401)
      expect((await get(path, bearer)).status, path).toBe(200)
    }
    // an <img> cannot send a header: ?token= is taken on artifacts (and the event stream only)
    expect((await get(`/api/artifacts/${hash}?token=${TOKEN}`)).status).toBe(200)
    expect((await get(`/api/runs?token=${TOKEN}`)).status).toBe(401)
    // Basic with the token as password (what A1111 clients send)
    const basic = `Basic ${Buffer.from(`any:${TOKEN}`).toString('base64')}`
    expect((await get('/api/runs', { authorization: basic })).status).toBe(200)
    // health stays open; the editor page loads so it can ask for the token
    expect((await get('/api/health')).status).toBe(200)
    expect((await get('/')).status).toBe(200)
  })

  it('shows paths relative to their roots in answers, errors and events', async () => {
    const { runId, body } = await runToEnd(qrWorkflow('rel'))
    expect(body).toContain('"files":["rel-00001.png"]')
    const failed = await runToEnd({
      format: 'sdflow.workflow/1',
      name: 'missing',
      nodes: {
        load: { type: 'image.load', params: { path: 'nowhere/none.png' } },
        save: {
          type: 'image.save',
          params: { prefix: 'x' },
          inputs: { image: { node: 'load', output: 'image' } },
        },
      },
    })
    expect(failed.body).toContain('SDF_PATH_NOT_FOUND')
    const outside = await runToEnd({
      format: 'sdflow.workflow/1',
      name: 'outside',
      nodes: {
        qr: { type: 'image.qr-code', params: { text: 'x' } },
        save: {
          type: 'image.save',
          params: { prefix: 'x', folder: '../../escape' },
          inputs: { image: { node: 'qr', output: 'image' } },
        },
      },
    })
    const ws = Observer.connect(wsUrl(base, `/api/events?since=0&token=${TOKEN}`))
    await ws.open()
    ws.subscribe({ since: 0 })
    await ws.until(
      'three runs',
      () => ws.events.filter((e) => e.type.startsWith('run.f')).length >= 3,
    )
    const frames = JSON.stringify(ws.frames)
    await ws.close()
    expect(frames).toContain('rel-00001.png')
    for (const text of [body, failed.body, outside.body, frames]) {
      expect(text).not.toContain(dir.path)
      expect(text).not.toContain(process.cwd())
    }
    const notFound = await (await get(`/api/runs/${runId}x`, bearer)).text()
    expect(notFound).not.toContain(dir.path)
  })

  it('never writes the token to its --verbose log', async () => {
    const ws = Observer.connect(wsUrl(base, `/api/events?since=0&token=${TOKEN}`))
    await ws.open()
    await ws.close()
    await get('/api/runs', bearer)
    await get(`/api/artifacts/${'0'.repeat(64)}?token=${TOKEN}`)
    const log = await waitFor(() => {
      const text = server.stdout()
      return text.includes('/api/events?since=0&token=') ? text : undefined
    }, 'the upgrade in the log')
    expect(log).toContain('token=[redacted]')
    expect(log).not.toContain(TOKEN)
    expect(server.stderr()).not.toContain(TOKEN)
  })
})

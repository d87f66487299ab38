import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tokenMatches } from './security.js'
import {
  Observer,
  qrWorkflow,
  type TestApp,
  tempDir,
  testApp,
  wsUrl,
} from './server.test-support.js'
import { type StartedServer, startServer } from './start.js'

const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/api/runs',
  payload: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
})

describe('origin and host checks (loopback, no token)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp()
  })
  afterAll(async () => {
    await t.close()
  })

  it('refuses a cross-origin POST before any handler runs', async () => {
    const res = await t.app.inject(
      post({ workflow: qrWorkflow() }, { origin: 'http://evil.example' }),
    )
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'SDF_SERVER_FORBIDDEN', statusCode: 403 })
    expect(t.app.sdflow.store.listRuns({ limit: 10 })).toEqual([])
    const nullOrigin = await t.app.inject(post({ workflow: qrWorkflow() }, { origin: 'null' }))
    expect(nullOrigin.statusCode).toBe(403)
  })

  it('accepts a same-origin POST and one without Origin', async () => {
    const same = await t.app.inject(
      post({ workflow: qrWorkflow() }, { origin: 'http://localhost' }),
    )
    expect(same.statusCode).toBe(202)
    const none = await t.app.inject(post({ workflow: qrWorkflow() }))
    expect(none.statusCode).toBe(202)
  })

  it('refuses a Host that is not this server (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:80', 'attacker.localhost']) {
      const res = await t.app.inject({ url: '/api/workflows', headers: { host } })
      expect(res.statusCode, host).toBe(403)
      expect(res.json().code).toBe('SDF_SERVER_FORBIDDEN')
    }
    const ok = await t.app.inject({ url: '/api/workflows', headers: { host: '127.0.0.1:80' } })
    expect(ok.statusCode).toBe(200)
  })

  it('compares tokens in constant time and exactly', () => {
    expect(tokenMatches('secret-token', 'secret-token')).toBe(true)
    expect(tokenMatches('secret-tokex', 'secret-token')).toBe(false)
    expect(tokenMatches('secret', 'secret-token')).toBe(false)
    expect(tokenMatches(undefined, 'secret-token')).toBe(false)
  })
})

describe('non-loopback bind', () => {
  it('refuses to build or start without a token', async () => {
    await expect(testApp({ host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'SDF_CONFIG_INVALID',
    })
    await expect(startServer({ host: '0.0.0.0', port: 0, logger: false })).rejects.toMatchObject({
      code: 'SDF_CONFIG_INVALID',
    })
  })

  it('requires the bearer token on every API route, reads included, not on /api/health', async () => {
    const t = await testApp({ host: '0.0.0.0', token: 'correct-horse' })
    try {
      const none = await t.app.inject(post({ workflow: qrWorkflow() }))
      expect(none.statusCode).toBe(401)
      expect(none.json().code).toBe('SDF_SERVER_UNAUTHORIZED')
      const wrong = await t.app.inject(
        post({ workflow: qrWorkflow() }, { authorization: 'Bearer wrong-horse' }),
      )
      expect(wrong.statusCode).toBe(401)
      const put = await t.app.inject({
        method: 'PUT',
        url: '/api/workflows/x',
        payload: JSON.stringify(qrWorkflow()),
        headers: { 'content-type': 'application/json' },
      })
      expect(put.statusCode).toBe(401)
      const right = await t.app.inject(
        post({ workflow: qrWorkflow() }, { authorization: 'Bearer correct-horse' }),
      )
      expect(right.statusCode).toBe(202)
      expect((await t.app.inject({ url: '/api/runs' })).statusCode).toBe(401)
      const read = await t.app.inject({
        url: '/api/runs',
        headers: { authorization: 'Bearer correct-horse' },
      })
      expect(read.statusCode).toBe(200)
      expect((await t.app.inject({ url: '/api/health' })).statusCode).toBe(200)
    } finally {
      await t.close()
    }
  })
})

describe('WebSocket upgrades', () => {
  let server: StartedServer
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    dir = await tempDir()
    server = await startServer({
      port: 0,
      logger: false,
      dataDir: join(dir.path, 'data'),
      workflowsDir: join(dir.path, 'wf'),
      runtimeOptions: { backends: 'none', outDir: join(dir.path, 'out') },
      events: { maxPayload: 1024 },
    })
  })
  afterAll(async () => {
    await server.close()
    await dir.remove()
  })

  it('refuses a cross-origin upgrade with 403', async () => {
    const o = Observer.connect(wsUrl(server.url, '/api/events'), { origin: 'http://evil.example' })
    await expect(o.open()).rejects.toThrow(/403/)
  })

  it('refuses an upgrade naming another Host or port', async () => {
    const port = new URL(server.url).port
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost:1']) {
      const o = Observer.connect(wsUrl(server.url, '/api/events'), { headers: { host } })
      await expect(o.open(), host).rejects.toThrow(/403/)
    }
    const ok = Observer.connect(wsUrl(server.url, '/api/events'), {
      origin: server.url,
    })
    await ok.open()
    await ok.close()
  })

  it('closes a client that sends a frame over the limit (1009), and only that one', async () => {
    const other = Observer.connect(wsUrl(server.url, '/api/events'))
    await other.open()
    other.subscribe({})
    await other.until('subscribed', (f) => f.type === 'subscribed')
    const big = Observer.connect(wsUrl(server.url, '/api/events'))
    await big.open()
    big.ws.send('x'.repeat(4096))
    expect((await big.waitClosed()).code).toBe(1009)
    expect(other.closed).toBeUndefined()
    const res = await fetch(`${server.url}/api/runs`, {
      method: 'POST',
      body: JSON.stringify({ workflow: qrWorkflow() }),
      headers: { 'content-type': 'application/json' },
    })
    const { runId } = (await res.json()) as { runId: string }
    await other.until('run.finished', (f) => f.type === 'run.finished' && f.runId === runId)
    await other.close()
  })
})

describe('token on WebSocket upgrades', () => {
  it('accepts the token as a header or ?token=, refuses the upgrade without it', async () => {
    const dir = await tempDir()
    const server = await startServer({
      host: '0.0.0.0',
      port: 0,
      token: 'correct-horse',
      logger: false,
      dataDir: join(dir.path, 'data'),
      runtimeOptions: { backends: 'none' },
    })
    try {
      const port = new URL(server.url).port
      const url = `ws://127.0.0.1:${port}/api/events`
      const none = Observer.connect(url)
      await expect(none.open()).rejects.toThrow(/401/)
      const wrong = Observer.connect(`${url}?token=nope-nope`)
      await expect(wrong.open()).rejects.toThrow(/401/)
      const query = Observer.connect(`${url}?token=correct-horse`)
      await query.open()
      const header = Observer.connect(url, { headers: { authorization: 'Bearer correct-horse' } })
      await header.open()
      await query.close()
      await header.close()
    } finally {
      await server.close()
      await dir.remove()
    }
  })
})

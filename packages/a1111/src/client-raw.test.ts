import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createArtifactStore } from '@sdflow/engine'
import { SdflowError } from '@sdflow/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { createClient } from './client.js'
import { isRetryable } from './errors.js'
import { requestJson } from './http.js'
import {
  generationBody,
  idleProgress,
  json,
  type RawHandler,
  type RawServer,
  startRaw,
} from './raw-server.test-support.js'

const servers: RawServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(handler: RawHandler) {
  const server = await startRaw(handler)
  servers.push(server)
  return server
}

const store = () => createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-a1111-')) })

async function failure(promise: Promise<unknown>): Promise<SdflowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdflowError)
  return error as SdflowError
}

/** Answers /internal/progress with 404 (API-only backend) and idle /sdapi/v1/progress. */
function a1111(txt2img: RawHandler): RawHandler {
  return (req, res, body) => {
    const path = (req.url ?? '').split('?')[0]
    if (path === '/sdapi/v1/progress') return json(res, 200, idleProgress)
    if (path === '/sdapi/v1/interrupt') return json(res, 200, {})
    if (path === '/sdapi/v1/txt2img') return txt2img(req, res, body)
    return json(res, 404, { detail: 'Not Found' })
  }
}

describe('client against misbehaving servers', () => {
  it('refuses a redirect instead of following it', async () => {
    const other = await serve((_req, res) => json(res, 200, []))
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${other.url}/sdapi/v1/sd-models` })
      res.end()
    })
    const client = createClient({ id: 'b1', url: server.url })
    const error = await failure(client.sdModels())
    expect(error.code).toBe('SDF_BACKEND_BAD_RESPONSE')
    expect(error.message).toMatch(/redirect/)
    expect(error.message).toMatch(/"b1"/)
    expect(other.seen).toEqual([])
  })

  it('reports HTML and non-JSON 200 answers as bad responses', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html><body>Login</body></html>')
    })
    expect((await failure(createClient({ id: 'h', url: html.url }).samplers())).code).toBe(
      'SDF_BACKEND_BAD_RESPONSE',
    )
    const garbage = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"oops')
    })
    const error = await failure(createClient({ id: 'g', url: garbage.url }).samplers())
    expect(error.code).toBe('SDF_BACKEND_BAD_RESPONSE')
    expect(isRetryable(error)).toBe(false)
  })

  it('names the field when a response does not match its schema', async () => {
    const server = await serve((_req, res) => json(res, 200, [{ model_name: 'x' }]))
    const error = await failure(createClient({ id: 'b1', url: server.url }).sdModels())
    expect(error.code).toBe('SDF_BACKEND_BAD_RESPONSE')
    expect(error.message).toContain('/0/title')
  })

  it('classifies status codes and A1111 error bodies', async () => {
    const answers: Record<string, [number, unknown]> = {
      '/sdapi/v1/samplers': [
        422,
        { detail: [{ loc: ['body', 'steps'], msg: 'value is not a valid integer' }] },
      ],
      '/sdapi/v1/upscalers': [
        500,
        { error: 'OutOfMemoryError', detail: '', body: '', errors: 'CUDA out of memory.' },
      ],
      '/sdapi/v1/schedulers': [503, { detail: 'busy' }],
      '/sdapi/v1/options': [500, { error: 'NansException', errors: 'all NaNs' }],
      '/sdapi/v1/sd-models': [401, { error: 'HTTPException', detail: 'Not authenticated' }],
      '/sdapi/v1/loras': [
        500,
        { error: 'RuntimeError', errors: 'CUDA error: unspecified failure' },
      ],
    }
    const server = await serve((req, res) => {
      const [status, body] = answers[(req.url ?? '').split('?')[0] ?? ''] ?? [404, {}]
      json(res, status, body)
    })
    const client = createClient({ id: 'b1', url: server.url })
    const rejected = await failure(client.samplers())
    expect(rejected.code).toBe('SDF_BACKEND_REJECTED')
    expect(rejected.issue.details?.field).toBe('steps')
    expect(isRetryable(rejected)).toBe(false)
    const oom = await failure(client.upscalers())
    expect(oom.code).toBe('SDF_BACKEND_OUT_OF_MEMORY')
    expect(isRetryable(oom)).toBe(true)
    const unavailable = await failure(client.schedulers())
    expect(unavailable.code).toBe('SDF_BACKEND_UNAVAILABLE')
    expect(isRetryable(unavailable)).toBe(true)
    const other = await failure(client.options())
    expect(other.code).toBe('SDF_BACKEND_ERROR')
    expect(isRetryable(other)).toBe(false)
    const auth = await failure(client.sdModels())
    expect(auth.message).toMatch(/auth/)
    expect(isRetryable(auth)).toBe(false)
    const target = { id: 'b1', base: server.url }
    const cuda = await failure(
      requestJson(target, { method: 'GET', path: '/sdapi/v1/loras', timeoutMs: 1000 }),
    )
    expect(cuda.code).toBe('SDF_BACKEND_ERROR')
    expect(isRetryable(cuda)).toBe(true)
  })

  it('names the request field of an unknown upscaler', async () => {
    const server = await serve(
      a1111((_req, res) =>
        json(res, 500, {
          error: 'Exception',
          detail: '',
          body: '',
          errors: 'could not find upscaler named Bogus 4x',
        }),
      ),
    )
    const client = createClient({ id: 'b1', url: server.url })
    const error = await failure(
      client.txt2img(
        { prompt: 'x', enable_hr: true, hr_upscaler: 'Bogus 4x', denoising_strength: 0.5 },
        { artifacts: store() },
      ),
    )
    expect(error.code).toBe('SDF_BACKEND_REJECTED')
    expect(error.issue.details?.field).toBe('hr_upscaler')
  })

  it('reports refused, dropped and slow connections as transient', async () => {
    const closed = await serve(() => {})
    const url = closed.url
    await closed.close()
    servers.splice(servers.indexOf(closed), 1)
    const refused = await failure(createClient({ id: 'gone', url }).samplers())
    expect(refused.code).toBe('SDF_BACKEND_UNREACHABLE')
    expect(isRetryable(refused)).toBe(true)

    const dropping = await serve((req) => void req.socket.destroy())
    const dropped = await failure(createClient({ id: 'drop', url: dropping.url }).samplers())
    expect(dropped.code).toBe('SDF_BACKEND_UNREACHABLE')

    const slow = await serve(() => {})
    const client = createClient({ id: 'slow', url: slow.url, timeouts: { connectMs: 100 } })
    const timeout = await failure(client.samplers())
    expect(timeout.code).toBe('SDF_BACKEND_TIMEOUT')
    expect(isRetryable(timeout)).toBe(true)
  })

  it('sends basic auth from the config, not the URL', async () => {
    let header: string | undefined
    const server = await serve((req, res) => {
      header = req.headers.authorization
      json(res, 200, [])
    })
    await createClient({
      id: 'b1',
      url: server.url,
      auth: { username: 'u', password: 'p' },
    }).samplers()
    expect(header).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)
  })
})

describe('generation answers', () => {
  it('splits the grid, generated images and detected maps', async () => {
    const server = await serve(a1111((_req, res) => json(res, 200, generationBody(2, 1, true))))
    const client = createClient({ id: 'b1', url: server.url })
    const out = await client.txt2img(
      { prompt: 'x', batch_size: 2, save_images: true },
      { artifacts: store() },
    )
    expect(out.images).toHaveLength(2)
    expect(out.detectedMaps).toHaveLength(1)
    expect(out.grid).toBeDefined()
    expect(out.seeds).toEqual([100, 101])
    expect(out.subseeds).toEqual([200, 201])
    expect(out.infotexts).toHaveLength(2)
    expect(out.taskId).toMatch(/^sdflow-/)
  })

  it('rejects bad base64, missing images and non-image bytes', async () => {
    let body: unknown = generationBody(1, 0, false, 'not base64!!')
    const server = await serve(a1111((_req, res) => json(res, 200, body)))
    const client = createClient({ id: 'b1', url: server.url })
    const run = () => failure(client.txt2img({ prompt: 'x' }, { artifacts: store() }))
    const bad = await run()
    expect(bad.code).toBe('SDF_BACKEND_BAD_RESPONSE')
    expect(bad.message).toMatch(/base64/)
    body = { ...generationBody(1), images: [] }
    expect((await run()).message).toMatch(/without images/)
    body = generationBody(1, 0, false, Buffer.from('hello world!').toString('base64'))
    expect((await run()).message).toMatch(/not an image/)
    body = { ...generationBody(1), info: '{"all_seeds": [1]}' }
    expect((await run()).message).toMatch(/all_subseeds/)
  })

  it('detects frozen progress before the hard timeout and interrupts', async () => {
    const frozenState = {
      ...idleProgress,
      progress: 0.3,
      state: {
        ...idleProgress.state,
        job: 'scripts_txt2img',
        job_count: 1,
        sampling_step: 3,
        sampling_steps: 10,
      },
    }
    const server = await serve((req, res) => {
      const path = (req.url ?? '').split('?')[0]
      if (path === '/sdapi/v1/progress') return json(res, 200, frozenState)
      if (path === '/sdapi/v1/interrupt') return json(res, 200, {})
      if (path === '/sdapi/v1/txt2img') return // never answers
      json(res, 404, { detail: 'Not Found' })
    })
    const client = createClient({
      id: 'b1',
      url: server.url,
      timeouts: { frozenMs: 400, requestMs: 20_000 },
    })
    const started = Date.now()
    const steps: number[] = []
    const error = await failure(
      client.txt2img(
        { prompt: 'x', steps: 10 },
        { artifacts: store(), onProgress: (u) => steps.push(u.step) },
      ),
    )
    expect(error.code).toBe('SDF_BACKEND_FROZEN')
    expect(isRetryable(error)).toBe(true)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(steps).toEqual([3])
    expect(server.seen).toContain('POST /sdapi/v1/interrupt')
  })
})

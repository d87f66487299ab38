import { execFile } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { useEmulator } from './test-support/http.js'

const emu = useEmulator()
const run = promisify(execFile)

/** A request as curl sends it: exactly these headers and this body, nothing added. */
function raw(
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  const url = new URL(path, emu().url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Python's urllib, as a Stop button written in Python calls it. */
async function urllib(path: string, data: string, contentType?: string) {
  const script = [
    'import sys, urllib.request, urllib.error',
    'req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")',
    'if len(sys.argv) > 3: req.add_header("Content-Type", sys.argv[3])',
    'try:',
    '    r = urllib.request.urlopen(req); print(r.status); print(r.read().decode())',
    'except urllib.error.HTTPError as e:',
    '    print(e.code); print(e.read().decode())',
  ].join('\n')
  const args = ['-c', script, `${emu().url}${path}`, data, ...(contentType ? [contentType] : [])]
  const { stdout } = await run('python3', args)
  const [status, ...rest] = stdout.split('\n')
  return { status: Number(status), text: rest.join('\n').trim() }
}

const bodyless = [
  '/sdapi/v1/interrupt',
  '/sdapi/v1/skip',
  '/sdapi/v1/refresh-checkpoints',
  '/sdapi/v1/refresh-loras',
  '/sdapi/v1/unload-checkpoint',
  '/sdapi/v1/reload-checkpoint',
]

describe('request bodies as FastAPI reads them', () => {
  it.each(bodyless)("curl -X POST -d '' %s answers 200, not 415", async (path) => {
    const r = await raw(path, { 'content-type': 'application/x-www-form-urlencoded' }, '')
    expect(r.status).toBe(200)
  })

  it.each(bodyless)('urllib data=b"" on %s answers 200, not 415', async (path) => {
    expect((await urllib(path, '')).status).toBe(200)
  })

  it('a route without a body ignores a form body or broken JSON', async () => {
    const form = await raw('/sdapi/v1/interrupt', { 'content-type': 'text/plain' }, 'stop=1')
    expect(form.status).toBe(200)
    const broken = await raw('/sdapi/v1/skip', { 'content-type': 'application/json' }, '{oops')
    expect(broken.status).toBe(200)
  })

  it('a JSON body without Content-Type is parsed as JSON (requests.post(url, data=json))', async () => {
    const r = await raw('/sdapi/v1/png-info', {}, JSON.stringify({ image: '' }))
    expect(r.status).toBe(500)
    expect(JSON.parse(r.text)).toMatchObject({ detail: 'Invalid encoded image' })
    const typed = await urllib('/sdapi/v1/interrogate', '{"model": "nope"}', 'application/json')
    expect(typed.status).toBe(404)
    // urllib labels any data a form, and FastAPI then hands the model raw bytes
    expect((await urllib('/sdapi/v1/interrogate', '{"model": "nope"}')).status).toBe(422)
  })

  it('application/*+json is JSON', async () => {
    const r = await raw(
      '/sdapi/v1/options',
      { 'content-type': 'application/merge-patch+json' },
      JSON.stringify({ samples_format: 'png' }),
    )
    expect(r.status).toBe(200)
  })

  it('a form body on a JSON route answers 422 "value is not a valid dict", not 415', async () => {
    const r = await raw(
      '/sdapi/v1/txt2img',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'prompt=fox',
    )
    expect(r.status).toBe(422)
    expect(JSON.parse(r.text)).toEqual({
      detail: [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }],
    })
    const py = await urllib('/sdapi/v1/txt2img', 'prompt=fox')
    expect(py.status).toBe(422)
  })

  it('an empty body on a JSON route is a missing body (422 field required)', async () => {
    const r = await urllib('/sdapi/v1/txt2img', '', 'application/json')
    expect(r.status).toBe(422)
    expect(JSON.parse(r.text).detail[0]).toMatchObject({
      loc: ['body'],
      type: 'value_error.missing',
    })
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SdflowError } from '@sdflow/protocol'
import { describe, expect, it } from 'vitest'
import { backendsFromUrls, loadConfig, parseConfig } from './config.js'
import { defaultTimeouts } from './timeouts.js'

function issuesOf(run: () => unknown): { pointer: string; message: string }[] {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(SdflowError)
    const e = error as SdflowError
    expect(e.code).toBe('SDF_CONFIG_INVALID')
    return e.issue.details?.issues as { pointer: string; message: string }[]
  }
  throw new Error('expected the config to be rejected')
}

describe('sdflow.config.json', () => {
  it('fills slots and timeouts and keeps other sections', () => {
    const { backends, raw } = parseConfig({
      backends: [{ id: 'gpu-1', url: 'http://10.0.0.5:7860/', timeouts: { frozenMs: 5000 } }],
      server: { port: 1 },
    })
    expect(backends).toEqual([
      {
        type: 'a1111',
        id: 'gpu-1',
        url: 'http://10.0.0.5:7860',
        slots: 1,
        timeouts: { ...defaultTimeouts, frozenMs: 5000 },
      },
    ])
    expect(raw.server).toEqual({ port: 1 })
  })

  it('reads runpod backends: worker, key from apiKey or the environment, 4 slots by default', () => {
    const env = { RUNPOD_API_KEY: 'rp-env-key', OTHER: 'rp-other' }
    const { backends } = parseConfig(
      {
        backends: [
          { id: 'rp', type: 'runpod', url: 'https://api.runpod.ai/v2/abc', worker: 'a1111' },
          {
            id: 'rq',
            type: 'runpod',
            url: 'http://127.0.0.1:1/v2/x',
            worker: 'a1111-proxy',
            apiKeyEnv: 'OTHER',
            pricePerImage: 0.0003,
          },
          {
            id: 'rr',
            type: 'runpod',
            url: 'http://127.0.0.1:1/v2/y',
            worker: 'a1111',
            apiKey: 'given',
            slots: 2,
          },
          { id: 'gw', url: 'http://gw', headers: { Authorization: 'Bearer t' } },
        ],
      },
      'f',
      env,
    )
    expect(
      backends.map((b) => (b.type === 'runpod' ? [b.worker, b.apiKey, b.slots] : b.headers)),
    ).toEqual([
      ['a1111', 'rp-env-key', 4],
      ['a1111-proxy', 'rp-other', 4],
      ['a1111', 'given', 2],
      { Authorization: 'Bearer t' },
    ])
    expect(backends[1]?.pricePerImage).toBe(0.0003)
  })

  it('names the field of an invalid runpod backend', () => {
    const pointers = (backend: Record<string, unknown>) =>
      issuesOf(() => parseConfig({ backends: [backend] }, 'f', {})).map((i) => [
        i.pointer,
        i.message,
      ])
    expect(
      pointers({ id: 'rp', type: 'runpod', url: 'http://x/v2/e', worker: 'comfy', apiKey: 'k' }),
    ).toEqual([['/backends/0/worker', '/backends/0/worker must be one of "a1111", "a1111-proxy"']])
    expect(
      pointers({ id: 'rp', type: 'runpod', url: 'http://x/v2/e', worker: 'a1111' })[0]?.[0],
    ).toBe('/backends/0/apiKeyEnv')
    expect(pointers({ id: 'rp', type: 'modal', url: 'http://x' })[0]?.[0]).toBe('/backends/0/type')
    expect(
      pointers({ id: 'rp', type: 'runpod', url: 'http://x', worker: 'a1111', auth: {} })[0]?.[0],
    ).toBe('/backends/0/auth')
    expect(
      pointers({
        id: 'a',
        url: 'http://x',
        auth: { username: 'u', password: 'p' },
        headers: { authorization: 'x' },
      })[0]?.[0],
    ).toBe('/backends/0/headers/authorization')
  })

  it('reads pool settings (queue timeout, retries, probe backoff) and refuses unknown ones', () => {
    const settings = { queueTimeoutMs: 500, maxAttempts: 2, downBackoff: { baseMs: 50 } }
    expect(parseConfig({ backends: [], pool: settings }).pool).toEqual(settings)
    expect(parseConfig({ backends: [] }).pool).toEqual({})
    const issues = issuesOf(() => parseConfig({ backends: [], pool: { queueMs: 1 } }))
    expect(issues.map((i) => i.pointer)).toEqual(['/pool/queueMs'])
  })

  it('points at every invalid field', () => {
    const issues = issuesOf(() =>
      parseConfig({
        backends: [
          { id: 'Bad Id', url: 'ftp://x', slots: 0 },
          { url: 'http://ok', timeouts: { hang: 1 } },
        ],
      }),
    )
    const pointers = issues.map((i) => i.pointer)
    expect(pointers).toContain('/backends/0/id')
    expect(pointers).toContain('/backends/0/url')
    expect(pointers).toContain('/backends/0/slots')
    expect(pointers).toContain('/backends/1/id')
    expect(pointers).toContain('/backends/1/timeouts/hang')
  })

  it('refuses credentials in the URL and duplicate ids', () => {
    const issues = issuesOf(() =>
      parseConfig({
        backends: [
          { id: 'a', url: 'http://user:secret@host:7860' },
          { id: 'a', url: 'http://host2' },
        ],
      }),
    )
    expect(issues).toContainEqual(
      expect.objectContaining({
        pointer: '/backends/0/url',
        message: expect.stringMatching(/auth/),
      }),
    )
    expect(issues).toContainEqual(expect.objectContaining({ pointer: '/backends/1/id' }))
  })

  it('loads a file and reports broken JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdflow-config-'))
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify({ backends: [{ id: 'b', url: 'https://h' }] }))
    expect((await loadConfig(good)).backends[0]?.id).toBe('b')
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{')
    await expect(loadConfig(bad)).rejects.toMatchObject({ code: 'SDF_CONFIG_INVALID' })
  })

  it('numbers --backend URLs b1, b2 and refuses bad ones', () => {
    const backends = backendsFromUrls(['http://a:7860', 'https://b'])
    expect(backends.map((b) => b.id)).toEqual(['b1', 'b2'])
    expect(() => backendsFromUrls(['http://u:p@a'])).toThrow(/auth/)
    expect(() => backendsFromUrls(['file:///etc/passwd'])).toThrow(SdflowError)
  })
})

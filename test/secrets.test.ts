import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type RunningEmulator,
  type RunningRunpodEmulator,
  startEmulator,
  startRunpodEmulator,
} from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, root, tmp } from './cli.test-support.js'

// every credential sdflow is given; none may come out anywhere
const PASSWORD = 'basic-pass-5f1e'
const HEADER = 'gateway-token-93ab'
const KEY = 'rp-live-key-c0ffee'
const WRONG = 'rp-wrong-key-dead'
const SECRETS = [PASSWORD, HEADER, KEY, WRONG]
const ENV = { SDFLOW_TEST_RUNPOD_KEY: KEY }

let box: RunningEmulator
let endpoint: RunningRunpodEmulator
let dir: string
let config: string

/** Every file under a folder, bytes (SQLite, PNG, JSON) searched as latin1 text. */
function filesUnder(folder: string): { path: string; text: string }[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, text: readFileSync(path).toString('latin1') }))
}

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s) || text.includes(Buffer.from(s).toString('base64')))
}

function run(args: string[], env: Record<string, string> = ENV) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', ...env },
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c
    })
    child.stderr.on('data', (c: Buffer) => {
      out += c
    })
    child.on('close', (code) => resolve({ code, out }))
  })
}

const doc = {
  format: 'sdflow.workflow/1',
  name: 'secrets',
  nodes: {
    a: {
      type: 'sd.txt2img',
      params: { prompt: 'a', steps: 3, width: 64, height: 64, seed: 1, backend: 'box' },
    },
    b: {
      type: 'sd.txt2img',
      params: { prompt: 'b', steps: 3, width: 64, height: 64, seed: 2, backend: 'rp' },
    },
    sa: {
      type: 'image.save',
      params: { prefix: 'a' },
      inputs: { image: { node: 'a', output: 'image' } },
    },
    sb: {
      type: 'image.save',
      params: { prefix: 'b' },
      inputs: { image: { node: 'b', output: 'image' } },
    },
  },
}

beforeAll(async () => {
  box = await startEmulator({ stepMs: 2, auth: { username: 'sd', password: PASSWORD } })
  endpoint = await startRunpodEmulator({ apiKey: KEY, stepMs: 2 })
  dir = tmp('sdflow-secrets-')
  config = join(dir, 'sdflow.config.json')
  writeFileSync(
    config,
    JSON.stringify({
      backends: [
        {
          id: 'box',
          url: box.url,
          auth: { username: 'sd', password: PASSWORD },
          headers: { 'X-Gateway-Key': HEADER },
          pricePerImage: 0.00031,
        },
        {
          id: 'rp',
          type: 'runpod',
          worker: 'a1111',
          url: endpoint.url,
          apiKeyEnv: 'SDFLOW_TEST_RUNPOD_KEY',
          pricePerImage: 0.00031,
        },
      ],
    }),
  )
  writeFileSync(join(dir, 'wf.json'), JSON.stringify(doc))
})

afterAll(async () => {
  await box?.close()
  await endpoint?.close()
})

describe('secrets (Basic password, headers, RunPod key) never leave sdflow', () => {
  it('sdflow run: not in its output, events, PNGs, cache or run store', async () => {
    const ran = await run(['run', 'wf.json', '--config', config, '--data', 'data', '--out', 'out'])
    expect(ran.out).toMatch(/\$0\.00031\/image/)
    expect(ran.code, ran.out).toBe(0)
    const events = await run([
      'run',
      'wf.json',
      '--config',
      config,
      '--data',
      'data2',
      '--out',
      'out2',
      '--json',
    ])
    expect(events.code).toBe(0)
    expect(events.out).toMatch(/"node.finished"/)
    expect(leaks(ran.out + events.out)).toEqual([])
    const written = filesUnder(dir).filter((f) => !f.path.endsWith('sdflow.config.json'))
    expect(written.filter((f) => /\/out2?\/.*\.png$/.test(f.path)).length).toBe(4)
    expect(written.flatMap((f) => leaks(f.text).map((s) => `${f.path}: ${s}`))).toEqual([])
  })

  it('a wrong key fails fast with SDF_BACKEND_KEY_REFUSED and is not in the message', async () => {
    const wrong = join(dir, 'wrong.config.json')
    writeFileSync(
      wrong,
      JSON.stringify({
        backends: [{ id: 'rp', type: 'runpod', worker: 'a1111', url: endpoint.url, apiKey: WRONG }],
      }),
    )
    const one = {
      ...doc,
      nodes: { b: { ...doc.nodes.b, params: { ...doc.nodes.b.params, backend: '' } } },
    }
    writeFileSync(join(dir, 'one.json'), JSON.stringify(one))
    const ran = await run(['run', 'one.json', '--config', wrong, '--data', 'data3', '--json'])
    expect(ran.code).toBe(1)
    expect(ran.out).toMatch(/SDF_BACKEND_KEY_REFUSED/)
    expect(ran.out).toMatch(/check the key/)
    expect(leaks(ran.out)).toEqual([])
  })

  it('sdflow serve --verbose: not in logs, GET /api/backends, run records or events', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, 'serve', '--config', config, '--port', '0', '--data', 'served', '--verbose'],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...ENV } },
    )
    let logs = ''
    child.stderr?.on('data', (c: Buffer) => {
      logs += c
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (c: Buffer) => {
          logs += c
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(logs)
          if (m?.[1]) resolve(m[1])
        })
        child.on('exit', () => reject(new Error(`exited: ${logs}`)))
      })
      const backends = await (await fetch(`${url}/api/backends`)).text()
      expect(JSON.parse(backends).map((b: { id: string; kind: string }) => [b.id, b.kind])).toEqual(
        [
          ['box', 'a1111'],
          ['rp', 'runpod'],
        ],
      )
      expect(JSON.parse(backends)[1].workers).toEqual({
        idle: expect.any(Number),
        running: 0,
        initializing: 0,
      })
      const created = await fetch(`${url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workflow: doc }),
      })
      const { runId: id } = (await created.json()) as { runId: string }
      let record = ''
      for (let i = 0; i < 200; i++) {
        record = await (await fetch(`${url}/api/runs/${id}`)).text()
        if (/"status":"(finished|failed)"/.test(record)) break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(record).toMatch(/"status":"finished"/)
      // events are stored in the run store, searched below with every other file
      expect(leaks(backends + record + logs)).toEqual([])
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
    expect(leaks(logs)).toEqual([])
    expect(filesUnder(join(dir, 'served')).flatMap((f) => leaks(f.text))).toEqual([])
  })
})

void root

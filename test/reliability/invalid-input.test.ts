// Cases 10, 21: an invalid workflow is refused with every issue and nothing runs; a few
// thousand mutated workflows and API bodies each get a structured 4xx or a valid run.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { isErrorCode } from '@sdflow/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  backendWorkflow,
  emulators,
  link,
  qrWorkflow,
  type Rig,
  rig,
  settled,
  workflowOf,
} from './rig.test-support.js'

let emulator: RunningEmulator
let r: Rig
beforeAll(async () => {
  ;[emulator] = (await emulators(1, { stepMs: 1 })) as [RunningEmulator]
  r = await rig([{ id: 'emu', url: emulator.url }], { server: { concurrency: 2 } })
})
afterAll(async () => {
  await r.close()
  await emulator.close()
})

describe('an invalid workflow', () => {
  it('answers 400 with every issue; nothing runs, nothing is queued', async () => {
    const before = emulator.stats().requests
    const doc = workflowOf({
      // a cycle
      a: { type: 'image.resize', params: { width: 8 }, inputs: { image: link('b') } },
      b: { type: 'image.resize', params: { width: 8 }, inputs: { image: link('a') } },
      // an unknown type
      c: { type: 'image.resizee', params: {} },
      // a string output into an image input (mismatched sockets)
      gen: { type: 'sd.txt2img', params: { prompt: 'x' } },
      d: { type: 'image.resize', params: { width: 8 }, inputs: { image: link('gen', 'seeds') } },
      // a required input missing
      e: { type: 'image.save', params: { prefix: 'e' } },
      // two links into one input
      f: {
        type: 'image.save',
        params: { prefix: 'f' },
        inputs: { image: [link('gen'), link('gen')] },
      },
    })
    const res = await r.app.inject({ method: 'POST', url: '/api/runs', payload: { workflow: doc } })
    expect(res.statusCode).toBe(400)
    const body = res.json() as {
      statusCode: number
      code: string
      issues: { code: string; pointer: string }[]
    }
    expect(body.statusCode).toBe(400)
    const found = body.issues.map((i) => `${i.code} ${i.pointer}`)
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SDF_GRAPH_CYCLE \/nodes\/a/),
        'SDF_NODE_UNKNOWN_TYPE /nodes/c/type',
        expect.stringMatching(/^SDF_LINK_KIND_MISMATCH \/nodes\/d\/inputs\/image/),
        'SDF_INPUT_REQUIRED /nodes/e/inputs/image',
        expect.stringMatching(/^SDF_INPUT_MULTIPLE_LINKS \/nodes\/f\/inputs\/image/),
      ]),
    )
    expect(r.app.sdflow.store.listRuns({ limit: 10 })).toEqual([])
    expect(r.app.sdflow.runs.queued).toEqual([])
    expect(emulator.stats().requests).toEqual(before)
  })
})

/** mulberry32: a small seeded generator, so a failure is reproducible from its seed. */
function generator(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  return { next, int, pick }
}
type Gen = ReturnType<typeof generator>

const strange: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -0.5,
  Number.MAX_SAFE_INTEGER,
  '',
  'x'.repeat(5000),
  '../../etc/passwd',
  '\u0000',
  'ünïcödé 🎨',
  '__proto__',
  [],
  [1, 'a', null],
  {},
  { node: 'gen', output: 'image' },
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
]

/** Every path to a value inside `value` (objects and arrays), as key lists. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix)
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(v, [...prefix, i], out)
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out)
  }
  return out
}

function mutate(doc: unknown, g: Gen): unknown {
  let copy = structuredClone(doc) as Record<string, unknown>
  const times = 1 + g.int(3)
  for (let n = 0; n < times; n++) {
    // a JSON round trip drops the sharing a step may create, so no later step makes a cycle
    copy = JSON.parse(JSON.stringify(copy)) as Record<string, unknown>
    const all = paths(copy).filter((p) => p.length > 0)
    const path = g.pick(all)
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], copy) as Record<
      string | number,
      unknown
    >
    const key = path[path.length - 1] as string | number
    switch (g.int(6)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(Number(key), 1)
        else delete parent[key]
        break
      case 1:
        parent[key] = g.pick(strange)
        break
      case 2:
        parent[`${String(key)}${g.pick(['_', '2', 'X', ' '])}`] = parent[key]
        break
      case 3: {
        // a link to a random node and output, maybe itself (a cycle)
        const nodes = Object.keys((copy.nodes as object) ?? {})
        parent[key] = { node: g.pick([...nodes, 'ghost']), output: g.pick(['image', 'seeds', 'x']) }
        break
      }
      case 4:
        parent[key] = [parent[key], parent[key]]
        break
      default: {
        const value = parent[key]
        if (typeof value === 'number') parent[key] = g.pick([value * 1000, -value, value + 0.5])
        else if (typeof value === 'string') parent[key] = `${value}${g.pick(['x', '.', '/..', ''])}`
        else parent[key] = JSON.parse(JSON.stringify(value ?? null))
      }
    }
  }
  return copy
}

const workflowsDir = fileURLToPath(new URL('../../workflows', import.meta.url))
const seeds: unknown[] = [
  ...readdirSync(workflowsDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(`${workflowsDir}/${f}`, 'utf8')) as unknown),
  qrWorkflow('fuzz'),
  backendWorkflow(2, 5),
]

function body(g: Gen): unknown {
  const doc = mutate(g.pick(seeds), g)
  switch (g.int(8)) {
    case 0:
      return { name: g.pick(['../x', 'a b', '', 'x'.repeat(300), 'missing', 42]) }
    case 1:
      return { workflow: doc, inputs: g.pick(strange) }
    case 2:
      return { workflow: doc, name: 'both' }
    case 3:
      return g.pick(strange)
    case 4:
      return { workflow: doc, extra: 1 }
    case 5:
      return mutate({ workflow: doc, inputs: { prompt: 'p' } }, g)
    default:
      return { workflow: doc }
  }
}

describe('fuzzed workflows and API bodies', () => {
  it('answer a structured 4xx or a valid run, never a 500 or a crash', async () => {
    const g = generator(Number(process.env.SDFLOW_FUZZ_SEED ?? 20_240_611))
    const cases = 2_000
    const tally = { accepted: 0, refused: 0 }
    const codes = new Map<string, number>()
    const accepted: string[] = []
    for (let i = 0; i < cases; i++) {
      const payload = body(g)
      const route = g.int(10) === 0 ? 'PUT' : 'POST'
      const res = await r.app.inject({
        method: route,
        url: route === 'PUT' ? `/api/workflows/fuzz-${i % 5}` : '/api/runs',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      })
      const context = `case ${i}: ${JSON.stringify(payload).slice(0, 300)}`
      expect(res.statusCode, context).toBeLessThan(500)
      if (res.statusCode < 300) {
        tally.accepted++
        if (route === 'POST') {
          const { runId } = res.json() as { runId: string }
          // let a few run to the end; cancel the rest so the suite stays quick
          if (accepted.length < 12) accepted.push(runId)
          else await r.app.inject({ method: 'POST', url: `/api/runs/${runId}/cancel` })
        }
        continue
      }
      tally.refused++
      const error = res.json() as Record<string, unknown>
      expect(Object.keys(error).sort(), context).toEqual([
        'code',
        'issues',
        'message',
        'statusCode',
      ])
      expect(error.statusCode, context).toBe(res.statusCode)
      expect(isErrorCode(error.code), context).toBe(true)
      expect(Array.isArray(error.issues) && error.issues.length > 0, context).toBe(true)
      for (const issue of error.issues as Record<string, unknown>[]) {
        expect(isErrorCode(issue.code), context).toBe(true)
        expect(typeof issue.pointer === 'string' && typeof issue.message === 'string').toBe(true)
      }
      codes.set(String(error.code), (codes.get(String(error.code)) ?? 0) + 1)
    }
    expect(tally.accepted).toBeGreaterThan(20)
    expect(tally.refused).toBeGreaterThan(cases / 2)
    for (const runId of accepted) {
      const run = await settled(r.app, runId, 30_000)
      expect(['finished', 'failed']).toContain(run.status)
      expect(Object.values(run.nodes).filter((n) => n.status === 'running')).toEqual([])
    }
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted')
    process.stdout.write(
      `[figures] fuzz: ${cases} bodies, ${tally.accepted} accepted, ${tally.refused} refused with ${codes.size} distinct codes, 0 server errors\n`,
    )
  })
})

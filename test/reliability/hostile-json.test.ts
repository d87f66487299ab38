// Issue 12 cases 8 and 9: deeply nested JSON answers 400 with a stable code (never 500), and
// node ids or input names that are Object.prototype's own names work on the server as in
// the CLI, while undeclared ones with those names are refused. Real HTTP to a listening server.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_JSON_DEPTH } from '@sdflow/protocol'
import { type StartedServer, startServer } from '@sdflow/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdflow } from '../cli.test-support.js'
import { tempDir, waitFor } from './rig.test-support.js'

let server: StartedServer
let dir: Awaited<ReturnType<typeof tempDir>>

beforeAll(async () => {
  dir = await tempDir('sdflow-hostile-json-')
  mkdirSync(join(dir.path, 'workflows'))
  server = await startServer({
    port: 0,
    logger: false,
    dataDir: join(dir.path, 'data'),
    workflowsDir: join(dir.path, 'workflows'),
    runtimeOptions: { backends: 'none', outDir: join(dir.path, 'out') },
  })
})
afterAll(async () => {
  await server.close()
  await dir.remove()
})

const send = (method: string, path: string, body: string) =>
  fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body })

/** 2,000 nested arrays in a node's params: about 4 KB. */
function deepWorkflow(levels = 2000): string {
  const deep = `${'['.repeat(levels)}${']'.repeat(levels)}`
  return `{"format":"sdflow.workflow/1","name":"deep","nodes":{"qr":{"type":"image.qr-code","params":{"text":"x","extra":${deep}}}}}`
}

describe('deeply nested JSON', () => {
  it('answers 400 SDF_DOC_TOO_DEEP on every route that takes a workflow, never 500', async () => {
    const doc = deepWorkflow()
    expect(doc.length).toBeLessThan(4200)
    const answers = [
      await send('POST', '/api/runs', `{"workflow":${doc}}`),
      await send('PUT', '/api/workflows/deep', doc),
      await send('POST', '/api/validate', `{"workflow":${doc}}`),
      await send(
        'POST',
        '/api/runs',
        `{"name":"x","inputs":{"a":${'['.repeat(2000)}${']'.repeat(2000)}}}`,
      ),
    ]
    for (const res of answers) {
      expect(res.status).toBe(400)
      const body = (await res.json()) as { code: string; issues: { pointer: string }[] }
      expect(body.code).toBe('SDF_DOC_TOO_DEEP')
      expect(body.issues[0]?.pointer).toMatch(/^\/body\//)
    }
    expect(readdirSync(join(dir.path, 'workflows'))).toEqual([])
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
  })

  it('refuses a deep saved workflow run by name, and takes one at the limit', async () => {
    writeFileSync(join(dir.path, 'workflows', 'deep-file.json'), deepWorkflow())
    const res = await send('POST', '/api/runs', '{"name":"deep-file"}')
    expect(res.status).toBe(400)
    expect(((await res.json()) as { code: string }).code).toBe('SDF_DOC_TOO_DEEP')
    // params.extra sits at depth 5: nesting up to the limit is still a workflow
    const atLimit = deepWorkflow(MAX_JSON_DEPTH - 5)
    const ok = await send('POST', '/api/validate', `{"workflow":${atLimit}}`)
    expect(ok.status).toBe(200)
  })

  it('the CLI reports it as an issue, not a crash', async () => {
    const file = join(dir.path, 'deep.json')
    writeFileSync(file, deepWorkflow())
    const result = await sdflow(['validate', file])
    expect(result.code).not.toBe(0)
    expect(result.stdout + result.stderr).toContain('SDF_DOC_TOO_DEEP')
    expect(result.stderr).not.toMatch(/RangeError|stack size/)
  })
})

const link = (node: string) => ({ node, output: 'image' })

/**
 * Node ids that are Object.prototype's own names. Parsed from JSON: an object literal's
 * `__proto__:` would set the prototype, JSON.parse makes it an own key (as a request body does).
 */
function prototypeNamed(): Record<string, unknown> {
  return JSON.parse(`{
    "format": "sdflow.workflow/1",
    "name": "proto",
    "inputs": { "constructor": { "node": "constructor", "param": "text" } },
    "outputs": {
      "toString": { "node": "toString", "output": "image" },
      "__proto__": { "node": "__proto__", "output": "image" }
    },
    "nodes": {
      "constructor": { "type": "image.qr-code", "params": { "text": "hi", "size": 64 } },
      "hasOwnProperty": { "type": "image.resize", "params": { "width": 32 },
        "inputs": { "image": { "node": "constructor", "output": "image" } } },
      "__proto__": { "type": "image.resize", "params": { "width": 30 },
        "inputs": { "image": { "node": "hasOwnProperty", "output": "image" } } },
      "toString": { "type": "image.save", "params": { "prefix": "proto" },
        "inputs": { "image": { "node": "__proto__", "output": "image" } } }
    }
  }`) as Record<string, unknown>
}

describe('node ids and input names named like Object.prototype members', () => {
  it('runs constructor, hasOwnProperty, __proto__ and toString nodes to the end', async () => {
    const body = JSON.stringify({ workflow: prototypeNamed(), inputs: { constructor: 'hello' } })
    expect(body).toContain('"__proto__":{"type":"image.resize"')
    const res = await send('POST', '/api/runs', body)
    expect(res.status, await res.clone().text()).toBe(202)
    const { runId } = (await res.json()) as { runId: string }
    const run = await waitFor(async () => {
      const r = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as {
        status: string
        nodes: Record<string, { status: string }>
        outputs: Record<string, unknown>
        files: string[]
      }
      return r.status === 'finished' || r.status === 'failed' ? r : undefined
    }, 'the run')
    expect(run.status).toBe('finished')
    expect(Object.keys(run.nodes).sort()).toEqual([
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
    ])
    expect(Object.values(run.nodes).map((n) => n.status)).toEqual(['done', 'done', 'done', 'done'])
    expect(Object.keys(run.outputs).sort()).toEqual(['__proto__', 'toString'])
    expect(run.files).toEqual([expect.stringMatching(/^proto-00001\.png$/)])
  })

  it('refuses undeclared inputs, links and workflow inputs with those names', async () => {
    const cases: [unknown, string, string][] = [
      [
        {
          workflow: {
            ...prototypeNamed(),
            nodes: {
              ...(prototypeNamed().nodes as object),
              hasOwnProperty: {
                type: 'image.resize',
                params: { width: 32 },
                inputs: { image: link('constructor'), constructor: link('constructor') },
              },
            },
          },
        },
        'SDF_INPUT_UNKNOWN',
        '/nodes/hasOwnProperty/inputs/constructor',
      ],
      [
        { workflow: prototypeNamed(), inputs: { toString: 'x' } },
        'SDF_WORKFLOW_INPUT_UNKNOWN',
        '/inputs/toString',
      ],
      [
        {
          workflow: {
            ...prototypeNamed(),
            nodes: {
              a: { type: 'image.resize', params: { width: 8 }, inputs: { image: link('valueOf') } },
            },
            inputs: {},
            outputs: {},
          },
        },
        'SDF_LINK_MISSING_NODE',
        '/nodes/a/inputs/image/node',
      ],
      [
        {
          workflow: {
            ...prototypeNamed(),
            nodes: { a: { type: 'image.qr-code', params: { text: 'x' } } },
            inputs: {},
            outputs: { o: { node: 'a', output: 'toString' } },
          },
        },
        'SDF_WORKFLOW_OUTPUT_TARGET',
        '/outputs/o/output',
      ],
    ]
    for (const [body, code, pointer] of cases) {
      const res = await send('POST', '/api/validate', JSON.stringify(body))
      const answer = (await res.json()) as {
        valid: boolean
        issues: { code: string; pointer: string }[]
      }
      expect(answer.valid, code).toBe(false)
      expect(answer.issues, code).toContainEqual(expect.objectContaining({ code, pointer }))
    }
  })
})

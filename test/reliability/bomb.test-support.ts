// Case 8 in a process of its own, so its peak memory is its own: a decompression bomb in a
// backend answer, in the artifact store and as a file image.load reads.
// `node --conditions=source --import tsx bomb.test-support.ts BOMB.png WORKDIR`; prints JSON.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createClient } from '@sdflow/a1111'
import { createArtifactStore, createEngine } from '@sdflow/engine'
import { createNodeRegistry } from '@sdflow/nodes'
import { SdflowError } from '@sdflow/protocol'
import {
  generationBody,
  idleProgress,
  json,
  startRaw,
} from '../../packages/a1111/src/raw-server.test-support.js'

const [bombFile = '', work = ''] = process.argv.slice(2)
const bomb = readFileSync(bombFile)
const baselineKb = process.resourceUsage().maxRSS
const codes: Record<string, string> = {}
const codeOf = (error: unknown) => (error instanceof SdflowError ? error.code : String(error))

// 1. an upload straight into the artifact store
const artifacts = createArtifactStore({ root: join(work, 'artifacts') })
codes.store = await artifacts.put(bomb).then(() => 'stored', codeOf)

// 2. a backend answering txt2img with the bomb
const backend = await startRaw((req, res) => {
  const path = (req.url ?? '').split('?')[0]
  if (path === '/sdapi/v1/txt2img')
    json(res, 200, generationBody(1, 0, false, bomb.toString('base64')))
  else if (path === '/sdapi/v1/progress') json(res, 200, idleProgress)
  else json(res, 404, { detail: 'Not Found' })
})
const client = createClient({ id: 'bomb', url: backend.url })
codes.response = await client
  .txt2img({ prompt: 'x', steps: 1 }, { artifacts })
  .then(() => 'stored', codeOf)
await backend.close()

// 3. a workflow loading it from the input folder
mkdirSync(join(work, 'in'), { recursive: true })
copyFileSync(bombFile, join(work, 'in', 'bomb.png'))
const engine = createEngine({
  registry: createNodeRegistry(),
  services: {},
  dataDir: join(work, 'data'),
  roots: { input: join(work, 'in'), output: join(work, 'out') },
})
const run = await engine.run({
  format: 'sdflow.workflow/1',
  name: 'bomb',
  nodes: {
    load: { type: 'image.load', params: { path: 'bomb.png' } },
    resize: {
      type: 'image.resize',
      params: { width: 64 },
      inputs: { image: { node: 'load', output: 'image' } },
    },
  },
})
codes.load = run.nodes.load?.issue?.code ?? run.nodes.load?.status ?? 'missing'

process.stdout.write(
  `${JSON.stringify({ codes, baselineKb, maxRssKb: process.resourceUsage().maxRSS })}\n`,
)

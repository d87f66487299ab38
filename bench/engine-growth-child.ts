// One size of the growth bench, in its own process so its peak RSS is its own: validate, plan,
// then engine.run (file cache on, events counted) on a layered workflow of `count` no-op nodes.
// Prints one JSON line. Run by bench/engine-growth.ts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, createFileCache, createRegistry, plan, validate } from '@sdflow/engine'
import { layeredWorkflow, noopForProfile } from './engine.js'

const count = Number(process.argv[2])
const registry = createRegistry([noopForProfile])

const cpuMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}
async function timed<T>(work: () => T | Promise<T>) {
  const wall = performance.now()
  const cpu = cpuMs()
  const value = await work()
  return { value, wallMs: performance.now() - wall, cpuMs: cpuMs() - cpu }
}

/** engine.run as the CLI runs it: a fresh data folder, the file cache. */
async function run(doc: unknown) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sdflow-growth-'))
  try {
    const engine = createEngine({
      registry,
      services: undefined,
      dataDir,
      cache: createFileCache(join(dataDir, 'cache.jsonl')),
      limits: { cpu: 2 },
    })
    let events = 0
    const result = await engine.run(doc, { onEvent: () => void events++ })
    if (result.status !== 'finished') throw new Error(result.status)
    return events
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

// compile the validators and warm the code on a small workflow first: what grows with the
// workflow is measured, not what every process pays once
const warm = layeredWorkflow(200)
for (let i = 0; i < 3; i++) {
  const checked = validate(warm, registry).workflow
  if (checked) plan(checked)
}
await run(warm)

const baseKiB = process.memoryUsage.rss() / 1024
const doc = layeredWorkflow(count)
const validated = await timed(() => validate(doc, registry))
const workflow = validated.value.workflow
if (!workflow) throw new Error(JSON.stringify(validated.value.issues.slice(0, 3)))
const planned = await timed(() => plan(workflow))
const ran = await timed(() => run(doc))
console.log(
  JSON.stringify({
    count,
    events: ran.value,
    validate: { wallMs: validated.wallMs, cpuMs: validated.cpuMs },
    plan: { wallMs: planned.wallMs, cpuMs: planned.cpuMs },
    run: { wallMs: ran.wallMs, cpuMs: ran.cpuMs },
    baseKiB,
    peakKiB: process.resourceUsage().maxRSS,
  }),
)

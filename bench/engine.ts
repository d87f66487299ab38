// Engine benchmarks (not tests): validate + plan of a 10,000-node workflow, and engine overhead
// per node when running 10,000 no-op nodes. Run: npm run bench -- engine
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createEngine,
  createFileCache,
  createMemoryCache,
  createRegistry,
  defineNode,
  multi,
  plan,
  validate,
} from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { runMinimal } from './minimal-executor.js'

export const noopForProfile = defineNode({
  type: 'bench.noop',
  version: 1,
  title: 'No-op',
  category: 'bench',
  description: 'Passes a number on.',
  params: Type.Object({ value: Type.Integer({ default: 0, minimum: 0 }) }),
  inputs: { in: multi(Socket.Number) },
  outputs: { out: Socket.Number },
  async execute({ params, inputs }) {
    return { out: params.value + inputs.in.length }
  },
})

/** A layered DAG: `width` nodes per layer, each reading two nodes of the layer before. */
export function layeredWorkflow(count: number, width = 100) {
  const nodes: Record<string, object> = {}
  for (let i = 0; i < count; i++) {
    const layer = Math.floor(i / width)
    const inputs =
      layer === 0
        ? {}
        : {
            in: [
              { node: `n${i - width}`, output: 'out' },
              { node: `n${(layer - 1) * width + ((i + 1) % width)}`, output: 'out' },
            ],
          }
    nodes[`n${i}`] = { type: 'bench.noop', params: { value: i % 7 }, inputs }
  }
  return { format: 'sdflow.workflow/1', name: `layered-${count}`, nodes }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/** CPU time of this process so far (all threads), ms: steadier than wall time on a shared machine. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

export async function benchEngine() {
  const registry = createRegistry([noopForProfile])
  const doc = layeredWorkflow(10_000)

  // the first seven runs of a process (a CLI validates once: its figure is the cold one),
  // then seven more once the JIT has seen the code (a server validating run after run)
  const validatePlan: number[] = []
  const validatePlanCpu: number[] = []
  for (let i = 0; i < 14; i++) {
    const start = performance.now()
    const cpu = cpuMs()
    const result = validate(doc, registry)
    if (!result.workflow) throw new Error(JSON.stringify(result.issues.slice(0, 3)))
    plan(result.workflow)
    validatePlan.push(performance.now() - start)
    validatePlanCpu.push(cpuMs() - cpu)
  }

  const perNode: number[] = []
  const perNodeFile: number[] = []
  const perNodeMinimal: number[] = []
  const cpuFile: number[] = []
  const cpuMinimal: number[] = []
  for (let i = 0; i < 5; i++) {
    for (const file of [false, true]) {
      const dataDir = mkdtempSync(join(tmpdir(), 'sdflow-bench-'))
      const engine = createEngine({
        registry,
        services: undefined,
        dataDir,
        // the file cache is what the CLI runs with
        cache: file ? createFileCache(join(dataDir, 'cache.jsonl')) : createMemoryCache(),
        limits: { cpu: 2 },
      })
      let events = 0
      const start = performance.now()
      const cpu = cpuMs()
      const result = await engine.run(doc, { onEvent: () => void events++ })
      const total = performance.now() - start
      if (result.status !== 'finished') throw new Error(result.status)
      ;(file ? perNodeFile : perNode).push((total * 1000) / 10_000)
      if (file) cpuFile.push(((cpuMs() - cpu) * 1000) / 10_000)
    }
    let events = 0
    const start = performance.now()
    const cpu = cpuMs()
    await runMinimal(doc as unknown as Parameters<typeof runMinimal>[0], () => void events++)
    perNodeMinimal.push(((performance.now() - start) * 1000) / 10_000)
    cpuMinimal.push(((cpuMs() - cpu) * 1000) / 10_000)
  }
  const minimal = median(perNodeMinimal)
  return [
    {
      name: 'validate + plan, 10,000 nodes (first 7 runs)',
      value: median(validatePlan.slice(0, 7)),
      unit: 'ms',
      target: 50,
    },
    {
      name: 'validate + plan, 10,000 nodes (runs 8-14, warm)',
      value: median(validatePlan.slice(7)),
      unit: 'ms',
      target: 50,
    },
    {
      name: 'engine overhead per node, 10,000 no-op nodes',
      value: median(perNode),
      unit: 'µs',
      target: 50,
    },
    {
      name: 'engine overhead per node, file cache (as the CLI runs)',
      value: median(perNodeFile),
      unit: 'µs',
      target: 50,
    },
    { name: 'minimal executor per node (baseline)', value: minimal, unit: 'µs', target: Infinity },
    {
      name: 'engine (file cache) / minimal executor',
      value: median(perNodeFile) / minimal,
      unit: 'x',
      target: 3,
    },
    {
      name: 'validate + plan, 10,000 nodes, CPU (first 7 runs)',
      value: median(validatePlanCpu.slice(0, 7)),
      unit: 'ms',
      target: 50,
    },
    {
      name: 'engine (file cache) / minimal executor, CPU',
      value: median(cpuFile) / median(cpuMinimal),
      unit: 'x',
      target: 3,
    },
  ]
}

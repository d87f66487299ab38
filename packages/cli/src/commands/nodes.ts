import { parseArgs } from 'node:util'
import type { NodeSpec } from '@sdflow/protocol'
import { createRuntime } from '@sdflow/server/runtime'
import { usage } from '../args.js'
import { ExitCode, type Output } from '../output.js'
import { paint } from '../render/paint.js'

export const nodesHelp = `sdflow nodes [--json]
  The node catalog: every node type with its inputs, outputs and params.`

export async function nodesCommand(args: string[], output: Output): Promise<number> {
  const { values } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' } },
    }),
  )
  const runtime = await createRuntime({ backends: 'none' })
  const specs = runtime.engine.registry.specs()
  await runtime.close()
  if (values.json) {
    output.out(JSON.stringify(specs, null, 2))
    return ExitCode.Ok
  }
  const byCategory = new Map<string, NodeSpec[]>()
  for (const spec of specs)
    byCategory.set(spec.category, [...(byCategory.get(spec.category) ?? []), spec])
  // code-point order, which for the catalog's lowercase categories is localeCompare's order,
  // without loading ICU's collator on the first comparison (10-40 ms of start, measured)
  const sorted = [...byCategory].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [category, list] of sorted) {
    output.out(paint(output.color, 'bold', category))
    for (const spec of list) output.out(describe(spec, output.color))
    output.out('')
  }
  return ExitCode.Ok
}

function describe(spec: NodeSpec, color: boolean): string {
  const inputs = Object.entries(spec.inputs)
    .map(([name, i]) => `${name}:${i.kind}${i.multi ? '[]' : ''}${i.optional ? '?' : ''}`)
    .join(', ')
  const outputs = Object.entries(spec.outputs)
    .map(([name, o]) => `${name}:${o.kind}`)
    .join(', ')
  const params = Object.keys((spec.params.properties as object | undefined) ?? {}).join(', ')
  return [
    `  ${spec.type.padEnd(24)} ${spec.title}`,
    paint(color, 'dim', `    (${inputs}) -> (${outputs})`),
    paint(color, 'dim', `    params: ${params || 'none'}`),
  ].join('\n')
}

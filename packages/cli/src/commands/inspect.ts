import { parseArgs } from 'node:util'
import { canonicalJson } from '@sdflow/engine'
import { createNodeRegistry, type Provenance } from '@sdflow/nodes'
import { usage } from '../args.js'
import { readPngProvenance } from '../load-workflow.js'
import { ExitCode, type Output } from '../output.js'

export const inspectHelp = `sdflow inspect <file.png> [--json]
  Show how a PNG saved by sdflow was made: the A1111 parameters text (prompt, seed, sampler,
  ControlNet ...) and the sdflow chunk: the workflow's inputs, then every node of the workflow
  (id, type, the params that differ from their defaults) with its seeds, backend and checkpoint.
  --json  print the text chunks as JSON (the sdflow chunk parsed)
  Re-run it with: sdflow run <file.png> [--set name=value]...
  Exit 0, or 2 (SDF_IMAGE_INVALID, SDF_PROVENANCE_MISSING) when the file is no PNG or has no
  sdflow chunk.`

export async function inspectCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' } },
    }),
  )
  const file = positionals[0]
  if (!file || positionals.length > 1) {
    output.err(inspectHelp)
    return ExitCode.Invalid
  }
  const { texts, provenance } = await readPngProvenance(file)
  if (values.json) {
    output.out(JSON.stringify({ ...texts, sdflow: provenance }, null, 2))
    return ExitCode.Ok
  }
  for (const line of describe(texts.parameters, provenance)) output.out(line)
  return ExitCode.Ok
}

function describe(parameters: string | undefined, p: Provenance): string[] {
  const lines = ['parameters:']
  lines.push(...(parameters ? parameters.split('\n').map((l) => `  ${l}`) : ['  (none)']))
  lines.push('', `workflow: ${p.workflow.name} (${Object.keys(p.workflow.nodes).length} nodes)`)
  if (p.workflow.description) lines.push(`  ${p.workflow.description}`)
  const inputs = Object.entries(p.inputs)
  lines.push(inputs.length ? 'inputs:' : 'inputs: (defaults)')
  for (const [name, value] of inputs) lines.push(`  ${name} = ${JSON.stringify(value)}`)
  lines.push('nodes:')
  const registry = createNodeRegistry()
  for (const [id, node] of Object.entries(p.workflow.nodes)) {
    const made = p.nodes[id]
    const facts = [
      node.bypass ? 'bypassed' : '',
      made?.seeds?.length ? `seed${made.seeds.length > 1 ? 's' : ''} ${made.seeds.join(', ')}` : '',
      made?.backend ? `on ${made.backend}` : '',
      made?.checkpoint ? `checkpoint ${made.checkpoint}` : '',
    ].filter(Boolean)
    lines.push(`  ${id} (${node.type})${facts.length ? `: ${facts.join(', ')}` : ''}`)
    const properties = (registry.get(node.type)?.spec.params.properties ?? {}) as Record<
      string,
      { default?: unknown }
    >
    for (const [name, value] of Object.entries(node.params ?? {})) {
      const byDefault = properties[name]?.default
      if (byDefault !== undefined && canonicalJson(byDefault) === canonicalJson(value)) continue
      lines.push(`    ${name} = ${shown(value)}`)
    }
  }
  return lines
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 300 ? `${text.slice(0, 299)}…` : text
}

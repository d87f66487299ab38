import { resolve } from 'node:path'
import { hasErrors, type RunEvent } from '@sdflow/protocol'
import { parse, parseSets } from '../args.js'
import { loadWorkflow } from '../load-workflow.js'
import { ExitCode, formatIssue, type Output } from '../output.js'
import { liveDisplay, summaryLine } from '../render/live-display.js'
import { createRuntime } from '../runtime.js'

export const runHelp = `sdflow run <file> [--set name=value]... [--out DIR] [--data DIR] [--in DIR] [--json]
  Validate and run a workflow, showing each node live, then a summary and the files written.
  --set name=value  a value for one of the workflow's declared inputs (repeatable)
  --out DIR         where image.save writes (default ./outputs)
  --in DIR          where image.load may read (default: the working directory)
  --data DIR        cache and artifact store (default ./.sdflow)
  --json            print run events as JSON lines instead
  Exit 0 when the run succeeds, 1 when a node fails, 2 when the workflow or command line is
  invalid, 130 when cancelled with Ctrl-C.`

export async function runCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parse(args, {
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    in: { type: 'string' },
    data: { type: 'string' },
    json: { type: 'boolean' },
  })
  const file = positionals[0]
  if (!file || positionals.length > 1) {
    output.err(runHelp)
    return ExitCode.Invalid
  }
  const inputs = parseSets(values.set)
  const doc = await loadWorkflow(file)
  const runtime = await createRuntime({
    backends: 'auto',
    dataDir: values.data,
    outDir: values.out ?? 'outputs',
    inDir: values.in,
  })
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(ExitCode.Cancelled)
    output.err('cancelling… (Ctrl-C again to quit at once)')
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  try {
    const validation = runtime.engine.validate(doc, { inputs })
    if (hasErrors(validation.issues)) {
      if (values.json) output.out(JSON.stringify({ type: 'invalid', issues: validation.issues }))
      else for (const issue of validation.issues) output.err(formatIssue(issue))
      return ExitCode.Invalid
    }
    if (!values.json) for (const issue of validation.issues) output.err(formatIssue(issue))
    const nodeTypes = new Map(
      [...(validation.workflow?.nodes.values() ?? [])].map((n) => [n.id, n.node.spec.type]),
    )
    const display = values.json ? undefined : liveDisplay(output, nodeTypes)
    const onEvent = (event: RunEvent) =>
      values.json ? output.out(JSON.stringify(event)) : display?.onEvent(event)
    const result = await runtime.engine.run(doc, { inputs, signal: controller.signal, onEvent })
    display?.close()
    if (values.json) return exitFor(result.status)
    for (const issue of result.issues.filter((i) => i.severity === 'error')) {
      output.err(formatIssue(issue))
    }
    output.out('')
    output.out(summaryLine(result.summary))
    for (const [name, value] of Object.entries(result.outputs)) {
      if (typeof value !== 'object') output.out(`${name}: ${String(value)}`)
    }
    for (const path of result.files) output.out(`wrote ${relativeToCwd(path)}`)
    if (result.status === 'cancelled') output.err('cancelled')
    return exitFor(result.status)
  } finally {
    process.off('SIGINT', onSigint)
    await runtime.close()
  }
}

function exitFor(status: string): number {
  if (status === 'finished') return ExitCode.Ok
  if (status === 'cancelled') return ExitCode.Cancelled
  if (status === 'invalid') return ExitCode.Invalid
  return ExitCode.Failed
}

function relativeToCwd(path: string): string {
  const cwd = `${resolve('.')}/`
  return path.startsWith(cwd) ? path.slice(cwd.length) : path
}

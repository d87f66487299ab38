import { hasErrors } from '@sdflow/protocol'
import { parse } from '../args.js'
import { loadWorkflow } from '../load-workflow.js'
import { ExitCode, formatIssue, type Output } from '../output.js'
import { createRuntime } from '../runtime.js'

export const validateHelp = `sdflow validate <file> [--json]
  Check a workflow without running it: one line per issue, CODE pointer message.
  Exit 0 when valid (warnings allowed), 2 when not.`

export async function validateCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } })
  const file = positionals[0]
  if (!file || positionals.length > 1) {
    output.err(validateHelp)
    return ExitCode.Invalid
  }
  const runtime = await createRuntime({ backends: 'none' })
  try {
    const { issues } = runtime.engine.validate(await loadWorkflow(file))
    if (values.json) output.out(JSON.stringify(issues, null, 2))
    else if (issues.length === 0) output.out(`${file}: valid`)
    else for (const issue of issues) output.out(formatIssue(issue))
    return hasErrors(issues) ? ExitCode.Invalid : ExitCode.Ok
  } finally {
    await runtime.close()
  }
}

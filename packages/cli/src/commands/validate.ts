import { parseArgs } from 'node:util'
import { hasErrors, type Issue, SdflowError } from '@sdflow/protocol'
import { createRuntime, type Runtime } from '@sdflow/server/runtime'
import { usage } from '../args.js'
import { loadWorkflow } from '../load-workflow.js'
import { ExitCode, formatIssue, type Output } from '../output.js'

export const validateHelp = `sdflow validate <file> [--json] [--backend URL]... [--config FILE]
  Check a workflow without running it: one line per issue, CODE pointer message.
  With backends, names (sampler, checkpoint, upscaler, ControlNet model) are checked against
  what they offer. Exit 0 when valid (warnings allowed), 1 when the workflow has errors
  (a JSON syntax error included, reported at file:line:column), 2 for a usage error or a file
  that cannot be read.`

export async function validateCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        backend: { type: 'string', multiple: true },
        config: { type: 'string' },
      },
    }),
  )
  const file = positionals[0]
  if (!file || positionals.length > 1) {
    output.err(validateHelp)
    return ExitCode.Invalid
  }
  const withBackends = Boolean(values.backend?.length || values.config)
  const runtime = await createRuntime({
    backends: withBackends ? 'auto' : 'none',
    backendUrls: values.backend,
    configFile: values.config,
  })
  try {
    const issues = await issuesOf(file, runtime.engine)
    if (values.json) output.out(JSON.stringify(issues, null, 2))
    else if (issues.length === 0) output.out(`${file}: valid`)
    else for (const issue of issues) output.out(formatIssue(issue))
    return hasErrors(issues) ? ExitCode.Failed : ExitCode.Ok
  } finally {
    await runtime.close()
  }
}

/** The workflow's issues; a file that is not JSON is one issue of the workflow too. */
async function issuesOf(file: string, engine: Runtime['engine']): Promise<Issue[]> {
  try {
    return engine.validate(await loadWorkflow(file)).issues
  } catch (error) {
    if (error instanceof SdflowError && error.code === 'SDF_DOC_PARSE') return [error.issue]
    throw error
  }
}

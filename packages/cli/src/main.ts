import { SdflowError } from '@sdflow/protocol'
import { emulatorCommand, emulatorHelp } from './commands/emulator.js'
import { inspectCommand, inspectHelp } from './commands/inspect.js'
import { nodesCommand, nodesHelp } from './commands/nodes.js'
import { runCommand, runHelp } from './commands/run.js'
import { serveCommand, serveHelp } from './commands/serve.js'
import { validateCommand, validateHelp } from './commands/validate.js'
import { ExitCode, formatIssue, type Output, processOutput } from './output.js'

type Command = { run: (args: string[], output: Output) => Promise<number>; help: string }

const commands: Record<string, Command> = {
  run: { run: runCommand, help: runHelp },
  serve: { run: serveCommand, help: serveHelp },
  validate: { run: validateCommand, help: validateHelp },
  nodes: { run: nodesCommand, help: nodesHelp },
  inspect: { run: inspectCommand, help: inspectHelp },
  emulator: { run: emulatorCommand, help: emulatorHelp },
}

const usage = `sdflow: typed node workflows for Stable Diffusion on AUTOMATIC1111

${Object.values(commands)
  .map((c) => c.help)
  .join('\n\n')}`

/** Run one command line; resolves to the exit code. */
export async function main(argv: string[], output: Output = processOutput()): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.out(usage)
    return name ? ExitCode.Ok : ExitCode.Invalid
  }
  const command = commands[name]
  if (!command) {
    output.err(`SDF_CLI_USAGE / unknown command "${name}"\n\n${usage}`)
    return ExitCode.Invalid
  }
  if (args.includes('--help') || args.includes('-h')) {
    output.out(command.help)
    return ExitCode.Ok
  }
  try {
    return await command.run(args, output)
  } catch (error) {
    if (!(error instanceof SdflowError)) throw error
    output.err(formatIssue(error.issue))
    return error.code === 'SDF_NODE_FAILED' ? ExitCode.Failed : ExitCode.Invalid
  }
}

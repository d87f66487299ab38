import { SdflowError } from '@sdflow/protocol'
import { ExitCode, formatIssue, type Output, processOutput } from './output.js'

type Command = { run: (args: string[], output: Output) => Promise<number>; help: string }

// each command loads its own modules when it runs: `sdflow validate` never loads the server
const commands: Record<string, () => Promise<Command>> = {
  run: async () => {
    const m = await import('./commands/run.js')
    return { run: m.runCommand, help: m.runHelp }
  },
  serve: async () => {
    const m = await import('./commands/serve.js')
    return { run: m.serveCommand, help: m.serveHelp }
  },
  validate: async () => {
    const m = await import('./commands/validate.js')
    return { run: m.validateCommand, help: m.validateHelp }
  },
  nodes: async () => {
    const m = await import('./commands/nodes.js')
    return { run: m.nodesCommand, help: m.nodesHelp }
  },
  inspect: async () => {
    const m = await import('./commands/inspect.js')
    return { run: m.inspectCommand, help: m.inspectHelp }
  },
  worker: async () => {
    const m = await import('./commands/worker.js')
    return { run: m.workerCommand, help: m.workerHelp }
  },
  workers: async () => {
    const m = await import('./commands/workers.js')
    return { run: m.workersCommand, help: m.workersHelp }
  },
  emulator: async () => {
    const m = await import('./commands/emulator.js')
    return { run: m.emulatorCommand, help: m.emulatorHelp }
  },
}

async function usage(): Promise<string> {
  const all = await Promise.all(Object.values(commands).map((load) => load()))
  return `sdflow: typed node workflows for Stable Diffusion on AUTOMATIC1111\n\n${all.map((c) => c.help).join('\n\n')}`
}

/** Run one command line; resolves to the exit code. */
export async function main(argv: string[], output: Output = processOutput()): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.out(await usage())
    return name ? ExitCode.Ok : ExitCode.Invalid
  }
  const load = commands[name]
  if (!load) {
    output.err(`SDF_CLI_USAGE / unknown command "${name}"\n\n${await usage()}`)
    return ExitCode.Invalid
  }
  const command = await load()
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

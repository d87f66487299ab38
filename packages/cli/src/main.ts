import { readFileSync } from 'node:fs'
import { SdflowError } from '@sdflow/protocol'
import { ExitCode, formatIssue, type Output, processOutput } from './output.js'

type Command = { run: (args: string[], output: Output) => Promise<number>; help: string }

// each command loads its own modules when it runs: `sdflow validate` never loads the server.
// One entry per command: add a line here (and a file in commands/) for a new one.
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

const general = `  sdflow help <command>   that command's help (also: sdflow <command> --help)
  sdflow --version        the version of sdflow`

async function usage(): Promise<string> {
  const all = await Promise.all(Object.values(commands).map((load) => load()))
  return `sdflow: typed node workflows for Stable Diffusion on AUTOMATIC1111\n\n${all.map((c) => c.help).join('\n\n')}\n\n${general}`
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  return `sdflow ${(pkg as { version: string }).version}`
}

/** Run one command line; resolves to the exit code. */
export async function main(argv: string[], output: Output = processOutput()): Promise<number> {
  const [name, ...args] = argv
  if (name === '--version' || name === '-V' || name === 'version') {
    output.out(version())
    return ExitCode.Ok
  }
  if (name === 'help' && args[0] !== undefined) return main([args[0], '--help'], output)
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.out(await usage())
    return name ? ExitCode.Ok : ExitCode.Invalid
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (!load) {
    const hint = await suggest(name.replace(/^-+/, ''), Object.keys(commands))
    const what = name.startsWith('-') ? 'option' : 'command'
    output.err(
      `SDF_CLI_USAGE / unknown ${what} "${name}"${hint}\n  commands: ${Object.keys(commands).join(', ')}; sdflow help <command> for one`,
    )
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
    const option = error.issue.details?.unknownOption
    if (error.code === 'SDF_CLI_USAGE' && typeof option === 'string') {
      const hint = await suggest(option, optionsIn(command.help))
      output.err(`${formatIssue(error.issue)}${hint}\n\n${command.help}`)
      return ExitCode.Invalid
    }
    output.err(formatIssue(error.issue))
    return error.code === 'SDF_NODE_FAILED' ? ExitCode.Failed : ExitCode.Invalid
  }
}

/** The `--flags` a command's help documents (the help is the one list of them). */
function optionsIn(help: string): string[] {
  return [...new Set(help.match(/--[a-z][a-z0-9-]*/g) ?? [])]
}

async function suggest(name: string, candidates: string[]): Promise<string> {
  const { closest } = await import('@sdflow/engine')
  const [best] = closest(name, candidates, 1)
  return best ? `; did you mean "${best}"?` : ''
}

import { parseArgs } from 'node:util'
import { startEmulator } from '@sdflow/a1111-emulator'
import { fail } from '@sdflow/protocol'
import { usage } from '../args.js'
import { ExitCode, type Output } from '../output.js'

export const emulatorHelp = `sdflow emulator [--port N] [--host H] [--step-ms MS] [--api-only]
  Start the A1111 API emulator (no GPU): deterministic pictures, real step timing and progress.
  --port N      port to listen on (default 7860; 0 = a free port)
  --step-ms MS  time per sampling step (default 20)
  --api-only    no /internal/* routes, like A1111 started with --nowebui`

export async function emulatorCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'step-ms': { type: 'string' },
        'api-only': { type: 'boolean' },
      },
    }),
  )
  if (positionals.length > 0) {
    output.err(emulatorHelp)
    return ExitCode.Invalid
  }
  const port = integer(values.port ?? '7860', '--port')
  const stepMs = integer(values['step-ms'] ?? '20', '--step-ms')
  const running = await startEmulator({
    port,
    host: values.host ?? '127.0.0.1',
    stepMs,
    apiOnly: values['api-only'] ?? false,
  })
  output.out(`listening on ${running.url}`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await running.close()
  return ExitCode.Ok
}

function integer(text: string, flag: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0)
    throw fail('SDF_CLI_USAGE', `${flag} ${text}: expected a whole number`)
  return value
}

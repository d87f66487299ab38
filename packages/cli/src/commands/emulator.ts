import { parseArgs } from 'node:util'
import { RunpodWorkers, startEmulator, startRunpodEmulator } from '@sdflow/a1111-emulator'
import { fail } from '@sdflow/protocol'
import { usage } from '../args.js'
import { ExitCode, type Output } from '../output.js'

export const emulatorHelp = `sdflow emulator [--port N] [--host H] [--step-ms MS] [--api-only]
       sdflow emulator --runpod [--worker a1111|a1111-proxy] [--api-key K] [--workers N]
                       [--cold-start-ms N] [--port N] [--step-ms MS]
  Start the A1111 API emulator (no GPU): deterministic pictures, real step timing and progress.
  --port N      port to listen on (default 7860, with --runpod a free port; 0 = a free port)
  --step-ms MS  time per sampling step (default 20)
  --api-only    no /internal/* routes, like A1111 started with --nowebui
  --runpod      a RunPod serverless endpoint instead (/v2/ENDPOINT_ID/run, /status, /cancel, ...)
                in front of the emulator; point a "type": "runpod" backend at the printed URL
  --worker W    the worker image it plays: a1111 (txt2img only, default) or a1111-proxy
  --api-key K   the API key it requires (default: none required)
  --workers N   workers it scales to, one job at a time each (default 1)
  --cold-start-ms N  how long a cold worker takes to start (default 0)`

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
        runpod: { type: 'boolean' },
        worker: { type: 'string' },
        'api-key': { type: 'string' },
        workers: { type: 'string' },
        'cold-start-ms': { type: 'string' },
      },
    }),
  )
  if (positionals.length > 0) {
    output.err(emulatorHelp)
    return ExitCode.Invalid
  }
  const stepMs = integer(values['step-ms'] ?? '20', '--step-ms')
  const host = values.host ?? '127.0.0.1'
  const running = values.runpod
    ? await startRunpodEmulator({
        port: integer(values.port ?? '0', '--port'),
        host,
        stepMs,
        worker: workerOf(values.worker),
        ...(values['api-key'] && { apiKey: values['api-key'] }),
        workers: Math.max(1, integer(values.workers ?? '1', '--workers')),
        coldStartMs: integer(values['cold-start-ms'] ?? '0', '--cold-start-ms'),
      })
    : await startEmulator({
        port: integer(values.port ?? '7860', '--port'),
        host,
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

function workerOf(text: string | undefined) {
  const worker = RunpodWorkers.find((w) => w === (text ?? 'a1111'))
  if (!worker) {
    throw fail('SDF_CLI_USAGE', `--worker ${text}: expected one of ${RunpodWorkers.join(', ')}`)
  }
  return worker
}

function integer(text: string, flag: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0)
    throw fail('SDF_CLI_USAGE', `${flag} ${text}: expected a whole number`)
  return value
}

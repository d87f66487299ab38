import { SdflowError } from '@sdflow/protocol'
import { describeStartError, main as serverMain } from '@sdflow/server'
import { usage } from '../args.js'
import { ExitCode, type Output } from '../output.js'

export const serveHelp = `sdflow serve [--host H] [--port N] [--backend URL]... [--config FILE] [--data DIR]
             [--workflows DIR] [--examples DIR] [--out DIR] [--in DIR] [--token T]
             [--concurrency N] [--redis URL] [--shutdown-grace MS] [--no-resume] [--verbose]
  Start the sdflow server: REST API under /api, WebSocket events at /api/events, the editor at
  /, API docs at /docs. Prints "listening on http://HOST:PORT". With no backend configured the
  embedded A1111 emulator runs the backend nodes.
  --host H        address to bind (default 127.0.0.1; anything else needs --token)
  --port N        port (default 7870)
  --token T       require "Authorization: Bearer T" on every /api request (or SDFLOW_TOKEN)
  --workflows DIR the user's workflows, where the editor saves (default .sdflow/workflows)
  --examples DIR  shipped example workflows, listed apart and read-only (default ./workflows)
  --concurrency N runs executing at once (default: the jobs the healthy backends take at once,
                  their slots plus one request queued ahead on each A1111; at least 2)
  --redis URL     coordinate: backend nodes become jobs on this Redis for \`sdflow worker\`
                  processes, which hold the backends (docs/scale-out.md)
  --shutdown-grace MS  on SIGTERM, wait this long for running runs (default 5000), then
                  interrupt them (they resume at the next start)
  --no-resume     leave runs interrupted by a crash alone instead of resuming them
  --verbose       log every request (JSON lines); --quiet logs nothing
  Stops cleanly on Ctrl-C or SIGTERM; interrupted runs resume at the next start.`

export async function serveCommand(args: string[], output: Output): Promise<number> {
  try {
    await serverMain(args)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (code.startsWith('ERR_PARSE_ARGS'))
      usage(() => {
        throw error
      })
    if (error instanceof SdflowError) throw error
    output.err(`cannot start the server: ${describeStartError(error)}`)
    return ExitCode.Failed
  }
  // the server runs until a signal; its handlers exit the process
  return new Promise<number>(() => {})
}

import { parseArgs } from 'node:util'
import { fail } from '@sdflow/protocol'
import type { WorkerInfo } from '@sdflow/queue'
import { usage } from '../args.js'
import { ExitCode, type Output } from '../output.js'

export const workersHelp = `sdflow workers --server URL [--token T] [--json]
  List the live workers of a coordinator (GET /api/workers): their backends, jobs in flight and
  last heartbeat.`

export async function workersCommand(args: string[], output: Output): Promise<number> {
  const { values } = usage(() =>
    parseArgs({
      args,
      strict: true,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }),
  )
  if (!values.server)
    throw fail('SDF_CLI_USAGE', `sdflow workers needs --server URL\n\n${workersHelp}`)
  const token = values.token ?? process.env.SDFLOW_TOKEN
  const base = values.server.replace(/\/+$/, '')
  let res: Response
  try {
    res = await fetch(`${base}/api/workers`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
  } catch (error) {
    throw fail(
      'SDF_BACKEND_UNREACHABLE',
      `cannot reach ${base}: ${String((error as Error).cause ?? error)}`,
    )
  }
  if (!res.ok) throw fail('SDF_BACKEND_UNREACHABLE', `${base}/api/workers answered ${res.status}`)
  const workers = (await res.json()) as WorkerInfo[]
  if (values.json) {
    output.out(JSON.stringify(workers, null, 2))
    return ExitCode.Ok
  }
  if (workers.length === 0) output.out('no live workers')
  const now = Date.now()
  for (const w of workers) {
    const ago = ((now - Date.parse(w.heartbeatAt)) / 1000).toFixed(1)
    output.out(
      `${w.name}: ${w.backends.length} backends, ${w.slots} slots, ${w.jobs.length} jobs in flight, heartbeat ${ago}s ago`,
    )
    for (const b of w.backends) output.out(`  ${b.id} ${b.health} ${b.busy}/${b.slots} ${b.url}`)
    for (const job of w.jobs) output.out(`  job ${job}`)
  }
  return ExitCode.Ok
}

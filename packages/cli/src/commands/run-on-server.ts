import { costLine, imagePricesOf, pricesOf, runCost, scanChecks, scanLine } from '@sdflow/nodes'
import type { RunEvent } from '@sdflow/protocol'
import { cancelOnCtrlC } from '../ctrl-c.js'
import { collectNodeResults } from '../node-results.js'
import {
  ExitCode,
  exitFor,
  formatIssue,
  type Output,
  outputLines,
  relativeToCwd,
} from '../output.js'
import { RemoteInvalid, runRemote } from '../remote.js'
import { liveDisplay, summaryLine } from '../render/live-display.js'

interface ServerFlags {
  server: string
  token: string | undefined
  json: boolean
}

/** `sdflow run --server URL`: the same display and exit codes, the work done by the server. */
export async function runOnServer(
  doc: unknown,
  inputs: Record<string, string>,
  flags: ServerFlags,
  output: Output,
): Promise<number> {
  const nodes = (doc as { nodes?: Record<string, { type?: string }> }).nodes ?? {}
  const nodeTypes = new Map(Object.entries(nodes).map(([id, n]) => [id, n.type ?? '?']))
  const display = flags.json ? undefined : liveDisplay(output, nodeTypes)
  const observed = collectNodeResults()
  const ctrlC = cancelOnCtrlC(output, 'cancelling on the server… (Ctrl-C again to stop following)')
  try {
    const run = await runRemote(doc, inputs, {
      server: flags.server,
      token: flags.token,
      signal: ctrlC.signal,
      onEvent: (event: RunEvent) => {
        observed.onEvent(event)
        if (flags.json) output.out(JSON.stringify(event))
        else display?.onEvent(event)
      },
    })
    display?.close()
    const last = run.last
    if (!last) {
      output.err(`lost the connection to ${flags.server}; run ${run.runId} may go on there`)
      return ExitCode.Failed
    }
    const scans = scanChecks(observed.nodes, nodeTypes)
    // a finished run whose QR code does not scan failed its purpose: scripts rely on exit 1
    const exit =
      last.type === 'run.finished' && scans.some((c) => !c.ok)
        ? ExitCode.Failed
        : exitFor(statusOf(last))
    if (flags.json) return exit
    if (last.type === 'run.failed') for (const issue of last.issues) output.err(formatIssue(issue))
    if ('summary' in last) {
      output.out('')
      output.out(`${summaryLine(last.summary)} on ${flags.server} (run ${run.runId})`)
    }
    const listed = await backendsOf(flags.server)
    const cost = runCost(observed.nodes, pricesOf(listed), imagePricesOf(listed))
    if (cost.gpuMs > 0) output.out(costLine(cost))
    if (last.type === 'run.finished') {
      for (const line of outputLines(last.outputs)) output.out(line)
    }
    if ('files' in last) for (const path of last.files) output.out(`wrote ${relativeToCwd(path)}`)
    for (const check of scans) output.out(scanLine(check, scans.length > 1))
    if (last.type === 'run.cancelled') output.err('cancelled')
    return exit
  } catch (error) {
    if (!(error instanceof RemoteInvalid)) throw error
    if (flags.json) output.out(JSON.stringify({ type: 'invalid', issues: error.issues }))
    else for (const issue of error.issues) output.err(formatIssue(issue))
    return ExitCode.Invalid
  } finally {
    ctrlC.dispose()
  }
}

type Priced = { id: string; pricePerSecond?: number; pricePerImage?: number }

/** The server's backends with their prices (none when it does not answer). */
async function backendsOf(server: string): Promise<Priced[]> {
  try {
    const response = await fetch(`${server.replace(/\/+$/, '')}/api/backends`)
    return (await response.json()) as Priced[]
  } catch {
    return []
  }
}

function statusOf(event: RunEvent): string {
  if (event.type === 'run.finished') return 'finished'
  if (event.type === 'run.cancelled') return 'cancelled'
  return 'failed'
}

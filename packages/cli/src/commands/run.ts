import { parseArgs } from 'node:util'
import {
  costLine,
  createNodeRegistry,
  estimateLines,
  estimateRun,
  imagePricesOf,
  pricesOf,
  readStepHistory,
  rememberStepTimes,
  runCost,
  scanChecks,
  scanLine,
} from '@sdflow/nodes'
import { hasErrors, type RunEvent } from '@sdflow/protocol'
import { createRuntime } from '@sdflow/server/runtime'
import { parseSets, usage } from '../args.js'
import { checkBackends } from '../backend-check.js'
import { cancelOnCtrlC } from '../ctrl-c.js'
import { loadRunnable } from '../load-workflow.js'
import {
  ExitCode,
  exitFor,
  formatIssue,
  type Output,
  outputLines,
  relativeToCwd,
} from '../output.js'
import { liveDisplay, summaryLine } from '../render/live-display.js'
import { runOnServer } from './run-on-server.js'

export const runHelp = `sdflow run <file> [--set name=value]... [--backend URL]... [--config FILE]
           [--out DIR] [--data DIR] [--in DIR] [--json] [--estimate] [--server URL [--token T]]
  Validate and run a workflow, showing each node live, then a summary and the files written.
  <file> is a workflow JSON, or a PNG saved by sdflow: its embedded workflow is re-run with
  the recorded inputs (--set overrides them; fixed seeds give the same images, from cache).
  After image.qr-verify or sd.qr-illusion, a scan line says whether the code scans.
  --set name=value  a value for one of the workflow's declared inputs (repeatable)
  --backend URL     an A1111 server started with --api (repeatable; ids b1, b2, ...)
  --config FILE     backends from a config file (default ./sdflow.config.json if present);
                    with neither, an embedded A1111 emulator runs the backend nodes
  --out DIR         where image.save writes (default ./outputs)
  --in DIR          where image.load may read (default: the working directory)
  --data DIR        cache and artifact store (default ./.sdflow)
  --json            print run events as JSON lines instead
  --estimate        print the images to generate and the estimated GPU time and cost per
                    backend kind (from the seconds per step seen before), then stop
  --server URL      submit to a running sdflow server and follow its event stream instead
                    of running here (--token T or SDFLOW_TOKEN when it requires one)
  A backend that is down at start is reported at once; when no configured backend can be
  reached at all, the run fails at once (SDF_BACKEND_UNREACHABLE) instead of waiting.
  Exit 0 when the run succeeds, 1 when a node fails, a QR code does not scan or no backend can
  be reached, 2 when the workflow or command line is invalid, 130 when cancelled with Ctrl-C.`

export async function runCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        set: { type: 'string', multiple: true },
        out: { type: 'string' },
        in: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean' },
        estimate: { type: 'boolean' },
        backend: { type: 'string', multiple: true },
        config: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
      },
    }),
  )
  const file = positionals[0]
  if (!file || positionals.length > 1) {
    output.err(runHelp)
    return ExitCode.Invalid
  }
  const sets = parseSets(values.set)
  const { doc, inputs: recorded, from } = await loadRunnable(file)
  const inputs = { ...recorded, ...sets }
  if (values.server) {
    const token = values.token ?? process.env.SDFLOW_TOKEN
    // recorded inputs may be numbers or lists; the server reads text as the param's type
    const text = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    )
    return runOnServer(
      doc,
      text,
      { server: values.server, token, json: values.json ?? false },
      output,
    )
  }
  const runtime = await createRuntime({
    backends: usesBackend(doc) ? 'auto' : 'none',
    backendUrls: values.backend,
    configFile: values.config,
    dataDir: values.data,
    outDir: values.out ?? 'outputs',
    inDir: values.in,
  })
  const ctrlC = cancelOnCtrlC(output, 'cancelling… (Ctrl-C again to quit at once)')
  try {
    const reachable = checkBackends(runtime.pool?.list() ?? [], runtime.queueTimeoutMs)
    if (!values.json) for (const line of reachable.lines) output.err(line)
    if (reachable.error) {
      if (values.json)
        output.out(JSON.stringify({ type: 'failed', issues: [reachable.error.issue] }))
      else output.err(formatIssue(reachable.error.issue))
      return ExitCode.Failed
    }
    const validation = runtime.engine.validate(doc, { inputs })
    if (hasErrors(validation.issues)) {
      if (values.json) output.out(JSON.stringify({ type: 'invalid', issues: validation.issues }))
      else for (const issue of validation.issues) output.err(formatIssue(issue))
      return ExitCode.Invalid
    }
    if (!values.json) for (const issue of validation.issues) output.err(formatIssue(issue))
    const backends = runtime.pool?.list() ?? []
    if (values.estimate) {
      const history = await readStepHistory(runtime.engine.dataDir)
      for (const line of estimateLines(estimateRun(doc, backends, history))) output.out(line)
      return ExitCode.Ok
    }
    const nodeTypes = new Map(
      [...(validation.workflow?.nodes.values() ?? [])].map((n) => [n.id, n.node.spec.type]),
    )
    if (from === 'png' && !values.json) {
      const name = (doc as { name?: string }).name ?? '?'
      output.out(`re-running workflow "${name}" from ${file} with its recorded inputs`)
    }
    const display = values.json ? undefined : liveDisplay(output, nodeTypes)
    const onEvent = (event: RunEvent) =>
      values.json ? output.out(JSON.stringify(event)) : display?.onEvent(event)
    // validated above with the same inputs: the run does not validate it again
    const result = await runtime.engine.run(doc, {
      inputs,
      signal: ctrlC.signal,
      onEvent,
      validated: validation,
    })
    display?.close()
    await rememberStepTimes(runtime.engine.dataDir, doc, result.nodes, backends)
    const scans = scanChecks(result.nodes, nodeTypes)
    // a finished run whose QR code does not scan failed its purpose: scripts rely on exit 1
    const unscanned = result.status === 'finished' && scans.some((c) => !c.ok)
    const exit = unscanned ? ExitCode.Failed : exitFor(result.status)
    if (values.json) return exit
    for (const issue of result.issues.filter((i) => i.severity === 'error')) {
      output.err(formatIssue(issue))
    }
    output.out('')
    output.out(summaryLine(result.summary))
    const listed = runtime.pool?.list() ?? []
    const cost = runCost(result.nodes, pricesOf(listed), imagePricesOf(listed))
    if (cost.gpuMs > 0) output.out(costLine(cost))
    for (const line of outputLines(result.outputs)) output.out(line)
    for (const node of Object.values(result.nodes)) {
      for (const path of node.files) {
        output.out(
          node.status === 'cached'
            ? `kept ${relativeToCwd(path)} (cached)`
            : `wrote ${relativeToCwd(path)}`,
        )
      }
    }
    for (const check of scans) output.out(scanLine(check, scans.length > 1))
    if (result.status === 'cancelled') output.err('cancelled')
    return exit
  } finally {
    ctrlC.dispose()
    await runtime.close()
  }
}

/** Whether any node of the document runs on a backend (then the pool, or the emulator, starts). */
function usesBackend(doc: unknown): boolean {
  const registry = createNodeRegistry()
  const nodes = (doc as { nodes?: unknown } | null)?.nodes
  if (!nodes || typeof nodes !== 'object') return false
  return Object.values(nodes).some(
    (node) => registry.get((node as { type?: string })?.type ?? '')?.spec.resource === 'backend',
  )
}

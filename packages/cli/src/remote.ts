import { fail, type Issue, isTerminal, type RunEvent, SdflowError } from '@sdflow/protocol'
import WebSocket from 'ws'

export interface RemoteOptions {
  server: string
  token?: string
  signal: AbortSignal
  onEvent(event: RunEvent): void
}

export interface RemoteRun {
  runId: string
  /** The terminal event, or undefined when the connection was lost for good. */
  last?: RunEvent
}

/**
 * Submit a workflow to a running sdflow server and follow its event stream until the run ends.
 * The stream is resumed from the last sequence number after a dropped connection, so nothing
 * is missed or seen twice. Aborting `signal` asks the server to cancel the run.
 */
export async function runRemote(
  doc: unknown,
  inputs: Record<string, string>,
  options: RemoteOptions,
): Promise<RemoteRun> {
  const base = options.server.replace(/\/+$/, '')
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  const submitted = await request(`${base}/api/runs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ workflow: doc, inputs }),
  })
  const { runId } = submitted as { runId: string }
  const cancel = () => {
    void request(`${base}/api/runs/${runId}/cancel`, { method: 'POST', headers }).catch(() => {})
  }
  options.signal.addEventListener('abort', cancel, { once: true })
  try {
    let since = 0
    for (let attempt = 0; attempt < 6; attempt++) {
      const outcome = await follow(base, runId, since, options)
      since = outcome.since
      if (outcome.last) return { runId, last: outcome.last }
      if (outcome.progressed) attempt = 0
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt))
    }
    return { runId }
  } finally {
    options.signal.removeEventListener('abort', cancel)
  }
}

/** One WebSocket connection: events after `since` until the run ends or the socket closes. */
function follow(base: string, runId: string, since: number, options: RemoteOptions) {
  return new Promise<{ since: number; last?: RunEvent; progressed: boolean }>((resolve) => {
    const url = `${base.replace(/^http/, 'ws')}/api/events?runId=${encodeURIComponent(runId)}&since=${since}`
    const headers = options.token ? { authorization: `Bearer ${options.token}` } : undefined
    const socket = new WebSocket(url, { headers })
    let seq = since
    let progressed = false
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; seq?: number }
      if (typeof frame.seq !== 'number' || frame.seq <= seq) return // control frames
      const event = frame as RunEvent
      seq = event.seq
      progressed = true
      options.onEvent(event)
      if (isTerminal(event)) {
        socket.close(1000)
        resolve({ since: seq, last: event, progressed })
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve({ since: seq, progressed }))
  })
}

async function request(url: string, init: RequestInit): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(url, { ...init, redirect: 'manual' })
  } catch (error) {
    throw fail(
      'SDF_BACKEND_UNREACHABLE',
      `cannot reach the sdflow server at ${url}: ${(error as Error).message}`,
    )
  }
  const body = (await response.json().catch(() => ({}))) as {
    code?: string
    message?: string
    issues?: Issue[]
  }
  if (response.ok) return body
  const issues = body.issues ?? []
  const first = issues[0]
  if (first) throw new RemoteInvalid(issues)
  throw fail('SDF_NODE_FAILED', `the server answered ${response.status}: ${body.message ?? ''}`)
}

/** The server refused the workflow: every issue it found. */
export class RemoteInvalid extends SdflowError {
  constructor(readonly issues: Issue[]) {
    super(issues[0] as Issue)
  }
}

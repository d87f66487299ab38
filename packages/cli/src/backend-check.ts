import { type BackendStatus, DEFAULT_QUEUE_TIMEOUT_MS } from '@sdflow/a1111'
import { fail, type SdflowError } from '@sdflow/protocol'

/**
 * After the pool's first probe round: one line per backend that is down, said at once rather
 * than after a silent wait, and an SDF_BACKEND_UNREACHABLE error when no backend could even be
 * connected to (waiting would only end in a timeout). A backend that answered but is not ready
 * (503 while A1111 loads) is waited for.
 */
export function checkBackends(
  statuses: readonly BackendStatus[],
  queueTimeoutMs = DEFAULT_QUEUE_TIMEOUT_MS,
): { lines: string[]; error?: SdflowError } {
  const down = statuses.filter((s) => s.health === 'down')
  const unreachable = down.filter((s) => s.lastError?.code === 'SDF_BACKEND_UNREACHABLE')
  const all = statuses.length > 0 && unreachable.length === statuses.length
  const lines = down.map((s) => {
    const what = s.lastError?.code === 'SDF_BACKEND_UNREACHABLE' ? 'unreachable' : 'not ready'
    const wait = all ? '' : `; waiting up to ${duration(queueTimeoutMs)} for a healthy backend`
    return `backend ${s.id} (${s.url}) ${what}: ${reasonOf(s)}${wait}`
  })
  if (!all) return { lines }
  const which = unreachable.map((s) => `${s.id} (${s.url}) ${reasonOf(s)}`).join(', ')
  const error = fail(
    'SDF_BACKEND_UNREACHABLE',
    `no configured backend can be reached: ${which}; start A1111 with --api (or --nowebui), or fix --backend / sdflow.config.json`,
    { details: { backends: unreachable.map((s) => s.id) } },
  )
  return { lines, error }
}

const reasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
}

function reasonOf(status: BackendStatus): string {
  const issue = status.lastError
  if (!issue) return 'no answer'
  const reason = issue.details?.reason
  if (typeof reason === 'string') return reasons[reason] ?? reason
  return issue.message
}

function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`
  return `${Math.round(ms / 1000)} s`
}

import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { basicCredentials, presentedToken } from '../security.js'

/**
 * Who is calling, for progress, interrupt, skip and /options: the token presented (hashed, never
 * kept) and, with HTTP Basic, the user name (`alice:TOKEN` and `bob:TOKEN` are two callers).
 * Within a caller a job is told apart by its task id (`force_task_id`, `id_task`).
 */
export function callerOf(request: FastifyRequest): string {
  const token = presentedToken(request, false) ?? ''
  const user = basicCredentials(request.headers.authorization)?.username ?? ''
  const digest = createHash('sha256').update(token).digest('hex').slice(0, 16)
  return `${digest}:${user}`
}

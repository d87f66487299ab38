import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { sdapiProgress } from '../progress-state.js'
import { fastapiJson, pyFloat } from '../py-format.js'

function queryBool(value: unknown): boolean {
  return typeof value === 'string' && /^(true|1|yes|on|t|y)$/i.test(value)
}

/** `/progress`, `/interrupt`, `/skip`: never wait for the lock. */
export function progressRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/sdapi/v1/progress', async (request, reply) => {
    const query = request.query
    const skip =
      typeof query === 'object' && query !== null && 'skip_current_image' in query
        ? queryBool(query.skip_current_image)
        : false
    const answer = await sdapiProgress(ctx.progress, skip, ctx.previewOptions())
    reply.serializer(fastapiJson)
    return {
      ...answer,
      progress: pyFloat(answer.progress),
      eta_relative: pyFloat(answer.eta_relative),
    }
  })

  app.post('/sdapi/v1/interrupt', async () => {
    ctx.progress.interrupted = true
    return {}
  })

  app.post('/sdapi/v1/skip', async (_request, reply) => {
    ctx.progress.skipped = true
    return reply.type('application/json').send('null')
  })
}

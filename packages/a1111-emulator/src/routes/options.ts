import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { requireDict } from '../fields.js'
import { runLocked } from '../generation/run-locked.js'
import { withFloatOptions } from '../option-floats.js'
import { fastapiJson } from '../py-format.js'

export function optionsRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/sdapi/v1/options', async (_request, reply) => {
    reply.serializer(fastapiJson)
    return withFloatOptions(ctx.settings.values)
  })

  app.post('/sdapi/v1/options', async (request, reply) => {
    const body = requireDict(request.body)
    if ('sd_model_checkpoint' in body) {
      await runLocked(ctx, { taskId: null, jobName: null }, async () => ctx.settings.apply(body))
    } else ctx.settings.apply(body)
    return reply.type('application/json').send('null')
  })
}

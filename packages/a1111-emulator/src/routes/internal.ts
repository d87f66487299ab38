import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { field, parseModel } from '../fields.js'
import { internalProgress } from '../progress-state.js'

const progressModel = {
  id_task: field.str(null),
  id_live_preview: field.int(-1),
  live_preview: field.bool(true),
}

/** Gradio-side routes, absent with `--nowebui` (`apiOnly`). */
export function internalRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/internal/ping', async () => ({}))
  app.get('/internal/pending-tasks', async () => ({
    size: ctx.tasks.pending.size,
    tasks: [...ctx.tasks.pending.keys()],
  }))
  app.post('/internal/progress', async (request) => {
    const req = parseModel(request.body, progressModel)
    return internalProgress(
      ctx.progress,
      ctx.tasks,
      {
        idTask: req.id_task ?? '',
        idLivePreview: req.id_live_preview ?? -1,
        livePreview: req.live_preview !== false,
      },
      ctx.previewOptions(),
    )
  })
}

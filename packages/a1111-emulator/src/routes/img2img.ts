import type { FastifyInstance } from 'fastify'
import { httpException } from '../api-error.js'
import type { EmulatorContext } from '../context.js'
import { parseModel, withPyFloats } from '../fields.js'
import { runImg2img } from '../generation/img2img-job.js'
import { runLocked } from '../generation/run-locked.js'
import { fastapiJson } from '../py-format.js'
import { randomTaskId } from '../random.js'
import { img2imgModel } from '../request-models.js'
import { checkScripts } from '../scripts.js'
import { applyInfotext, jobOptions } from './job-options.js'

export function img2imgRoute(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/sdapi/v1/img2img', async (request, reply) => {
    const req = parseModel(applyInfotext(request.body), img2imgModel)
    if (req.init_images === null) throw httpException(404, 'Init image not found')
    checkScripts('img2img', req.script_name, req.alwayson_scripts)
    const taskId = req.force_task_id ?? randomTaskId(ctx.random, 'img2img')
    const result = await runLocked(ctx, { taskId, jobName: 'scripts_img2img' }, () =>
      runImg2img(ctx, req, jobOptions(ctx, request)),
    )
    ctx.stats.completed('/sdapi/v1/img2img')
    const parameters = req.include_init_images ? req : { ...req, init_images: null, mask: null }
    reply.serializer(fastapiJson)
    return {
      images: result.images,
      parameters: withPyFloats(img2imgModel, parameters),
      info: result.info,
    }
  })
}

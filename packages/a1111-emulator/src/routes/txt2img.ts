import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { parseModel, withPyFloats } from '../fields.js'
import { runLocked } from '../generation/run-locked.js'
import { runTxt2img } from '../generation/txt2img-job.js'
import { fastapiJson } from '../py-format.js'
import { randomTaskId } from '../random.js'
import { txt2imgModel } from '../request-models.js'
import { checkScripts } from '../scripts.js'
import { applyInfotext, jobOptions } from './job-options.js'

export function txt2imgRoute(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/sdapi/v1/txt2img', async (request, reply) => {
    const req = parseModel(applyInfotext(request.body), txt2imgModel)
    checkScripts('txt2img', req.script_name, req.alwayson_scripts)
    const taskId = req.force_task_id ?? randomTaskId(ctx.random, 'txt2img')
    const result = await runLocked(ctx, { taskId, jobName: 'scripts_txt2img' }, () =>
      runTxt2img(ctx, req, jobOptions(ctx, request)),
    )
    ctx.stats.completed('/sdapi/v1/txt2img')
    reply.serializer(fastapiJson)
    return { images: result.images, parameters: withPyFloats(txt2imgModel, req), info: result.info }
  })
}

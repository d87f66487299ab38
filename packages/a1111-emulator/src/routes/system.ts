import { freemem, totalmem } from 'node:os'
import type { FastifyInstance } from 'fastify'
import { httpException } from '../api-error.js'
import type { EmulatorContext } from '../context.js'
import { field, parseModel } from '../fields.js'

const GiB = 1024 ** 3

export function systemRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/sdapi/v1/memory', async () => {
    const total = totalmem()
    const free = freemem()
    const busy = ctx.lock.locked
    const allocated = busy ? 3.4 * GiB : 2.1 * GiB
    return {
      ram: { free, used: total - free, total },
      cuda: {
        system: {
          free: 8 * GiB - allocated - 0.5 * GiB,
          used: allocated + 0.5 * GiB,
          total: 8 * GiB,
        },
        active: { current: allocated, peak: 4.2 * GiB },
        allocated: { current: allocated, peak: 4.2 * GiB },
        reserved: { current: allocated + 0.4 * GiB, peak: 4.8 * GiB },
        inactive: { current: 0.1 * GiB, peak: 0.6 * GiB },
        events: { retries: 0, oom: 0 },
      },
    }
  })

  app.get('/sdapi/v1/cmd-flags', async () => ({
    api: true,
    nowebui: ctx.apiOnly,
    listen: false,
    port: null,
    api_auth: ctx.auth ? '***' : null,
    api_log: false,
    no_hashing: false,
    lowvram: false,
    medvram: false,
    xformers: false,
    skip_torch_cuda_test: false,
    api_server_stop: false,
    data_dir: '/stable-diffusion-webui',
    ckpt_dir: null,
  }))

  const interrogateModel = { image: field.str(''), model: field.str('clip') }
  app.post('/sdapi/v1/interrogate', async (request) => {
    const req = parseModel(request.body, interrogateModel)
    if (req.model !== 'clip' && req.model !== 'deepdanbooru')
      throw httpException(404, 'Model not found')
    return {
      caption:
        req.model === 'clip' ? 'a painting of a landscape with a sky' : 'no_humans, scenery, sky',
    }
  })
}

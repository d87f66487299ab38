import type { FastifyInstance } from 'fastify'
import { checkpoints, latentUpscaleModes, samplers, schedulers, upscalers } from '../catalog.js'
import type { EmulatorContext } from '../context.js'
import { runLocked } from '../generation/run-locked.js'
import { scriptNames } from '../scripts.js'

/** Model and list endpoints (no lock, except the refresh-* routes). */
export function catalogRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/sdapi/v1/sd-models', async () => checkpoints.map((c) => ({ ...c })))
  app.get('/sdapi/v1/samplers', async () =>
    samplers.map((s) => ({ name: s.name, aliases: s.aliases, options: s.options })),
  )
  app.get('/sdapi/v1/schedulers', async () => schedulers.map((s) => ({ ...s })))
  app.get('/sdapi/v1/upscalers', async () =>
    upscalers.map((u) => ({
      name: u.name,
      model_name: u.model_name,
      model_path: u.model_path,
      model_url: u.model_url,
      scale: u.scale,
    })),
  )
  app.get('/sdapi/v1/latent-upscale-modes', async () =>
    latentUpscaleModes.map((name) => ({ name })),
  )
  app.get('/sdapi/v1/sd-vae', async () => [])
  app.get('/sdapi/v1/hypernetworks', async () => [])
  app.get('/sdapi/v1/loras', async () => [])
  app.get('/sdapi/v1/prompt-styles', async () => [])
  app.get('/sdapi/v1/face-restorers', async () => [
    { name: 'CodeFormer', cmd_dir: '/stable-diffusion-webui/models/Codeformer' },
    { name: 'GFPGAN', cmd_dir: null },
  ])
  app.get('/sdapi/v1/realesrgan-models', async () =>
    upscalers
      .filter((u) => u.model_name === 'RealESRGAN')
      .map((u) => ({ name: u.name, path: u.model_path, scale: u.scale })),
  )
  app.get('/sdapi/v1/embeddings', async () => ({ loaded: {}, skipped: {} }))
  app.get('/sdapi/v1/scripts', async () => ({
    txt2img: scriptNames('txt2img'),
    img2img: scriptNames('img2img'),
  }))
  app.get('/sdapi/v1/script-info', async () => [])
  app.get('/sdapi/v1/extensions', async () => [
    {
      name: 'sd-webui-controlnet',
      remote: 'https://github.com/Mikubill/sd-webui-controlnet.git',
      branch: 'main',
      commit_hash: '56cec5b2958edf3b1807b7e7b2b1b5186dbd2f81',
      version: '56cec5b2',
      // an int timestamp in modules/extensions.py, a str in the response model (pydantic)
      commit_date: '1721900000',
      enabled: true,
    },
  ])
  for (const what of ['refresh-checkpoints', 'refresh-embeddings', 'refresh-vae']) {
    app.post(`/sdapi/v1/${what}`, async (_request, reply) => {
      await runLocked(ctx, { taskId: null, jobName: null }, async () => undefined)
      return reply.type('application/json').send('null')
    })
  }
  app.post('/sdapi/v1/refresh-loras', async (_request, reply) =>
    reply.type('application/json').send('null'),
  )
  app.post('/sdapi/v1/unload-checkpoint', async () => ({}))
  app.post('/sdapi/v1/reload-checkpoint', async () => ({}))
}

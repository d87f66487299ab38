import Fastify, { type FastifyInstance } from 'fastify'
import { createContext, type EmulatorContext } from './context.js'
import { installHooks } from './hooks.js'
import { catalogRoutes } from './routes/catalog.js'
import { controlNetRoutes } from './routes/controlnet.js'
import { emulatorRoutes } from './routes/emulator.js'
import { extrasRoutes } from './routes/extras.js'
import { img2imgRoute } from './routes/img2img.js'
import { internalRoutes } from './routes/internal.js'
import { optionsRoutes } from './routes/options.js'
import { pngInfoRoute } from './routes/png-info.js'
import { progressRoutes } from './routes/progress.js'
import { systemRoutes } from './routes/system.js'
import { txt2imgRoute } from './routes/txt2img.js'
import type { EmulatorOptions } from './types.js'

/** Room for several base64 images in one request. */
const BODY_LIMIT = 256 * 1024 * 1024

export interface Emulator {
  app: FastifyInstance
  ctx: EmulatorContext
}

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const ctx = createContext(options)
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
  })
  // Every wait (lock, steps, hung requests) ends before fastify waits for connections.
  app.addHook('preClose', async () => ctx.close())
  installHooks(app, ctx)
  txt2imgRoute(app, ctx)
  img2imgRoute(app, ctx)
  extrasRoutes(app, ctx)
  pngInfoRoute(app, ctx)
  progressRoutes(app, ctx)
  optionsRoutes(app, ctx)
  catalogRoutes(app, ctx)
  systemRoutes(app, ctx)
  controlNetRoutes(app, ctx)
  if (!ctx.apiOnly) internalRoutes(app, ctx)
  emulatorRoutes(app, ctx)
  return { app, ctx }
}

/** The emulator as a fastify instance that never listens (use `inject` or `listen` yourself). */
export function buildEmulator(options: EmulatorOptions = {}): FastifyInstance {
  return createEmulator(options).app
}

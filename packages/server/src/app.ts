import { join, resolve } from 'node:path'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import fastifyWebsocket from '@fastify/websocket'
import type { Logger } from '@sdflow/engine'
import { rememberStepTimes } from '@sdflow/nodes'
import { fail } from '@sdflow/protocol'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { a1111Face } from './a1111/plugin.js'
import { trackBackendJobs } from './backend-jobs.js'
import type { SdflowContext } from './context.js'
import { installErrorHandling, sendError } from './errors.js'
import { createEventHub } from './event-hub.js'
import { installJsonBody } from './json-body.js'
import { redactingLogger } from './logging.js'
import {
  type BodyRoute,
  DEFAULT_ARTIFACT_LIMIT,
  DEFAULT_BODY_LIMIT,
  DEFAULT_HOST,
  DEFAULT_UPLOAD_LIMIT,
  type EventStreamOptions,
  type ServerOptions,
} from './options.js'
import { createPathScrubber } from './path-view.js'
import { artifactRoutes, artifactUploadRoutes } from './routes/artifacts.js'
import { editorRoutes } from './routes/editor.js'
import { metaRoutes } from './routes/meta.js'
import { runRoutes } from './routes/runs.js'
import { uploadRoutes } from './routes/uploads.js'
import { validateRoutes } from './routes/validate.js'
import { workerRoutes } from './routes/workers.js'
import { workflowRunRoutes } from './routes/workflow-run.js'
import { workflowRoutes } from './routes/workflows.js'
import { defaultConcurrency } from './run-concurrency.js'
import { createRunManager } from './run-manager.js'
import { openRunStore } from './run-store.js'
import { createRuntime, type Runtime } from './runtime.js'
import { checkBind, installGuard } from './security.js'
import { defaultExamplesDir, WorkflowFiles } from './workflow-files.js'
import { eventRoutes } from './ws/events.js'
import { CloseCodes } from './ws/subscription.js'

export const RUN_STORE_FILE = 'runs.sqlite'

const eventDefaults: Required<EventStreamOptions> = {
  maxPayload: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxQueuedEvents: 10_000,
  replayPageSize: 500,
}

/**
 * The sdflow server as a fastify instance, never listening (tests use inject()). Refuses a
 * non-loopback host without a token. Interrupted runs are resumed once the app is ready.
 */
export async function buildApp(options: ServerOptions = {}): Promise<FastifyInstance> {
  const host = options.host ?? DEFAULT_HOST
  checkBind(host, options.token)

  let runtime: Runtime
  let ownsRuntime = false
  const dataDir = resolve(
    options.dataDir ??
      options.runtimeOptions?.dataDir ??
      options.runtime?.engine.dataDir ??
      '.sdflow',
  )
  const app = Fastify({
    logger: redactingLogger(options.logger ?? false),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    return503OnClosing: true,
    // workflow names have up to 128 characters (the default limit is 100)
    routerOptions: { maxParamLength: 256 },
    // the run shutdown comes first; then no connection may keep close() waiting
    forceCloseConnections: true,
    // a URL the router cannot decode (`/api/workflows/%ff`) answers in the one error envelope
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, error)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()
  if (options.runtime) runtime = options.runtime
  else {
    runtime = await createRuntime({
      backends: 'auto',
      log: engineLog(app.log),
      ...options.runtimeOptions,
      dataDir,
    })
    ownsRuntime = true
  }

  let store: ReturnType<typeof openRunStore>
  try {
    store = openRunStore(join(dataDir, RUN_STORE_FILE), {
      onDamaged: ({ file, movedTo, reason }) =>
        app.log.warn(
          { file, movedTo, reason },
          `the run store ${file} was damaged (${reason}): moved it to ${movedTo} and started an empty one`,
        ),
    })
  } catch (error) {
    if (ownsRuntime) await runtime.close()
    throw error
  }
  const hub = createEventHub((error) => app.log.error({ err: error }, 'event listener failed'))
  // the step-time history written after runs end; close waits for it (it writes in dataDir)
  let learning: Promise<void> = Promise.resolve()
  const fixedRuns = options.concurrency === undefined ? undefined : Math.max(1, options.concurrency)
  const runs = createRunManager({
    engine: runtime.engine,
    store,
    hub,
    log: app.log,
    concurrency: fixedRuns === undefined ? () => defaultConcurrency(runtime.pool) : () => fixedRuns,
    admit: queueAdmission(runtime),
    onExecuted: (doc, result) => {
      learning = rememberStepTimes(dataDir, doc, result.nodes, runtime.pool?.list() ?? [])
    },
    retention: {
      maxRuns: options.retention?.maxRuns ?? 1000,
      maxEvents: options.retention?.maxEvents ?? 1_000_000,
    },
  })
  const events = { ...eventDefaults, ...options.events }
  const workflowsDir = resolve(options.workflowsDir ?? join(dataDir, 'workflows'))
  const examplesDir = examplesOf(options.examplesDir)
  const roots = runtime.engine.roots
  const scrubPaths = createPathScrubber([
    { dir: roots.output, label: 'the output folder' },
    { dir: roots.input, label: 'the input folder' },
    { dir: dataDir, label: 'the data folder' },
    { dir: workflowsDir, label: 'the workflows folder' },
    ...(examplesDir ? [{ dir: examplesDir, label: 'the examples folder' }] : []),
    { dir: process.cwd(), label: "the server's folder" },
  ])
  const context: SdflowContext = {
    runtime,
    store,
    hub,
    backendJobs: trackBackendJobs(hub),
    runs,
    workflows: new WorkflowFiles(workflowsDir, examplesDir),
    scrubPaths,
    dataDir,
    bodyLimit: (route: BodyRoute) =>
      options.routeBodyLimits?.[route] ??
      (route === 'POST /api/uploads' ? DEFAULT_UPLOAD_LIMIT : undefined) ??
      (route === 'PUT /api/artifacts/:hash' ? DEFAULT_ARTIFACT_LIMIT : undefined) ??
      options.bodyLimit ??
      DEFAULT_BODY_LIMIT,
    events,
  }
  app.decorate('sdflow', context)

  installErrorHandling(app)
  installJsonBody(app)
  // answers and error messages name no absolute server path (events: ws/events.ts)
  app.addHook('onSend', async (_request, _reply, payload) =>
    typeof payload === 'string' ? scrubPaths(payload) : payload,
  )
  // an upgrade refused by a hook (403, 401, 400) leaves a raw socket http no longer manages
  app.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket' && reply.statusCode >= 400) {
      request.raw.socket.destroy()
    }
  })
  installGuard(app, {
    host,
    token: options.token,
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
    port: () => {
      const address = app.server.address()
      return address && typeof address === 'object' ? address.port : undefined
    },
  })

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'sdflow',
        description:
          "Workflows for Stable Diffusion on AUTOMATIC1111 backends. Two faces: sdflow's own API under /api (errors answer `{statusCode, code, message, issues}`; the event stream is the WebSocket /api/events, docs/protocol.md), and the A1111 HTTP API (tag `a1111`: /sdapi/v1/*, /controlnet/*, /internal/*, answered over the whole backend pool in A1111's own shapes and errors, docs/a1111-face.md).",
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: 'any user name, the token as password',
          },
        },
      },
    },
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  await app.register(fastifyWebsocket, {
    options: { maxPayload: events.maxPayload },
    preClose: async () => {
      for (const client of app.websocketServer.clients) {
        client.close(CloseCodes.GoingAway, 'server shutting down')
      }
    },
  })

  await app.register(metaRoutes)
  await app.register(workflowRoutes)
  await app.register(runRoutes)
  await app.register(validateRoutes)
  await app.register(artifactRoutes)
  await app.register(uploadRoutes)
  await app.register(artifactUploadRoutes)
  await app.register(workerRoutes)
  await app.register(eventRoutes)
  await app.register(workflowRunRoutes)
  await app.register(a1111Face, { token: options.token })
  await app.register(editorRoutes)

  let shutdown: Promise<void> | undefined
  const shutdownGraceMs = options.shutdownGraceMs ?? 5000
  app.decorate('sdflowShutdown', () => {
    shutdown ??= runs.shutdown(shutdownGraceMs)
    return shutdown
  })
  app.addHook('onReady', async () => {
    runs.recover(options.resume ?? true)
  })
  app.addHook('onClose', async () => {
    shutdown ??= runs.shutdown(shutdownGraceMs)
    await shutdown
    await learning
    store.close()
    if (ownsRuntime) await runtime.close()
  })
  return app
}

/**
 * A coordinator that cannot reach Redis takes no new run (503 SDF_QUEUE_UNAVAILABLE, nothing
 * stored): the client learns at once instead of watching a run that cannot start.
 */
function queueAdmission(runtime: Runtime): (() => void) | undefined {
  const coordinator = runtime.coordinator
  if (!coordinator) return undefined
  return () => {
    if (!coordinator.available()) {
      throw fail(
        'SDF_QUEUE_UNAVAILABLE',
        'the coordinator cannot reach Redis; submit again once it is back',
      )
    }
  }
}

/** The engine's logger surface over fastify's pino logger. */
function engineLog(log: FastifyBaseLogger): Logger {
  return {
    debug: (msg, data) => log.debug(data ?? {}, msg),
    info: (msg, data) => log.info(data ?? {}, msg),
    warn: (msg, data) => log.warn(data ?? {}, msg),
    error: (msg, data) => log.error(data ?? {}, msg),
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Stop accepting runs; wait for running ones (up to the grace time), interrupt the rest. */
    sdflowShutdown(): Promise<void>
  }
}

function examplesOf(option: string | false | undefined): string | undefined {
  if (option === false) return undefined
  return option === undefined ? defaultExamplesDir() : resolve(option)
}

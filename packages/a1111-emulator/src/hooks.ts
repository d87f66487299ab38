import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { untilAborted } from './abortable.js'
import { ApiError, httpException } from './api-error.js'
import type { EmulatorContext } from './context.js'
import { installBodyParser } from './request-body.js'
import type { FaultSpec } from './types.js'

export function routePath(request: FastifyRequest): string {
  const url = request.url
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

const OOM_MESSAGE =
  'CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total capacity; 5.12 GiB ' +
  'already allocated; 1.20 GiB free; 5.40 GiB reserved in total by PyTorch) If reserved memory ' +
  'is >> allocated memory try setting max_split_size_mb to avoid fragmentation.  See ' +
  'documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF'

const HTML_PAGE =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Stable Diffusion</title>' +
  '</head><body><gradio-app>Loading...</gradio-app></body></html>\n'

const CORRUPT_BASE64 = 'iVBORw0KGgo%%%this-is-not-base64%%%'

/** Default extra delay of a `slow` fault and its step-time factor. */
export const SLOW_DEFAULT_DELAY_MS = 500
export const SLOW_STEP_FACTOR = 4

function destroy(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack()
  request.raw.socket.destroy()
  return reply
}

async function applyFault(
  ctx: EmulatorContext,
  fault: FaultSpec,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  switch (fault.kind) {
    case 'oom':
      return reply
        .code(500)
        .send({ error: 'OutOfMemoryError', detail: '', body: '', errors: OOM_MESSAGE })
    case 'error500':
      return reply.code(500).send({
        error: 'RuntimeError',
        detail: '',
        body: '',
        errors: 'Emulated fault: internal server error',
      })
    case 'unavailable503':
      return reply.code(503).send({ detail: 'Service Unavailable' })
    case 'html':
      return reply.code(200).type('text/html; charset=utf-8').send(HTML_PAGE)
    case 'drop':
      return destroy(request, reply)
    case 'hang': {
      // until the emulator closes or the client gives up (then counted as abandoned)
      const gone = new AbortController()
      reply.raw.once('close', () => gone.abort())
      await untilAborted(AbortSignal.any([ctx.shutdown, gone.signal]))
      if (!ctx.shutdown.aborted) ctx.stats.abandoned(routePath(request))
      return destroy(request, reply)
    }
    case 'slow':
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, fault.delayMs ?? SLOW_DEFAULT_DELAY_MS)
        ctx.shutdown.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      if (ctx.shutdown.aborted) return destroy(request, reply)
      ctx.requestFaults.set(request, fault)
      return undefined
    case 'bad-base64':
    case 'freeze':
      ctx.requestFaults.set(request, fault)
      return undefined
  }
}

function authorized(ctx: EmulatorContext, request: FastifyRequest): void {
  const auth = ctx.auth
  if (!auth) return
  const path = routePath(request)
  if (
    !path.startsWith('/sdapi/') ||
    path === '/sdapi/v1/loras' ||
    path === '/sdapi/v1/refresh-loras'
  ) {
    return
  }
  const header = request.headers.authorization
  if (!header?.startsWith('Basic ')) throw httpException(401, 'Not authenticated')
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (
    colon < 0 ||
    decoded.slice(0, colon) !== auth.username ||
    decoded.slice(colon + 1) !== auth.password
  ) {
    throw httpException(401, 'Incorrect username or password')
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Count a request whose client closed the connection before the answer was written. */
function watchAbandon(ctx: EmulatorContext, path: string, reply: FastifyReply): void {
  // 'close' comes after the answer was written, or when the connection ended before that
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished && !ctx.shutdown.aborted) ctx.stats.abandoned(path)
  })
}

/** Request counting, fault injection, basic auth, JSON parsing, errors and `X-Process-Time`. */
export function installHooks(app: FastifyInstance, ctx: EmulatorContext): void {
  installBodyParser(app)

  app.addHook('onRequest', async (request, reply) => {
    const path = routePath(request)
    if (path.startsWith('/emulator/')) return
    ctx.stats.request(path)
    const fault = ctx.faults.take(path)
    if (fault) {
      const handled = await applyFault(ctx, fault, request, reply)
      if (handled) return handled
    }
    watchAbandon(ctx, path, reply)
    authorized(ctx, request)
  })

  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (ctx.requestFaults.get(request)?.kind !== 'bad-base64' || !isRecord(payload)) return payload
    const out: Record<string, unknown> = { ...payload }
    if (Array.isArray(out.images)) out.images = out.images.map(() => CORRUPT_BASE64)
    if (typeof out.image === 'string') out.image = CORRUPT_BASE64
    return out
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-process-time', String(reply.elapsedTime / 1000))
    return payload
  })

  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ detail: 'Not Found' })
  })

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof ApiError) return reply.code(err.statusCode).send(err.body)
    const e = err instanceof Error ? err : new Error(String(err))
    if (ctx.shutdown.aborted && e.name === 'AbortError') return destroy(request, reply)
    const status = 'statusCode' in e ? e.statusCode : undefined
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send({ detail: e.message })
    }
    request.log.error({ err: e }, 'request failed')
    return reply.code(500).send({ error: e.name, detail: '', body: '', errors: e.message })
  })
}

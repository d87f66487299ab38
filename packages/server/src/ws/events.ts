import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { fail } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { WebSocket } from 'ws'
import { CloseCodes, type SubscribeRequest, Subscription } from './subscription.js'

const EventsQuery = Type.Object({
  runId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  since: Type.Optional(Type.Integer({ minimum: 0 })),
  token: Type.Optional(
    Type.String({ description: 'the bearer token (browsers cannot set headers)' }),
  ),
})

/** Parse a client's subscribe message; undefined when it is not one. */
export function parseSubscribe(text: string): SubscribeRequest | undefined {
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!message || typeof message !== 'object') return undefined
  const { type, runId, since, ...rest } = message as Record<string, unknown>
  if (type !== 'subscribe' || Object.keys(rest).length > 0) return undefined
  if (runId !== undefined && runId !== null && (typeof runId !== 'string' || runId === '')) {
    return undefined
  }
  if (since !== undefined && (!Number.isSafeInteger(since) || (since as number) < 0)) {
    return undefined
  }
  const out: SubscribeRequest = {}
  if (typeof runId === 'string') out.runId = runId
  if (since !== undefined) out.since = since as number
  return out
}

export async function eventRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { sdflow } = app

  app.route({
    method: 'GET',
    url: '/api/events',
    schema: {
      summary: 'WebSocket: the run event stream (see docs/protocol.md)',
      tags: ['events'],
      querystring: EventsQuery,
      hide: true,
    },
    // a plain GET gets an answer in the error envelope, not an empty 404
    handler: async (_request, reply) => {
      reply.header('upgrade', 'websocket')
      throw fail(
        'SDF_SERVER_UPGRADE_REQUIRED',
        '/api/events is a WebSocket: open it with a WebSocket client (see docs/protocol.md)',
      )
    },
    wsHandler: (socket: WebSocket, request) => {
      let current: Subscription | undefined
      const subscribe = (wanted: SubscribeRequest) => {
        current?.stop()
        current = undefined
        if (wanted.runId !== undefined && !sdflow.store.getRun(wanted.runId)) {
          socket.close(CloseCodes.UnknownRun, `no run ${wanted.runId}`.slice(0, 120))
          return
        }
        const subscription = new Subscription(socket, sdflow.store, sdflow.hub, wanted, {
          maxBufferedBytes: sdflow.events.maxBufferedBytes,
          maxQueuedEvents: sdflow.events.maxQueuedEvents,
          replayPageSize: sdflow.events.replayPageSize,
          present: sdflow.scrubPaths,
        })
        current = subscription
        subscription.start().catch((error: unknown) => {
          request.log.error({ err: error }, 'event replay failed')
          subscription.close(1011, 'replay failed')
        })
      }
      socket.on('message', (data, isBinary) => {
        const wanted = isBinary ? undefined : parseSubscribe(data.toString())
        if (!wanted) {
          current?.stop()
          socket.close(
            CloseCodes.BadSubscribe,
            'expected {"type":"subscribe","runId"?:string,"since"?:integer}',
          )
          return
        }
        subscribe(wanted)
      })
      socket.on('close', () => current?.stop())
      socket.on('error', () => current?.stop())
      const { runId, since } = request.query
      if (runId !== undefined || since !== undefined) {
        const wanted: SubscribeRequest = {}
        if (runId !== undefined) wanted.runId = runId
        if (since !== undefined) wanted.since = since
        subscribe(wanted)
      }
    },
  })
}

import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { DEFAULT_HOST, DEFAULT_PORT, type ServerOptions } from './options.js'

export interface StartedServer {
  url: string
  app: FastifyInstance
  /** Stop accepting runs, save state, close connections. Safe to call twice. */
  close(): Promise<void>
}

/** Build the app and listen; logs `listening on http://HOST:PORT`. */
export async function startServer(options: ServerOptions = {}): Promise<StartedServer> {
  const host = options.host ?? DEFAULT_HOST
  const app = await buildApp({ logger: true, ...options, host })
  try {
    await app.listen({ host, port: options.port ?? DEFAULT_PORT })
  } catch (error) {
    await app.close()
    throw error
  }
  const { port } = app.server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  app.log.info(`listening on ${url}`)
  let closing: Promise<void> | undefined
  return {
    url,
    app,
    close() {
      closing ??= (async () => {
        await app.sdflowShutdown()
        await app.close()
      })()
      return closing
    },
  }
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A 1x1 PNG, base64. */
export const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

export interface RawServer {
  url: string
  /** Requests seen, as `METHOD /path`. */
  seen: string[]
  close(): Promise<void>
}

export type RawHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) => void | Promise<void>

/** A bare node:http server on loopback for exact misbehaviour (redirects, garbage, hangs). */
export async function startRaw(handler: RawHandler): Promise<RawServer> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push(`${req.method} ${(req.url ?? '').split('?')[0]}`)
      void handler(req, res, Buffer.concat(chunks).toString('utf8'))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(value))
}

/** A txt2img answer with `count` generated images, `extra` trailing maps and optional grid. */
export function generationBody(count: number, extra = 0, grid = false, image = PNG_1X1) {
  const first = grid ? 1 : 0
  const infotexts = Array.from({ length: count + first }, (_, i) => `prompt\nSteps: 5, Seed: ${i}`)
  return {
    images: Array.from({ length: first + count + extra }, () => image),
    parameters: { prompt: 'prompt' },
    info: JSON.stringify({
      all_seeds: Array.from({ length: count }, (_, i) => 100 + i),
      all_subseeds: Array.from({ length: count }, (_, i) => 200 + i),
      infotexts,
      batch_size: count,
      index_of_first_image: first,
    }),
  }
}

export const idleProgress = {
  progress: 0,
  eta_relative: 0,
  state: {
    skipped: false,
    interrupted: false,
    job: '',
    job_count: 0,
    job_timestamp: '0',
    job_no: 0,
    sampling_step: 0,
    sampling_steps: 0,
  },
  current_image: null,
  textinfo: null,
}

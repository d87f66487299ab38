import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import type { RunEvent } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'
import { buildApp } from './app.js'
import type { ServerOptions } from './options.js'
import type { NodeRecord, RunRecord } from './run-store.js'

export async function tempDir(prefix = 'sdflow-server-'): Promise<{
  path: string
  remove(): Promise<void>
}> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** A local workflow (no backend): a QR code, resized, saved. */
export function qrWorkflow(name = 'qr', text = 'hello'): Record<string, unknown> {
  return {
    format: 'sdflow.workflow/1',
    name,
    description: 'a QR code',
    inputs: { text: { node: 'qr', param: 'text' } },
    outputs: { image: { node: 'save', output: 'image' } },
    nodes: {
      qr: { type: 'image.qr-code', params: { text, size: 128 } },
      resize: {
        type: 'image.resize',
        params: { width: 96 },
        inputs: { image: { node: 'qr', output: 'image' } },
      },
      save: {
        type: 'image.save',
        params: { prefix: name },
        inputs: { image: { node: 'resize', output: 'image' } },
      },
    },
  }
}

/** A backend workflow: txt2img -> upscale -> save (seed -1: never served from the cache). */
export function backendWorkflow(steps = 6, seed = -1): Record<string, unknown> {
  return {
    format: 'sdflow.workflow/1',
    name: 'gen-upscale',
    outputs: { image: { node: 'save', output: 'image' } },
    nodes: {
      gen: {
        type: 'sd.txt2img',
        params: { prompt: 'a lighthouse', steps, seed, width: 64, height: 64 },
      },
      upscale: {
        type: 'sd.upscale',
        params: { upscaler_1: 'Lanczos', upscaling_resize: 2 },
        inputs: { image: { node: 'gen', output: 'image' } },
      },
      save: {
        type: 'image.save',
        params: { prefix: 'gen' },
        inputs: { image: { node: 'upscale', output: 'image' } },
      },
    },
  }
}

export interface TestApp {
  app: FastifyInstance
  dir: string
  close(): Promise<void>
}

/** buildApp on a fresh data, workflows and output folder. */
export async function testApp(options: ServerOptions = {}): Promise<TestApp> {
  const dir = await tempDir()
  const app = await buildApp({
    dataDir: join(dir.path, 'data'),
    workflowsDir: join(dir.path, 'workflows'),
    examplesDir: false,
    runtimeOptions: {
      backends: 'none',
      outDir: join(dir.path, 'out'),
      inDir: join(dir.path, 'in'),
    },
    ...options,
  })
  return {
    app,
    dir: dir.path,
    async close() {
      await app.close()
      await dir.remove()
    },
  }
}

export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export type Frame = (RunEvent & { cursor: number }) | { type: string; [key: string]: unknown }

export function isRunEvent(frame: Frame): frame is RunEvent & { cursor: number } {
  return 'runId' in frame && 'seq' in frame && typeof frame.seq === 'number'
}

/** A ws client that records every frame and its close. */
export class Observer {
  readonly frames: Frame[] = []
  closed: { code: number; reason: string } | undefined
  private readonly opened: Promise<void>

  constructor(
    readonly ws: WebSocket,
    private readonly onFrame?: (frame: Frame, observer: Observer) => void,
  ) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame
      this.frames.push(frame)
      this.onFrame?.(frame, this)
    })
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
    })
    this.opened = new Promise((resolveOpen, rejectOpen) => {
      ws.once('open', () => resolveOpen())
      ws.once('error', rejectOpen)
      ws.once('unexpected-response', (req, res) => {
        rejectOpen(new Error(`upgrade refused: ${res.statusCode}`))
        res.resume()
        req.destroy()
      })
    })
  }

  static connect(
    url: string,
    options: WebSocket.ClientOptions = {},
    onFrame?: (frame: Frame, observer: Observer) => void,
  ): Observer {
    return new Observer(new WebSocket(url, options), onFrame)
  }

  open(): Promise<void> {
    return this.opened
  }

  get events(): (RunEvent & { cursor: number })[] {
    return this.frames.filter(isRunEvent)
  }

  subscribe(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ type: 'subscribe', ...message }))
  }

  until(what: string, test: (frame: Frame) => boolean, timeoutMs = 15_000): Promise<Frame> {
    return waitFor(
      () =>
        this.frames.find(test) ??
        (this.closed
          ? Promise.reject(new Error(`closed ${this.closed.code} while waiting for ${what}`))
          : undefined),
      what,
      timeoutMs,
    )
  }

  waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, 'close', timeoutMs)
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolveClose) => {
      this.ws.once('close', () => resolveClose())
      this.ws.terminate()
    })
  }
}

export const wsUrl = (httpUrl: string, path: string) => `${httpUrl.replace(/^http/, 'ws')}${path}`

/** GET /api/runs/:id */
export interface RunView extends RunRecord {
  nodes: Record<string, Omit<NodeRecord, 'id'>>
  seeds: Record<string, unknown>
  backends: string[]
  document: unknown
}

/** A square PNG of one IDAT, as built by hand: signature, IHDR, the data, IEND. */
export function squarePng(side: number, bitDepth: number, colourType: number, idat: Buffer) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(side, 0)
  header.writeUInt32BE(side, 4)
  header[8] = bitDepth
  header[9] = colourType
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** One PNG chunk: length, type, data and its CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/**
 * A PNG that claims `side` x `side` pixels of 1-bit grey, all zero: a few KB that would
 * inflate to side^2 pixels (a decompression bomb). Valid chunks and CRCs.
 */
export function bombPng(side = 20_000): Buffer {
  const raw = Buffer.alloc((1 + Math.ceil(side / 8)) * side)
  return squarePng(side, 1, 0, deflateSync(raw, { level: 9 })) // 1-bit greyscale
}

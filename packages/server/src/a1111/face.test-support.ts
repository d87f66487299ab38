import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import sharp from 'sharp'
import { type TestApp, tempDir, testApp } from '../server.test-support.js'

export const TOKEN = 'gateway-token-1234'

export interface Gateway {
  t: TestApp
  url: string
  emulators: RunningEmulator[]
  close(): Promise<void>
}

/**
 * sdflow serving the A1111 face on a loopback port over a pool of emulators (`a`, `b`, ...),
 * each priced, so a gateway call has a cost. `token` off: no auth.
 */
export async function startGateway(
  options: { emulators?: number; stepMs?: number; token?: boolean; workflowsDir?: string } = {},
): Promise<Gateway> {
  const emulators: RunningEmulator[] = []
  for (let i = 0; i < (options.emulators ?? 2); i++) {
    emulators.push(await startEmulator({ stepMs: options.stepMs ?? 5, seed: i + 1 }))
  }
  const dir = await tempDir('sdflow-gateway-')
  const config = join(dir.path, 'sdflow.config.json')
  await writeFile(
    config,
    JSON.stringify({
      backends: emulators.map((e, i) => ({
        id: String.fromCharCode(97 + i),
        url: e.url,
        pricePerSecond: 0.001,
      })),
      pool: { retryBackoff: { baseMs: 20, maxMs: 50 }, downBackoff: { baseMs: 50, maxMs: 200 } },
    }),
  )
  const t = await testApp({
    runtimeOptions: {
      backends: 'auto',
      configFile: config,
      outDir: join(dir.path, 'out'),
      inDir: join(dir.path, 'in'),
    },
    ...(options.token !== false && { token: TOKEN }),
    ...(options.workflowsDir && { workflowsDir: options.workflowsDir }),
  })
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 })
  return {
    t,
    url,
    emulators,
    async close() {
      await t.close()
      for (const e of emulators) await e.close()
      await dir.remove()
    },
  }
}

export const basic = (user: string, password = TOKEN) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely in tests, field by field
type Json = any

/** POST JSON; the answer's status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  }
}

export async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  return { status: response.status, body: (await response.json()) as Json }
}

/** A solid PNG as base64. */
export async function pngBase64(width: number, height: number, grey = 128): Promise<string> {
  const png = await sharp({
    create: { width, height, channels: 3, background: { r: grey, g: grey, b: grey } },
  })
    .png()
    .toBuffer()
  return png.toString('base64')
}

export async function sizeOf(base64: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(Buffer.from(base64, 'base64')).metadata()
  return { width: meta.width ?? 0, height: meta.height ?? 0 }
}

import sharp from 'sharp'
import { afterAll, beforeAll } from 'vitest'
import { type RunningEmulator, type StartOptions, startEmulator } from '../index.js'

export interface Reply<T = unknown> {
  status: number
  body: T
  headers: Headers
}

export async function call<T = unknown>(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const init: RequestInit = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    init.headers = { 'content-type': 'application/json', ...headers }
  }
  const res = await fetch(`${emu.url}${path}`, init)
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, body: parsed as T, headers: res.headers }
}

export const post = <T = unknown>(emu: RunningEmulator, path: string, body?: unknown) =>
  call<T>(emu, 'POST', path, body)
export const get = <T = unknown>(emu: RunningEmulator, path: string) => call<T>(emu, 'GET', path)

export interface GenResponse {
  images: string[]
  parameters: Record<string, unknown>
  info: string
}

/** Starts one emulator for the file's tests and closes it afterwards. */
export function useEmulator(options: StartOptions = {}): () => RunningEmulator {
  let emu: RunningEmulator | undefined
  beforeAll(async () => {
    emu = await startEmulator({ stepMs: 2, seed: 7, ...options })
  })
  afterAll(async () => {
    await emu?.close()
  })
  return () => {
    if (!emu) throw new Error('emulator not started')
    return emu
  }
}

export async function pngSize(b64: string): Promise<[number, number]> {
  const meta = await sharp(Buffer.from(b64, 'base64')).metadata()
  return [meta.width ?? 0, meta.height ?? 0]
}

export async function rawRgb(b64: string) {
  const { data, info } = await sharp(Buffer.from(b64, 'base64'))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** A solid-colour PNG as base64. */
export async function solidPng(width: number, height: number, color: string): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer()
  return png.toString('base64')
}

/** White rectangle (x, y, w, h) on black, as a base64 PNG mask. */
export async function rectMask(
  width: number,
  height: number,
  rect: [number, number, number, number],
) {
  const [x, y, w, h] = rect
  const white = await sharp({ create: { width: w, height: h, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer()
  const png = await sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .composite([{ input: white, left: x, top: y }])
    .png()
    .toBuffer()
  return png.toString('base64')
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

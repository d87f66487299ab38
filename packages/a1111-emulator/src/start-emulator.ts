import type { AddressInfo } from 'node:net'
import { createEmulator } from './emulator.js'
import type { EmulatorOptions, RunningEmulator } from './types.js'

export interface StartOptions extends EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
}

/** Starts the emulator on loopback (or `host`) and returns its URL and controls. */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const { app, ctx } = createEmulator(options)
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const address = app.server.address() as AddressInfo
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    close: () => app.close(),
    stats: () => ctx.stats.snapshot(),
    injectFault: (f) => ctx.faults.add(f),
    clearFaults: () => ctx.faults.clear(),
  }
}

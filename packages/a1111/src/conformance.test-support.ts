import { startEmulator, startRunpodEmulator } from '@sdflow/a1111-emulator'
import type { BackendConfig } from './config.js'
import { parseConfig } from './config.js'

/** One emulated backend of some kind, as the conformance suite drives it. */
export interface Harness {
  /** The config entry of the backend as sdflow.config.json would give it (id `x`). */
  config: BackendConfig
  /** The next generation runs out of GPU memory. */
  oomNext(): void
  /** How many times the backend was told to stop a job (A1111 interrupt, RunPod cancel). */
  stops(): number
  close(): Promise<void>
}

export interface HarnessOptions {
  stepMs: number
  /** Configure sdflow with a wrong credential. */
  wrongKey?: boolean
}

const timeouts = { connectMs: 5_000, probeMs: 5_000 }

export async function a1111Harness(options: HarnessOptions): Promise<Harness> {
  const emulator = await startEmulator({
    stepMs: options.stepMs,
    auth: { username: 'sd', password: 'right-pass-1' },
  })
  const password = options.wrongKey ? 'wrong-pass-2' : 'right-pass-1'
  const entry = { id: 'x', url: emulator.url, auth: { username: 'sd', password }, timeouts }
  return {
    config: parseConfig({ backends: [entry] }).backends[0] as BackendConfig,
    oomNext: () => emulator.injectFault({ route: '/sdapi/v1/txt2img', kind: 'oom' }),
    stops: () => emulator.stats().requests['/sdapi/v1/interrupt'] ?? 0,
    close: () => emulator.close(),
  }
}

export function runpodHarness(worker: 'a1111' | 'a1111-proxy') {
  return async (options: HarnessOptions): Promise<Harness> => {
    const emulator = await startRunpodEmulator({
      worker,
      stepMs: options.stepMs,
      apiKey: 'rp-right-key-1',
      workers: 2,
    })
    const apiKey = options.wrongKey ? 'rp-wrong-key-2' : 'rp-right-key-1'
    const entry = { id: 'x', type: 'runpod', worker, url: emulator.url, apiKey, timeouts }
    return {
      config: parseConfig({ backends: [entry] }).backends[0] as BackendConfig,
      oomNext: () => emulator.injectFault({ kind: 'oom' }),
      stops: () => emulator.stats().cancelled.length,
      close: () => emulator.close(),
    }
  }
}

import type { Backend, BackendKind } from './backend.js'
import { createClient } from './client.js'
import type { A1111BackendConfig, BackendConfig, RunpodBackendConfig } from './config.js'
import { openRunpod } from './runpod/runpod-backend.js'

const transports: {
  a1111: (config: A1111BackendConfig) => Backend
  runpod: (config: RunpodBackendConfig) => Backend
} = {
  a1111: (config) => createClient(config),
  runpod: openRunpod,
}

/** The transport for a configured backend, keyed by its `type` (default a1111). */
export function openBackend(config: BackendConfig): Backend {
  if (config.type === 'runpod') return transports.runpod(config)
  return transports.a1111(config)
}

export const backendKindOf = (config: BackendConfig): BackendKind => config.type ?? 'a1111'

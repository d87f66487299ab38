import { existsSync } from 'node:fs'
import {
  type BackendConfig,
  type BackendPool,
  backendsFromUrls,
  createPool,
  DEFAULT_QUEUE_TIMEOUT_MS,
  loadConfig,
  type PoolSettings,
} from '@sdflow/a1111'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { createEngine, type Engine, type Logger } from '@sdflow/engine'
import { createNodeRegistry, type NodeServices, remoteNodeType } from '@sdflow/nodes'
import type { Coordinator } from '@sdflow/queue'

export interface RuntimeOptions {
  /** 'none': no backend at all (the workflow has no backend node, or `sdflow nodes`). */
  backends?: 'none' | 'auto'
  /** `--backend URL`, repeatable. */
  backendUrls?: readonly string[]
  /** `--config FILE`; otherwise ./sdflow.config.json when it exists. */
  configFile?: string
  dataDir?: string
  outDir?: string
  inDir?: string
  /** Step time of the embedded emulator. */
  emulatorStepMs?: number
  /** Called once the embedded emulator listens. */
  onEmulator?: (url: string) => void
  /**
   * `sdflow serve --redis URL`: this process coordinates; backend nodes (and the CPU-heavy
   * ones, `remoteNodeType`) become BullMQ jobs for `sdflow worker` processes, which hold the
   * backends. No pool or emulator starts here.
   */
  redisUrl?: string
  /** Where the engine reports what it carries on past (a node cache it cannot write). */
  log?: Logger
}

export interface Runtime {
  engine: Engine<NodeServices>
  pool?: BackendPool
  /** How long a node waits for a healthy backend (the config's pool.queueTimeoutMs). */
  queueTimeoutMs?: number
  /** Set with `redisUrl`: the live workers and their jobs. */
  coordinator?: Coordinator
  close(): Promise<void>
}

const DEFAULT_CONFIG = 'sdflow.config.json'

/**
 * The engine with every node type and the backend pool. Backends come from --backend URLs, or
 * the config file; with neither, the embedded A1111 emulator starts on a free loopback port.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  if (options.redisUrl) return coordinatorRuntime(options, options.redisUrl)
  let emulator: RunningEmulator | undefined
  let pool: BackendPool | undefined
  let queueTimeoutMs = DEFAULT_QUEUE_TIMEOUT_MS
  if (options.backends === 'auto') {
    const found = await configured(options)
    queueTimeoutMs = found.pool.queueTimeoutMs ?? queueTimeoutMs
    let backends = found.backends
    if (backends.length === 0) {
      // loaded only when needed: a command that never starts it stays quick to start
      const { startEmulator } = await import('@sdflow/a1111-emulator')
      emulator = await startEmulator({ stepMs: options.emulatorStepMs ?? 15 })
      options.onEmulator?.(emulator.url)
      backends = backendsFromUrls([emulator.url]).map((b) => ({ ...b, id: 'emulator' }))
    }
    pool = createPool({ ...found.pool, backends, ...(options.log && { log: options.log }) })
    await pool.start()
  }
  const engine = createEngine<NodeServices>({
    registry: createNodeRegistry(),
    services: pool ? { backends: pool } : {},
    dataDir: options.dataDir,
    roots: { input: options.inDir, output: options.outDir },
    ...(options.log && { log: options.log }),
  })
  return {
    engine,
    pool,
    queueTimeoutMs,
    async close() {
      await pool?.close()
      await emulator?.close()
    },
  }
}

async function coordinatorRuntime(options: RuntimeOptions, redisUrl: string): Promise<Runtime> {
  // loaded only here: single-process commands never load BullMQ
  const { createCoordinator } = await import('@sdflow/queue')
  const { pool: settings } = await configured(options)
  const registry = createNodeRegistry()
  const coordinator = await createCoordinator({
    redisUrl,
    isRemote: (type) => remoteNodeType(registry.get(type)?.spec),
    queueTimeoutMs: settings.queueTimeoutMs,
    log: options.log,
  })
  const engine = createEngine<NodeServices>({
    registry,
    services: { backends: coordinator.backends },
    dataDir: options.dataDir,
    roots: { input: options.inDir, output: options.outDir },
    dispatch: coordinator.dispatch,
    ...(options.log && { log: options.log }),
  })
  // the pool as this process sees it: the live workers' backends (listing, catalogs, prices)
  return { engine, pool: coordinator.backends, coordinator, close: () => coordinator.close() }
}

/** Backends and pool settings: --backend URLs (default settings), else the config file. */
export async function configured(
  options: RuntimeOptions,
): Promise<{ backends: BackendConfig[]; pool: PoolSettings }> {
  if (options.backendUrls && options.backendUrls.length > 0) {
    return { backends: backendsFromUrls(options.backendUrls), pool: {} }
  }
  const file = options.configFile ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined)
  return file ? loadConfig(file) : { backends: [], pool: {} }
}

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BackendPool, backendsFromUrls, createPool } from '@sdflow/a1111'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { createEngine, type Engine } from '@sdflow/engine'
import type { RunEvent } from '@sdflow/protocol'
import { createNodeRegistry, type NodeServices } from '../index.js'

export interface Backend {
  emulator: RunningEmulator
  pool: BackendPool
  engine: Engine<NodeServices>
  close(): Promise<void>
}

/** An emulator, a pool over it and an engine with every node type, in fresh folders. */
export async function backend(options: { stepMs?: number } = {}): Promise<Backend> {
  const emulator = await startEmulator({ stepMs: options.stepMs ?? 2 })
  const pool = createPool({
    backends: backendsFromUrls([emulator.url]).map((b) => ({ ...b, id: 'emu' })),
  })
  await pool.start()
  const dir = mkdtempSync(join(tmpdir(), 'sdflow-sd-'))
  const engine = createEngine<NodeServices>({
    registry: createNodeRegistry(),
    services: { backends: pool },
    dataDir: join(dir, 'data'),
    roots: { input: dir, output: join(dir, 'out') },
  })
  return {
    emulator,
    pool,
    engine,
    async close() {
      await pool.close()
      await emulator.close()
    },
  }
}

export const workflow = (
  nodes: Record<string, unknown>,
  outputs: Record<string, unknown> = {},
) => ({
  format: 'sdflow.workflow/1',
  name: 'sd-test',
  outputs,
  nodes,
})

export async function run(engine: Engine<NodeServices>, doc: unknown, signal?: AbortSignal) {
  const events: RunEvent[] = []
  const result = await engine.run(doc, { onEvent: (e) => events.push(e), signal })
  return { result, events }
}

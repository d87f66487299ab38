import { createEngine, type Engine } from '@sdflow/engine'
import { createNodeRegistry, type NodeServices } from '@sdflow/nodes'

export interface RuntimeOptions {
  /** 'none' when the command never reaches a backend (validate, nodes). */
  backends?: 'none' | 'auto'
  dataDir?: string
  outDir?: string
  inDir?: string
}

export interface Runtime {
  engine: Engine<NodeServices>
  close(): Promise<void>
}

/** The engine with every node type and the services they use. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const engine = createEngine<NodeServices>({
    registry: createNodeRegistry(),
    services: {},
    dataDir: options.dataDir,
    roots: { input: options.inDir, output: options.outDir },
  })
  return { engine, close: async () => {} }
}

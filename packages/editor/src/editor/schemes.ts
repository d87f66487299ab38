import type { Issue, NodeSpec } from '@sdflow/protocol'
import { ClassicPreset, type GetSchemes } from 'rete'
import type { MinimapExtra } from 'rete-minimap-plugin'
import type { ReactArea2D } from 'rete-react-plugin'
import type { BackendInfo } from '../catalog.js'
import type { RunView } from '../run-state.js'
import type { Store } from '../store.js'

/** What node views read live: the run, issues by node, the backends' catalogs. */
export interface ViewState {
  run: RunView
  issues: ReadonlyMap<string, Issue[]>
  backends: BackendInfo[]
  selected: string | undefined
  /** Uploaded images feeding inputs (through a Load image node): node id -> input -> hash. */
  inputImages?: ReadonlyMap<string, Readonly<Record<string, string>>>
  /** Load image nodes whose mask output feeds an input: the mask painter paints into them. */
  maskLoads?: ReadonlySet<string>
}

/** What a node view may do: change a param of its node, open an image. */
export interface NodeEnv {
  store: Store<ViewState>
  setParam(nodeId: string, key: string, value: unknown): void
  /** Set (or unset) one key of the node's editor state (`ui`); recorded for undo. */
  setUi(nodeId: string, key: string, value: unknown): void
  showImage(url: string): void
  /** A field of a node holds text that is not a usable value (message), or no longer. */
  reportInvalid(where: string, nodeId: string, key: string, message: string | undefined): void
  /** Store an image on the server and make it the node's `artifact` param. */
  upload(nodeId: string, file: Blob): Promise<void>
  /** Store an image and feed it to an image or mask input, through a Load image node. */
  uploadInput(nodeId: string, input: string, file: Blob): Promise<void>
  /** Open the mask painter for a mask input. */
  paintMask(nodeId: string, input: string): void
  /** Open the mask painter on the mask a Load image node feeds. */
  paintInto(loadId: string): void
}

export const NODE_WIDTH = 250

/** A Rete node for one sdflow node: its document id, type, spec and explicit params. */
export class SdNode extends ClassicPreset.Node {
  width = NODE_WIDTH
  height = 120
  params: Record<string, unknown> = {}
  ui: Record<string, unknown> = {}
  /** The node type version its params were written for; absent means 1. */
  version: number | undefined
  /** Passes its inputs through instead of running (`"bypass": true`). */
  bypass = false

  constructor(
    id: string,
    readonly nodeType: string,
    readonly spec: NodeSpec | undefined,
    readonly env: NodeEnv,
  ) {
    super(spec?.title ?? `${nodeType} (unknown type)`)
    this.id = id
    // a node made now is written for the current version (1 needs no mark)
    this.version = spec && spec.version > 1 ? spec.version : undefined
  }
}

export class SdConnection<A extends SdNode, B extends SdNode> extends ClassicPreset.Connection<
  A,
  B
> {
  /** Kind of the value on the edge (the source socket's), for its colour. */
  kind?: string
}

export type Schemes = GetSchemes<SdNode, SdConnection<SdNode, SdNode>>
export type AreaExtra = ReactArea2D<Schemes> | MinimapExtra

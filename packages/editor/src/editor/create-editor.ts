import { canConnect, type NodeSpec, type SocketKind } from '@sdflow/protocol'
import { createRoot } from 'react-dom/client'
import { ClassicPreset, NodeEditor } from 'rete'
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin'
import {
  ClassicFlow,
  ConnectionPlugin,
  getSourceTarget,
  makeConnection,
} from 'rete-connection-plugin'
import { HistoryPlugin, Presets as HistoryPresets } from 'rete-history-plugin'
import { MinimapPlugin } from 'rete-minimap-plugin'
import { Presets, ReactPlugin } from 'rete-react-plugin'
import {
  freshNodeId,
  type Graph,
  type GraphLink,
  type GraphNode,
  type WorkflowMeta,
} from '../document.js'
import { gridLayout, overlapping } from '../layout.js'
import type { LinkEnd } from '../node-search.js'
import { nextSeed, seedMax, seedModeOf } from '../seed-mode.js'
import { boxSelection } from './box-select.js'
import { ConnectionView } from './connection-view.js'
import { NodeView } from './node-view.js'
import { type AreaExtra, type NodeEnv, type Schemes, SdConnection, SdNode } from './schemes.js'
import { SocketView } from './socket-view.js'

const MINIMAP_SIZE = 160

export interface EditorHandle {
  /** Replace the graph (no history); positions are applied as given. */
  load(graph: Graph): Promise<void>
  /** The graph as it is now (meta as given to load or setMeta). */
  read(): Graph
  setMeta(meta: WorkflowMeta): void
  /** Add a node of a type at the middle of the view (or at `at`); returns its id. */
  addNode(type: string, at?: { x: number; y: number }): Promise<string>
  /** Set (or, with undefined, unset) one param; recorded for undo. */
  setParam(nodeId: string, key: string, value: unknown): void
  deleteSelected(): Promise<void>
  undo(): Promise<void>
  redo(): Promise<void>
  /** Lay the graph out in columns by dependency depth (see layout.ts), then fit it in view. */
  arrange(options?: { quiet?: boolean }): Promise<void>
  /** Whether any two nodes overlap as rendered now. */
  overlaps(): Promise<boolean>
  zoomToFit(): Promise<void>
  /** Translate the view by (dx, dy) screen pixels. */
  pan(dx: number, dy: number): Promise<void>
  /** Ids of the selected nodes. */
  selectedIds(): string[]
  /** Select these nodes, alone or (`add`) beside the ones selected already. */
  selectMany(ids: string[], add: boolean): Promise<void>
  selectAll(): Promise<void>
  selectOnly(nodeId: string): Promise<void>
  /** Give a node another id (links and the workflow's inputs and outputs follow; clears undo). */
  renameNode(from: string, to: string): Promise<void>
  /** Add nodes and the links among them (a paste), selecting them; ids must be free. */
  addGraph(nodes: GraphNode[], links: GraphLink[]): Promise<void>
  /** Link output -> input if the sockets allow it (else it says why). */
  connect(link: GraphLink): Promise<void>
  /** After a run: each seed whose mode says so moves on (increment, randomize); one undo step. */
  advanceSeeds(): void
  /** Bypass the nodes (or run them again when all already are); recorded for undo. */
  toggleBypass(ids: string[]): void
  /** The pointer's last place on the canvas, in graph coordinates. */
  pointer(): { x: number; y: number }
  /** The same place relative to the canvas element. */
  screenPointer(): { x: number; y: number }
  /** Ids in use. */
  ids(): Set<string>
  destroy(): void
}

export interface EditorOptions {
  container: HTMLElement
  specs: ReadonlyMap<string, NodeSpec>
  env: Omit<NodeEnv, 'setParam' | 'setUi'>
  /** The document changed (structure, params or positions). */
  onChange(): void
  /** The user picked a node (or none). */
  onSelect(nodeId: string | undefined): void
  /** Something to tell the user (a refused connection, ...). */
  notify(message: string): void
  /**
   * Open the node search at a screen point (relative to the container): a double-click or a
   * right-click on empty canvas, or a link dropped there (`end`), to add a node at `at`.
   */
  onSearch(request: SearchRequest): void
  /** A right-click on a node. */
  onNodeMenu(request: { screen: { x: number; y: number }; nodeId: string }): void
}

export interface SearchRequest {
  screen: { x: number; y: number }
  at: { x: number; y: number }
  end?: LinkEnd
}

export async function createEditor(options: EditorOptions): Promise<EditorHandle> {
  const { container, specs } = options
  const editor = new NodeEditor<Schemes>()
  const area = new AreaPlugin<Schemes, AreaExtra>(container)
  const connection = new ConnectionPlugin<Schemes, AreaExtra>()
  const render = new ReactPlugin<Schemes, AreaExtra>({ createRoot })
  const minimap = new MinimapPlugin<Schemes>()
  const history = new HistoryPlugin<Schemes>()
  let meta: WorkflowMeta = { format: 'sdflow.workflow/1', name: 'untitled' }
  let loading = false
  const sockets = new Map<string, ClassicPreset.Socket>()
  const socketOf = (kind: string): ClassicPreset.Socket => {
    let socket = sockets.get(kind)
    if (!socket) {
      socket = new ClassicPreset.Socket(kind)
      sockets.set(kind, socket)
    }
    return socket
  }

  const setParamRaw = (nodeId: string, key: string, value: unknown) => {
    const node = editor.getNode(nodeId)
    if (!node) return
    const params = { ...node.params }
    if (value === undefined) delete params[key]
    else params[key] = value
    node.params = params
    void area.update('node', nodeId)
    options.onChange()
  }
  const setUiRaw = (nodeId: string, key: string, value: unknown) => {
    const node = editor.getNode(nodeId)
    if (!node) return
    const ui = { ...node.ui }
    if (value === undefined) delete ui[key]
    else ui[key] = value
    node.ui = ui
    void area.update('node', nodeId)
    options.onChange()
  }
  /** One undoable change of a node's params or ui. */
  const recorded =
    (field: 'params' | 'ui', raw: (nodeId: string, key: string, value: unknown) => void) =>
    (nodeId: string, key: string, value: unknown) => {
      const node = editor.getNode(nodeId)
      if (!node) return
      const before = node[field][key]
      if (Object.is(before, value)) return
      history.add({
        undo: () => raw(nodeId, key, before),
        redo: () => raw(nodeId, key, value),
      })
      raw(nodeId, key, value)
    }
  const env: NodeEnv = {
    ...options.env,
    setParam: recorded('params', setParamRaw),
    setUi: recorded('ui', setUiRaw),
  }

  const makeNode = (id: string, type: string): SdNode => {
    const spec = specs.get(type)
    const node = new SdNode(id, type, spec, env)
    for (const [key, input] of Object.entries(spec?.inputs ?? {})) {
      const label = input.optional ? key : `${key} *`
      node.addInput(key, new ClassicPreset.Input(socketOf(input.kind), label, input.multi))
    }
    for (const [key, output] of Object.entries(spec?.outputs ?? {})) {
      node.addOutput(key, new ClassicPreset.Output(socketOf(output.kind), key))
    }
    return node
  }
  const takenIds = () => new Set(editor.getNodes().map((n) => n.id))

  render.addPreset(
    Presets.classic.setup({
      customize: {
        node: () => NodeView,
        socket: () => SocketView,
        connection: () => ConnectionView,
      },
    }),
  )
  render.addPreset(Presets.minimap.setup({ size: MINIMAP_SIZE }))
  // refuse before the flow drops the input's current link
  connection.addPreset(
    () =>
      new ClassicFlow<Schemes, AreaExtra[]>({
        canMakeConnection(from, to) {
          const pair = getSourceTarget(from, to)
          if (!pair?.[0] || !pair[1]) return false
          const [s, t] = pair
          const ok = judge(s.nodeId, s.key, t.nodeId, t.key, true) !== undefined
          // a refused drop ends the drag (the flow would keep the loose end on the pointer)
          if (!ok) setTimeout(() => connection.drop(), 0)
          return ok
        },
        makeConnection,
      }),
  )
  history.addPreset(HistoryPresets.classic.setup())

  /** The kind on the edge when output -> input may be linked; else undefined (and why, told). */
  const judge = (
    sourceId: string,
    output: string,
    targetId: string,
    input: string,
    tell: boolean,
  ): string | undefined => {
    const from = editor.getNode(sourceId)?.outputs[output]?.socket.name as SocketKind | undefined
    const to = editor.getNode(targetId)?.inputs[input]?.socket.name as SocketKind | undefined
    if (!from || !to) return undefined
    const refuse = (reason: string) => {
      if (tell) options.notify(`Refused ${sourceId}.${output} → ${targetId}.${input}: ${reason}`)
      return undefined
    }
    if (sourceId === targetId) return refuse('a node cannot feed itself')
    const verdict = canConnect(from, to)
    return verdict.ok ? from : refuse(verdict.reason)
  }
  // the one compatibility rule, shared with the engine (documents load as they are)
  editor.addPipe((context) => {
    if (context.type !== 'connectioncreate') return context
    const data = context.data
    if (loading) {
      data.kind = editor.getNode(data.source)?.outputs[data.sourceOutput]?.socket.name
      return context
    }
    const kind = judge(data.source, data.sourceOutput, data.target, data.targetInput, true)
    if (kind === undefined) return undefined
    data.kind = kind
    return context
  })
  editor.addPipe((context) => {
    if (loading) return context
    switch (context.type) {
      case 'nodecreated':
      case 'noderemoved':
      case 'connectioncreated':
      case 'connectionremoved':
        options.onChange()
        break
      case 'noderemove':
        options.onSelect(undefined)
        break
    }
    return context
  })
  // where the pointer is, for a popup opened from the keyboard or at a dropped link
  let screen = { x: 0, y: 0 }
  const toScreen = (e: MouseEvent) => {
    const rect = container.getBoundingClientRect()
    return { x: e.clientX - rect.left, y: e.clientY - rect.top }
  }
  const onMove = (e: PointerEvent) => {
    screen = toScreen(e)
  }
  container.addEventListener('pointermove', onMove)
  const onNodeOrRoot = (target: EventTarget | null) =>
    target instanceof Element && target.closest('[data-testid="node"]') !== null
  const onDoubleClick = (e: MouseEvent) => {
    if (onNodeOrRoot(e.target)) return
    screen = toScreen(e)
    options.onSearch({ screen, at: { ...area.area.pointer } })
  }
  container.addEventListener('dblclick', onDoubleClick)
  area.addPipe((context) => {
    // a double-click opens the search instead of zooming
    if (context.type === 'zoom' && context.data.source === 'dblclick') return undefined
    if (context.type === 'contextmenu') {
      const { event, context: on } = context.data
      event.preventDefault()
      event.stopPropagation()
      screen = toScreen(event)
      if (on === 'root') options.onSearch({ screen, at: { ...area.area.pointer } })
      else if (on instanceof SdNode) options.onNodeMenu({ screen, nodeId: on.id })
      return undefined
    }
    return context
  })
  // a link let go on empty canvas: search for a node to take (or feed) it
  connection.addPipe((context) => {
    if (context.type !== 'connectiondrop') return context
    const data = context.data
    if (data.socket || data.created) return context
    const { nodeId, side, key } = data.initial
    const n = editor.getNode(nodeId)
    const kind = (side === 'output' ? n?.outputs[key] : n?.inputs[key])?.socket.name
    if (kind) {
      const end: LinkEnd = { nodeId, side, key, kind: kind as LinkEnd['kind'] }
      options.onSearch({ screen, at: { ...area.area.pointer }, end })
    }
    return context
  })

  // a click on a header picks the node without moving it: only a real move is a change
  let pickedAt: { id: string; x: number; y: number } | undefined
  // picking a node of the selection keeps the selection, so a drag moves all of it (ComfyUI)
  let pickingSelected = false
  area.addPipe((context) => {
    if (context.type === 'nodepicked') {
      pickingSelected = editor.getNode(context.data.id)?.selected === true
      options.onSelect(context.data.id)
      const p = area.nodeViews.get(context.data.id)?.position
      pickedAt = p && { id: context.data.id, x: p.x, y: p.y }
    }
    if (context.type === 'nodedragged' && !loading) {
      const p = area.nodeViews.get(context.data.id)?.position
      const moved =
        !pickedAt || pickedAt.id !== context.data.id || p?.x !== pickedAt.x || p.y !== pickedAt.y
      pickedAt = undefined
      if (moved) options.onChange()
    }
    return context
  })

  editor.use(area)
  area.use(connection)
  area.use(render)
  area.use(minimap)
  area.use(history)
  AreaExtensions.simpleNodesOrder(area)
  const selector = AreaExtensions.selector()
  const onCtrl = AreaExtensions.accumulateOnCtrl()
  const selectable = AreaExtensions.selectableNodes(area, selector, {
    accumulating: { active: () => onCtrl.active() || pickingSelected },
  })
  const selectMany = async (ids: string[], add: boolean) => {
    if (!add) for (const n of editor.getNodes()) if (n.selected) await selectable.unselect(n.id)
    for (const id of ids) await selectable.select(id, true)
    const chosen = editor.getNodes().filter((n) => n.selected)
    options.onSelect(chosen.length === 1 ? chosen[0]?.id : undefined)
  }
  const stopBoxSelection = boxSelection({ container, select: selectMany })
  const setBypass = (ids: string[], on: boolean[]) => {
    ids.forEach((id, i) => {
      const node = editor.getNode(id)
      if (!node) return
      node.bypass = on[i] ?? false
      void area.update('node', id)
    })
    options.onChange()
  }

  const clear = async () => {
    for (const c of editor.getConnections()) await editor.removeConnection(c.id)
    for (const n of editor.getNodes()) await editor.removeNode(n.id)
  }

  const addLink = async (link: GraphLink) => {
    const source = editor.getNode(link.source)
    const target = editor.getNode(link.target)
    if (!source || !target) return
    if (!source.outputs[link.output] || !target.inputs[link.input]) return
    await editor.addConnection(new SdConnection(source, link.output, target, link.input))
  }

  /** The spot nearest `start` (on a grid around it) where `node` overlaps no other node. */
  const freeSpot = (start: { x: number; y: number }, node: SdNode) => {
    const boxes = editor
      .getNodes()
      .filter((n) => n.id !== node.id)
      .map((n) => ({
        ...(area.nodeViews.get(n.id)?.position ?? { x: 0, y: 0 }),
        w: n.width,
        h: n.height,
      }))
    const gap = 30
    const free = (p: { x: number; y: number }) =>
      boxes.every(
        (b) =>
          p.x + node.width + gap <= b.x ||
          b.x + b.w + gap <= p.x ||
          p.y + node.height + gap <= b.y ||
          b.y + b.h + gap <= p.y,
      )
    for (let ring = 0; ring < 12; ring++) {
      for (let i = -ring; i <= ring; i++) {
        for (const [dx, dy] of [
          [i, -ring],
          [i, ring],
          [-ring, i],
          [ring, i],
        ] as const) {
          const p = { x: start.x + dx * (node.width + gap), y: start.y + dy * 160 }
          if (free(p)) return p
        }
      }
    }
    return start
  }

  /** Each node's box in graph units, as rendered (after React has drawn what changed). */
  const renderedBoxes = async () => {
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))
    return editor.getNodes().map((n) => {
      const view = area.nodeViews.get(n.id)
      const el = view?.element.querySelector<HTMLElement>('[data-testid="node"]')
      return {
        id: n.id,
        x: view?.position.x ?? 0,
        y: view?.position.y ?? 0,
        width: el?.offsetWidth || n.width,
        height: el?.offsetHeight || n.height,
      }
    })
  }

  // like AreaExtensions.zoomAt, but fitting beside or above the minimap (which sits over the
  // bottom-right corner), whichever leaves the nodes larger: after a fit none hides behind it
  const zoomToFit = async () => {
    const nodes = editor.getNodes()
    if (nodes.length === 0) return
    const box = AreaExtensions.getBoundingBox(area, nodes)
    const { clientWidth, clientHeight } = area.container
    const reserve = MINIMAP_SIZE + 32
    const fits = [
      { w: clientWidth - reserve, h: clientHeight },
      { w: clientWidth, h: clientHeight - reserve },
    ].map(({ w, h }) => {
      const k = Math.min((w / box.width) * 0.9, (h / box.height) * 0.9, 1)
      return { w, h, k }
    })
    const best = fits.reduce((a, b) => (b.k > a.k ? b : a))
    if (best.k <= 0) return
    area.area.transform.x = best.w / 2 - box.center.x * best.k
    area.area.transform.y = best.h / 2 - box.center.y * best.k
    await area.area.zoom(best.k, 0, 0)
  }

  const handle: EditorHandle = {
    async load(graph) {
      loading = true
      try {
        await clear()
        meta = graph.meta
        for (const g of graph.nodes) {
          const node = makeNode(g.id, g.type)
          node.params = { ...g.params }
          node.ui = { ...g.ui }
          node.version = g.version
          node.bypass = g.bypass === true
          await editor.addNode(node)
          await area.translate(node.id, g.position)
        }
        for (const link of graph.links) await addLink(link)
        history.clear()
      } finally {
        loading = false
      }
      options.onSelect(undefined)
    },
    read() {
      const nodes = editor.getNodes().map((n) => {
        const view = area.nodeViews.get(n.id)
        return {
          id: n.id,
          type: n.nodeType,
          ...(n.version === undefined ? {} : { version: n.version }),
          params: { ...n.params },
          position: view ? { ...view.position } : { x: 0, y: 0 },
          ui: { ...n.ui },
          ...(n.bypass ? { bypass: true } : {}),
        }
      })
      const links = editor.getConnections().map((c) => ({
        source: c.source,
        output: c.sourceOutput,
        target: c.target,
        input: c.targetInput,
      }))
      return { meta, nodes, links }
    },
    setMeta(next) {
      meta = next
    },
    async addNode(type, at) {
      const node = makeNode(freshNodeId(type, takenIds()), type)
      await editor.addNode(node)
      let position = at
      if (!position) {
        const { x, y, k } = area.area.transform
        const rect = container.getBoundingClientRect()
        position = freeSpot(
          { x: (rect.width / 2 - x) / k - node.width / 2, y: (rect.height / 2 - y) / k - 100 },
          node,
        )
      }
      await area.translate(node.id, position)
      options.onSelect(node.id)
      return node.id
    },
    setParam: env.setParam,
    async deleteSelected() {
      // one undo step of its own, however soon after the last change
      history.separate()
      const chosen = editor.getNodes().filter((n) => n.selected)
      for (const node of chosen) {
        for (const c of editor.getConnections()) {
          if (c.source === node.id || c.target === node.id) await editor.removeConnection(c.id)
        }
        await editor.removeNode(node.id)
      }
    },
    undo: () => history.undo(),
    redo: () => history.redo(),
    async arrange({ quiet = false } = {}) {
      const boxes = await renderedBoxes()
      const links = editor.getConnections().map((c) => ({ source: c.source, target: c.target }))
      for (const p of gridLayout(boxes, links)) await area.translate(p.id, { x: p.x, y: p.y })
      await zoomToFit()
      if (!quiet) options.onChange()
    },
    async overlaps() {
      return overlapping(await renderedBoxes()).length > 0
    },
    zoomToFit,
    async pan(dx, dy) {
      const { x, y } = area.area.transform
      await area.area.translate(x + dx, y + dy)
    },
    selectedIds: () =>
      editor
        .getNodes()
        .filter((n) => n.selected)
        .map((n) => n.id),
    selectMany,
    async selectAll() {
      for (const n of editor.getNodes()) await selectable.select(n.id, true)
    },
    async selectOnly(nodeId) {
      for (const n of editor.getNodes()) if (n.selected) await selectable.unselect(n.id)
      await selectable.select(nodeId, false)
    },
    async renameNode(from, to) {
      const old = editor.getNode(from)
      if (!old || editor.getNode(to)) return
      const position = area.nodeViews.get(from)?.position ?? { x: 0, y: 0 }
      const links = editor
        .getConnections()
        .filter((c) => c.source === from || c.target === from)
        .map((c) => ({
          source: c.source === from ? to : c.source,
          output: c.sourceOutput,
          target: c.target === from ? to : c.target,
          input: c.targetInput,
        }))
      loading = true
      try {
        for (const c of editor.getConnections()) {
          if (c.source === from || c.target === from) await editor.removeConnection(c.id)
        }
        await editor.removeNode(from)
        const node = makeNode(to, old.nodeType)
        node.params = old.params
        node.ui = old.ui
        node.version = old.version
        node.bypass = old.bypass
        await editor.addNode(node)
        await area.translate(to, position)
        for (const link of links) await addLink(link)
        history.clear()
      } finally {
        loading = false
      }
      await selectable.select(to, false)
      options.onSelect(to)
      options.onChange()
    },
    async addGraph(nodes, links) {
      history.separate()
      for (const g of nodes) {
        const node = makeNode(g.id, g.type)
        node.params = { ...g.params }
        node.ui = { ...g.ui }
        node.version = g.version
        node.bypass = g.bypass === true
        await editor.addNode(node)
        await area.translate(node.id, g.position)
      }
      for (const link of links) await addLink(link)
      for (const n of editor.getNodes()) if (n.selected) await selectable.unselect(n.id)
      for (const g of nodes) await selectable.select(g.id, true)
      options.onSelect(nodes.at(-1)?.id)
    },
    async connect(link) {
      if (judge(link.source, link.output, link.target, link.input, true) === undefined) return
      const target = editor.getNode(link.target)
      // a single input holds one link: the new one replaces it
      if (target && !target.inputs[link.input]?.multipleConnections) {
        for (const c of editor.getConnections()) {
          if (c.target === link.target && c.targetInput === link.input) {
            await editor.removeConnection(c.id)
          }
        }
      }
      await addLink(link)
    },
    advanceSeeds() {
      history.separate()
      for (const node of editor.getNodes()) {
        const max = seedMax(node.spec)
        if (max === undefined) continue
        const next = nextSeed(seedModeOf(node.ui), node.params.seed, max)
        if (next !== undefined) env.setParam(node.id, 'seed', next)
      }
    },
    toggleBypass(ids) {
      const nodes = ids.map((id) => editor.getNode(id)).filter((n) => n !== undefined)
      if (nodes.length === 0) return
      const before = nodes.map((n) => n.bypass)
      const value = !nodes.every((n) => n.bypass)
      const after = nodes.map(() => value)
      const which = nodes.map((n) => n.id)
      history.add({ undo: () => setBypass(which, before), redo: () => setBypass(which, after) })
      setBypass(which, after)
    },
    pointer: () => ({ ...area.area.pointer }),
    screenPointer: () => ({ ...screen }),
    ids: takenIds,
    destroy() {
      container.removeEventListener('pointermove', onMove)
      container.removeEventListener('dblclick', onDoubleClick)
      stopBoxSelection()
      onCtrl.destroy()
      area.destroy()
    },
  }
  return handle
}

import type { ImageRef, Issue, NodeOutputs, RunEvent } from '@sdflow/protocol'

export type NodeStatus =
  | 'idle'
  | 'queued'
  | 'running'
  | 'cached'
  | 'done'
  | 'failed'
  | 'skipped'
  /** Left out of the run's plan (the issue says why, e.g. "feeds no output"). */
  | 'not-run'
  /** Queued or running when the run was cancelled. */
  | 'cancelled'

/** The code of node.skipped for a node the plan left out (engine: SDF_RUN_NOT_PLANNED). */
export const NOT_PLANNED: string = 'SDF_RUN_NOT_PLANNED'

export interface NodeView {
  status: NodeStatus
  /** While running: sampling step of total, seconds left, live preview artifact hash. */
  progress?: { step: number; total: number; fraction: number; eta?: number; message?: string }
  preview?: string
  /** Images among the node's outputs. */
  images: ImageRef[]
  /** The node's plain outputs (string, number, boolean), by output name. */
  values?: Record<string, string | number | boolean>
  /** Files the node wrote (paths as the server reports them). */
  files?: string[]
  /** What the node recorded: seeds, infotexts, checkpoint, GPU time. */
  meta?: Record<string, unknown>
  issue?: Issue
  backend?: string
  durationMs?: number
}

export type RunPhase =
  | 'idle'
  | 'submitted'
  | 'queued'
  | 'running'
  | 'finished'
  | 'failed'
  | 'cancelled'

export interface LogLine {
  seq: number
  time: string
  level: 'info' | 'error'
  text: string
  /** A file the line names, with the artifact that shows it. */
  file?: { path: string; hash?: string }
}

export interface RunView {
  phase: RunPhase
  runId?: string
  /** Highest seq applied: resubscribe from here, ignore anything at or below it. */
  lastSeq: number
  nodes: Record<string, NodeView>
  log: LogLine[]
  /** Issues of a failed run (node issues are also on their node). */
  issues: Issue[]
}

export type RunAction =
  | { type: 'reset' }
  | { type: 'submitted'; runId: string }
  | { type: 'event'; event: RunEvent }

export const idleRun: RunView = { phase: 'idle', lastSeq: 0, nodes: {}, log: [], issues: [] }

const LOG_LIMIT = 500

export function isActive(phase: RunPhase): boolean {
  return phase === 'submitted' || phase === 'queued' || phase === 'running'
}

function isImageRef(value: unknown): value is ImageRef {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash) && typeof v.mime === 'string'
}

/** Every ImageRef among a node's outputs (image and mask sockets carry ImageRef[]). */
export function imagesOf(outputs: NodeOutputs): ImageRef[] {
  const out: ImageRef[] = []
  for (const value of Object.values(outputs)) {
    if (Array.isArray(value)) out.push(...value.filter(isImageRef))
    else if (isImageRef(value)) out.push(value)
  }
  return out
}

/** The plain (string, number, boolean) values among a node's outputs. */
export function valuesOf(
  outputs: NodeOutputs,
): Record<string, string | number | boolean> | undefined {
  const out: Record<string, string | number | boolean> = {}
  for (const [name, value] of Object.entries(outputs)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[name] = value
    }
  }
  return Object.keys(out).length > 0 ? out : undefined
}

function nodeOf(state: RunView, id: string): NodeView {
  return state.nodes[id] ?? { status: 'idle', images: [] }
}

function withNode(state: RunView, id: string, patch: (n: NodeView) => NodeView): RunView {
  return { ...state, nodes: { ...state.nodes, [id]: patch(nodeOf(state, id)) } }
}

type Line = Omit<LogLine, 'seq' | 'time'>

/** One line per file a node wrote, linked to the image it holds when the counts agree. */
function fileLines(nodeId: string, files: string[], outputs: NodeOutputs): Line[] {
  const images = imagesOf(outputs)
  return files.map((path, i) => {
    const hash = images.length === files.length ? images[i]?.hash : undefined
    return {
      level: 'info',
      text: `${nodeId} wrote ${path}`,
      file: { path, ...(hash ? { hash } : {}) },
    }
  })
}

function describe(event: RunEvent): Line[] {
  const line = describeOne(event)
  const head = line ? [line] : []
  if (event.type === 'node.finished' || event.type === 'node.cached') {
    return [...head, ...fileLines(event.nodeId, event.files, event.outputs)]
  }
  return head
}

function describeOne(event: RunEvent): Line | undefined {
  switch (event.type) {
    case 'run.queued':
      return { level: 'info', text: 'run queued' }
    case 'run.started':
      return { level: 'info', text: `run started: ${event.nodes.length} nodes` }
    case 'node.started':
      return {
        level: 'info',
        text: `${event.nodeId} started${event.backend ? ` on ${event.backend}` : ''}`,
      }
    case 'node.progress':
      return undefined
    case 'node.retrying':
      return {
        level: 'error',
        text: `${event.nodeId} retrying (attempt ${event.attempt}): ${event.issue.message}`,
      }
    case 'node.cached':
      return { level: 'info', text: `${event.nodeId} cached` }
    case 'node.finished':
      return { level: 'info', text: `${event.nodeId} done in ${Math.round(event.durationMs)} ms` }
    case 'node.failed':
      return { level: 'error', text: `${event.nodeId} failed: ${event.issue.message}` }
    case 'node.skipped':
      return event.issue.code === NOT_PLANNED
        ? { level: 'info', text: `${event.nodeId} not run: ${event.issue.message}` }
        : { level: 'info', text: `${event.nodeId} skipped: ${event.issue.message}` }
    case 'run.finished':
      return {
        level: 'info',
        text: `run finished: ${event.summary.ran} ran, ${event.summary.cached} cached in ${Math.round(event.summary.durationMs)} ms`,
      }
    case 'run.failed':
      return {
        level: 'error',
        text: `run failed: ${event.issues.map((i) => i.message).join('; ') || 'see nodes'}`,
      }
    case 'run.cancelled':
      return { level: 'info', text: 'run cancelled' }
  }
}

function applyEvent(state: RunView, event: RunEvent): RunView {
  switch (event.type) {
    case 'run.queued':
      return { ...state, phase: 'queued' }
    case 'run.started': {
      const nodes: Record<string, NodeView> = {}
      for (const id of event.nodes) nodes[id] = { status: 'queued', images: [] }
      return { ...state, phase: 'running', nodes }
    }
    case 'node.started':
      return withNode(state, event.nodeId, (n) => {
        const { issue: _issue, progress: _progress, ...rest } = n
        const next: NodeView = { ...rest, status: 'running' }
        if (event.backend) next.backend = event.backend
        return next
      })
    case 'node.progress':
      return withNode(state, event.nodeId, (n) => {
        const progress: NonNullable<NodeView['progress']> = {
          step: event.step,
          total: event.total,
          fraction: event.fraction,
        }
        if (event.eta !== undefined) progress.eta = event.eta
        if (event.message !== undefined) progress.message = event.message
        const next: NodeView = { ...n, status: 'running', progress }
        if (event.preview) next.preview = event.preview
        return next
      })
    case 'node.retrying':
      return withNode(state, event.nodeId, (n) => ({ ...n, issue: event.issue }))
    case 'node.cached':
      return withNode(state, event.nodeId, () => {
        const next: NodeView = { status: 'cached', images: imagesOf(event.outputs) }
        const values = valuesOf(event.outputs)
        if (values) next.values = values
        if (event.files.length > 0) next.files = event.files
        if (event.meta) next.meta = event.meta
        return next
      })
    case 'node.finished':
      return withNode(state, event.nodeId, (n) => {
        const next: NodeView = {
          status: 'done',
          images: imagesOf(event.outputs),
          durationMs: event.durationMs,
        }
        const backend = event.backend ?? n.backend
        if (backend) next.backend = backend
        const values = valuesOf(event.outputs)
        if (values) next.values = values
        if (event.files.length > 0) next.files = event.files
        if (event.meta) next.meta = event.meta
        if (n.progress) next.progress = { ...n.progress, step: n.progress.total, fraction: 1 }
        return next
      })
    case 'node.failed':
      return withNode(state, event.nodeId, (n) => ({
        ...n,
        status: 'failed',
        issue: event.issue,
      }))
    case 'node.skipped':
      return withNode(state, event.nodeId, (n) => ({
        ...n,
        status: event.issue.code === NOT_PLANNED ? 'not-run' : 'skipped',
        issue: event.issue,
      }))
    case 'run.finished':
      return settle({ ...state, phase: 'finished' })
    case 'run.failed':
      return settle({ ...state, phase: 'failed', issues: event.issues })
    case 'run.cancelled':
      return settle({ ...state, phase: 'cancelled' })
  }
}

/**
 * Once a run has ended no node is still queued or running: those the end caught are
 * `cancelled` (a cancel) or `skipped` (a failure elsewhere stopped the run).
 */
function settle(state: RunView): RunView {
  let nodes: Record<string, NodeView> | undefined
  for (const [id, n] of Object.entries(state.nodes)) {
    if (n.status !== 'queued' && n.status !== 'running') continue
    nodes ??= { ...state.nodes }
    const { progress: _progress, preview: _preview, ...rest } = n
    nodes[id] = { ...rest, status: state.phase === 'cancelled' ? 'cancelled' : 'skipped' }
  }
  return nodes ? { ...state, nodes } : state
}

/** Pure: the view of a run after one more action. Events of other runs and repeats are ignored. */
export function runReducer(state: RunView, action: RunAction): RunView {
  switch (action.type) {
    case 'reset':
      return idleRun
    case 'submitted':
      return { ...idleRun, phase: 'submitted', runId: action.runId }
    case 'event': {
      const event = action.event
      if (state.runId !== undefined && event.runId !== state.runId) return state
      if (event.seq <= state.lastSeq) return state
      const next = applyEvent({ ...state, runId: event.runId, lastSeq: event.seq }, event)
      const lines = describe(event)
      if (lines.length === 0) return next
      const log = [
        ...next.log,
        ...lines.map((line, i) => ({
          seq: event.seq + i / lines.length,
          time: event.time,
          ...line,
        })),
      ]
      return { ...next, log: log.length > LOG_LIMIT ? log.slice(-LOG_LIMIT) : log }
    }
  }
}

/** Seconds as `1:05` or `12s`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

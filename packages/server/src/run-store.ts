import { dirname } from 'node:path'
import {
  isDiskFull,
  type NodeResult,
  type NodeStatus,
  type ReusedNode,
  storageError,
} from '@sdflow/engine'
import type { Issue, NodeOutputs, RunEvent, RunSummary } from '@sdflow/protocol'
import { type DamagedStore, openDatabase } from './open-database.js'

/** A run's state: one union of phases, stored as text. */
export type RunStatus =
  | 'queued'
  | 'running'
  | 'finished'
  | 'failed'
  | 'cancelled'
  /** Left unfinished by a crash or a shutdown; resumable. */
  | 'interrupted'

export const activeStatuses: readonly RunStatus[] = ['queued', 'running']

/** A node's state in the store: the engine's own node status. */
export type NodeState = NodeStatus

export interface NodeProgress {
  step: number
  total: number
  fraction: number
  eta?: number
  preview?: string
}

export interface NodeRecord {
  id: string
  type?: string
  status: NodeState
  outputs?: NodeOutputs
  files: string[]
  backend?: string
  /** Tries started: node.started plus node.retrying, over every attempt of the run. */
  attempts: number
  startedAt?: string
  finishedAt?: string
  durationMs?: number
  issue?: Issue
  progress?: NodeProgress
  /** What the node recorded: seeds, infotexts, checkpoint, GPU and queue time, attempts. */
  meta?: Record<string, unknown>
  /** The result came from an earlier attempt of this run (resume) or from the node cache. */
  reused: boolean
}

export interface RunRecord {
  id: string
  workflow: string
  status: RunStatus
  createdAt: string
  startedAt?: string
  finishedAt?: string
  /** Sequence number of the last stored event. */
  lastSeq: number
  inputs: Record<string, unknown>
  summary?: RunSummary
  outputs?: NodeOutputs
  files: string[]
  issues: Issue[]
}

export interface StoredEvent {
  cursor: number
  event: RunEvent
}

export interface RunStore {
  createRun(run: {
    id: string
    workflow: string
    doc: unknown
    inputs: Record<string, unknown>
    createdAt: string
  }): void
  /** Store one event and fold it into the run and node state, in one transaction. */
  append(event: RunEvent): number
  /** A node's result, stored before its node.finished is announced. */
  commitNode(runId: string, nodeId: string, result: NodeResult): void
  getRun(id: string): RunRecord | undefined
  document(id: string): unknown
  nodes(id: string): NodeRecord[]
  listRuns(options: { limit: number; before?: string }): RunRecord[]
  lastSeq(runId: string): number
  /** Events of one run with seq > since, in order. */
  eventsOfRun(runId: string, since: number, limit: number): StoredEvent[]
  /** Events of every run with cursor > since, in order. */
  eventsAfter(cursor: number, limit: number): StoredEvent[]
  lastCursor(): number
  setStatus(id: string, status: RunStatus): void
  /** Ids of runs in one of these states, oldest first. */
  runsWith(statuses: readonly RunStatus[]): string[]
  /** Finished results to hand to the engine's `reuse` on resume. */
  reusable(runId: string): Map<string, ReusedNode>
  /** Nodes caught in flight go back to pending (they run again). */
  resetInFlight(runId: string): void
  /** Drop the oldest ended runs past the limits; never a queued or running one. */
  prune(limits: { maxRuns: number; maxEvents: number }): number
  /** Run `work` in one transaction: every write in it is stored, or none. */
  transaction<T>(work: () => T): T
  /**
   * The run is interrupted, its nodes in flight pending again. When the disk is full this is
   * kept in memory (reads show it) and written by `flushUnsaved`; returns whether it was written.
   */
  markInterrupted(runId: string): boolean
  /** Write what `markInterrupted` kept in memory; true when nothing is left unwritten. */
  flushUnsaved(): boolean
  /** Copy the WAL into the main file, so the history does not live only in `-wal`. */
  checkpoint(): void
  close(): void
}

export interface RunStoreOptions {
  /** The file was damaged: it was moved aside and a fresh store started. */
  onDamaged?: (damaged: DamagedStore) => void
}

export type { DamagedStore }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  pos INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  workflow TEXT NOT NULL,
  doc TEXT NOT NULL,
  inputs TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  outputs TEXT,
  files TEXT NOT NULL DEFAULT '[]',
  issues TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
CREATE TABLE IF NOT EXISTS nodes (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  ord INTEGER NOT NULL DEFAULT 0,
  type TEXT,
  status TEXT NOT NULL,
  outputs TEXT,
  files TEXT NOT NULL DEFAULT '[]',
  backend TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  duration_ms INTEGER,
  issue TEXT,
  progress TEXT,
  reused INTEGER NOT NULL DEFAULT 0,
  meta TEXT,
  PRIMARY KEY (run_id, node_id)
);
CREATE TABLE IF NOT EXISTS events (
  cursor INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  json TEXT NOT NULL,
  UNIQUE (run_id, seq)
);
`

interface RunRow {
  id: string
  workflow: string
  status: RunStatus
  created_at: string
  started_at: string | null
  finished_at: string | null
  last_seq: number
  inputs: string
  summary: string | null
  outputs: string | null
  files: string
  issues: string
}

interface NodeRow {
  node_id: string
  type: string | null
  status: NodeState
  outputs: string | null
  files: string
  backend: string | null
  attempts: number
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
  issue: string | null
  progress: string | null
  reused: number
  meta: string | null
}

const json = (value: unknown) => JSON.stringify(value)
function parse<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T)
}

/**
 * The run store: SQLite through better-sqlite3 (synchronous, WAL), one file in the data folder.
 * A full disk is SDF_STORAGE_FULL naming the folder, from every method.
 */
export function openRunStore(file: string, options: RunStoreOptions = {}): RunStore {
  const folder = file === ':memory:' ? '.' : dirname(file)
  const db = openDatabase(file, options.onDamaged ?? (() => {}))
  db.exec(SCHEMA)
  // stores made before node meta was kept
  const columns = db.prepare('PRAGMA table_info(nodes)').all() as { name: string }[]
  if (!columns.some((c) => c.name === 'meta')) db.exec('ALTER TABLE nodes ADD COLUMN meta TEXT')

  const q = {
    insertRun: db.prepare(
      'INSERT INTO runs (id, workflow, doc, inputs, status, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertEvent: db.prepare('INSERT INTO events (run_id, seq, type, json) VALUES (?, ?, ?, ?)'),
    // from the events, not a column of the run's row: updating that row per event would
    // rewrite the stored document each time (quadratic for a big workflow)
    lastSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?').pluck(),
    status: db.prepare('UPDATE runs SET status = ? WHERE id = ?'),
    started: db.prepare(
      "UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?), finished_at = NULL WHERE id = ?",
    ),
    ended: db.prepare(
      'UPDATE runs SET status = ?, finished_at = ?, summary = ?, outputs = ?, files = ?, issues = ? WHERE id = ?',
    ),
    planNode: db.prepare(
      "INSERT INTO nodes (run_id, node_id, ord, status) VALUES (?, ?, ?, 'pending') ON CONFLICT DO UPDATE SET ord = excluded.ord",
    ),
    nodeStarted: db.prepare(
      `INSERT INTO nodes (run_id, node_id, type, status, attempts, started_at, backend)
       VALUES (?, ?, ?, 'running', 1, ?, ?)
       ON CONFLICT DO UPDATE SET type = excluded.type, status = 'running', attempts = attempts + 1,
         started_at = excluded.started_at, backend = COALESCE(excluded.backend, backend),
         finished_at = NULL, issue = NULL, progress = NULL`,
    ),
    nodeProgress: db.prepare('UPDATE nodes SET progress = ? WHERE run_id = ? AND node_id = ?'),
    nodeRetrying: db.prepare(
      'UPDATE nodes SET attempts = attempts + 1, backend = COALESCE(?, backend) WHERE run_id = ? AND node_id = ?',
    ),
    nodeDone: db.prepare(
      `INSERT INTO nodes (run_id, node_id, status, outputs, files, backend, duration_ms, finished_at, reused, meta)
       VALUES (@run, @node, @status, @outputs, @files, @backend, @duration, @time, @reused, @meta)
       ON CONFLICT DO UPDATE SET
         status = CASE WHEN nodes.status = 'done' AND excluded.status = 'cached' THEN 'done' ELSE excluded.status END,
         outputs = excluded.outputs, files = excluded.files, meta = COALESCE(excluded.meta, nodes.meta),
         backend = COALESCE(excluded.backend, nodes.backend),
         duration_ms = COALESCE(excluded.duration_ms, nodes.duration_ms),
         finished_at = COALESCE(nodes.finished_at, excluded.finished_at),
         reused = MAX(nodes.reused, excluded.reused), issue = NULL, progress = NULL`,
    ),
    nodeIssue: db.prepare(
      `INSERT INTO nodes (run_id, node_id, status, issue, finished_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET status = excluded.status, issue = excluded.issue,
         finished_at = excluded.finished_at, progress = NULL`,
    ),
    leftovers: db.prepare(
      "UPDATE nodes SET status = 'cancelled', progress = NULL WHERE run_id = ? AND status IN ('pending', 'running')",
    ),
    resetInFlight: db.prepare(
      "UPDATE nodes SET status = 'pending', progress = NULL WHERE run_id = ? AND status NOT IN ('done', 'cached')",
    ),
    getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
    doc: db.prepare('SELECT doc FROM runs WHERE id = ?').pluck(),
    nodes: db.prepare('SELECT * FROM nodes WHERE run_id = ? ORDER BY ord, rowid'),
    listRuns: db.prepare('SELECT * FROM runs ORDER BY pos DESC LIMIT ?'),
    listBefore: db.prepare(
      'SELECT * FROM runs WHERE pos < (SELECT pos FROM runs WHERE id = ?) ORDER BY pos DESC LIMIT ?',
    ),
    eventsOfRun: db.prepare(
      'SELECT cursor, json FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    eventsAfter: db.prepare(
      'SELECT cursor, json FROM events WHERE cursor > ? ORDER BY cursor LIMIT ?',
    ),
    lastCursor: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck(),
    runsWith: db.prepare(
      'SELECT id FROM runs WHERE status IN (SELECT value FROM json_each(?)) ORDER BY pos',
    ),
    reusable: db.prepare(
      "SELECT node_id, outputs, files, meta, backend FROM nodes WHERE run_id = ? AND status IN ('done', 'cached') AND outputs IS NOT NULL",
    ),
    countRuns: db.prepare('SELECT COUNT(*) FROM runs').pluck(),
    countEvents: db.prepare('SELECT COUNT(*) FROM events').pluck(),
    oldestEnded: db.prepare(
      "SELECT id, (SELECT COUNT(*) FROM events e WHERE e.run_id = runs.id) AS n FROM runs WHERE status NOT IN ('queued', 'running') ORDER BY pos LIMIT ?",
    ),
    deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
  }

  const fold = (event: RunEvent) => {
    const run = event.runId
    switch (event.type) {
      case 'run.queued':
        q.status.run('queued', run)
        break
      case 'run.started':
        q.started.run(event.time, run)
        event.nodes.forEach((id, i) => {
          q.planNode.run(run, id, i)
        })
        break
      case 'node.started':
        q.nodeStarted.run(run, event.nodeId, event.nodeType, event.time, event.backend ?? null)
        break
      case 'node.progress': {
        const p: NodeProgress = { step: event.step, total: event.total, fraction: event.fraction }
        if (event.eta !== undefined) p.eta = event.eta
        if (event.preview !== undefined) p.preview = event.preview
        q.nodeProgress.run(json(p), run, event.nodeId)
        break
      }
      case 'node.retrying':
        q.nodeRetrying.run(event.backend ?? null, run, event.nodeId)
        break
      case 'node.cached':
      case 'node.finished':
        q.nodeDone.run({
          run,
          node: event.nodeId,
          status: event.type === 'node.cached' ? 'cached' : 'done',
          outputs: json(event.outputs),
          files: json(event.files),
          backend: event.type === 'node.finished' ? (event.backend ?? null) : null,
          duration: event.type === 'node.finished' ? event.durationMs : null,
          time: event.time,
          reused: event.type === 'node.cached' ? 1 : 0,
          meta: event.meta ? json(event.meta) : null,
        })
        break
      case 'node.failed':
      case 'node.skipped':
        q.nodeIssue.run(
          run,
          event.nodeId,
          event.type === 'node.failed' ? 'failed' : 'skipped',
          json(event.issue),
          event.time,
        )
        break
      case 'run.finished':
      case 'run.failed':
      case 'run.cancelled': {
        const status = event.type.slice('run.'.length) as RunStatus
        q.ended.run(
          status,
          event.time,
          json(event.summary),
          event.type === 'run.finished' ? json(event.outputs) : null,
          json(event.files),
          json(event.type === 'run.failed' ? event.issues : []),
          run,
        )
        q.leftovers.run(run)
        break
      }
    }
  }

  const append = db.transaction((event: RunEvent): number => {
    const info = q.insertEvent.run(event.runId, event.seq, event.type, json(event))
    fold(event)
    return Number(info.lastInsertRowid)
  })

  // runs marked interrupted while the disk was full: not written yet, shown as written
  const unsaved = new Set<string>()

  const toRun = (row: RunRow): RunRecord => {
    const out: RunRecord = {
      id: row.id,
      workflow: row.workflow,
      status: unsaved.has(row.id) ? 'interrupted' : row.status,
      createdAt: row.created_at,
      lastSeq: q.lastSeq.get(row.id) as number,
      inputs: parse(row.inputs) ?? {},
      files: parse(row.files) ?? [],
      issues: parse(row.issues) ?? [],
    }
    if (row.started_at) out.startedAt = row.started_at
    if (row.finished_at) out.finishedAt = row.finished_at
    const summary = parse<RunSummary>(row.summary)
    if (summary) out.summary = summary
    const outputs = parse<NodeOutputs>(row.outputs)
    if (outputs) out.outputs = outputs
    return out
  }

  const toNode = (runId: string, row: NodeRow): NodeRecord => {
    const inFlight = row.status !== 'done' && row.status !== 'cached'
    const out: NodeRecord = {
      id: row.node_id,
      status: unsaved.has(runId) && inFlight ? 'pending' : row.status,
      files: parse(row.files) ?? [],
      attempts: row.attempts,
      reused: row.reused === 1,
    }
    if (row.type) out.type = row.type
    const outputs = parse<NodeOutputs>(row.outputs)
    if (outputs) out.outputs = outputs
    if (row.backend) out.backend = row.backend
    if (row.started_at) out.startedAt = row.started_at
    if (row.finished_at) out.finishedAt = row.finished_at
    if (row.duration_ms !== null) out.durationMs = row.duration_ms
    const issue = parse<Issue>(row.issue)
    if (issue) out.issue = issue
    const progress = parse<NodeProgress>(row.progress)
    if (progress) out.progress = progress
    const meta = parse<Record<string, unknown>>(row.meta)
    if (meta) out.meta = meta
    return out
  }

  const toEvents = (rows: { cursor: number; json: string }[]): StoredEvent[] =>
    rows.map((r) => ({ cursor: r.cursor, event: JSON.parse(r.json) as RunEvent }))

  const prune = db.transaction((limits: { maxRuns: number; maxEvents: number }): number => {
    let runs = q.countRuns.get() as number
    let events = q.countEvents.get() as number
    if (runs <= limits.maxRuns && events <= limits.maxEvents) return 0
    let dropped = 0
    const candidates = q.oldestEnded.all(Math.max(runs, 1)) as { id: string; n: number }[]
    for (const c of candidates) {
      if (runs <= limits.maxRuns && events <= limits.maxEvents) break
      q.deleteRun.run(c.id)
      runs--
      events -= c.n
      dropped++
    }
    return dropped
  })

  const interrupt = db.transaction((runId: string) => {
    q.resetInFlight.run(runId)
    q.status.run('interrupted', runId)
  })

  const store: RunStore = {
    createRun(run) {
      q.insertRun.run(
        run.id,
        run.workflow,
        json(run.doc),
        json(run.inputs),
        'queued',
        run.createdAt,
      )
    },
    append: (event) => append(event),
    commitNode(runId, nodeId, result) {
      q.nodeDone.run({
        run: runId,
        node: nodeId,
        status: 'done',
        outputs: json(result.outputs ?? {}),
        files: json(result.files),
        backend: result.backend ?? null,
        duration: result.durationMs ?? null,
        time: new Date().toISOString(),
        reused: 0,
        meta: result.meta ? json(result.meta) : null,
      })
    },
    getRun(id) {
      const row = q.getRun.get(id) as RunRow | undefined
      return row ? toRun(row) : undefined
    },
    document(id) {
      const text = q.doc.get(id) as string | undefined
      return text === undefined ? undefined : JSON.parse(text)
    },
    nodes: (id) => (q.nodes.all(id) as NodeRow[]).map((row) => toNode(id, row)),
    listRuns({ limit, before }) {
      const rows = before ? q.listBefore.all(before, limit) : q.listRuns.all(limit)
      return (rows as RunRow[]).map(toRun)
    },
    lastSeq: (runId) => (q.lastSeq.get(runId) as number | undefined) ?? 0,
    eventsOfRun: (runId, since, limit) =>
      toEvents(q.eventsOfRun.all(runId, since, limit) as { cursor: number; json: string }[]),
    eventsAfter: (cursor, limit) =>
      toEvents(q.eventsAfter.all(cursor, limit) as { cursor: number; json: string }[]),
    lastCursor: () => (q.lastCursor.get() as number | undefined) ?? 0,
    setStatus(id, status) {
      q.status.run(status, id)
    },
    runsWith(statuses) {
      const found = q.runsWith.all(json(statuses)).map((r) => (r as { id: string }).id)
      if (unsaved.size === 0) return found
      const wantsInterrupted = statuses.includes('interrupted')
      const ids = found.filter((id) => !unsaved.has(id) || wantsInterrupted)
      if (wantsInterrupted) for (const id of unsaved) if (!ids.includes(id)) ids.push(id)
      return ids
    },
    reusable(runId) {
      const rows = q.reusable.all(runId) as {
        node_id: string
        outputs: string
        files: string
        meta: string | null
        backend: string | null
      }[]
      return new Map(
        rows.map((r) => {
          const entry: ReusedNode = {
            outputs: JSON.parse(r.outputs) as NodeOutputs,
            files: JSON.parse(r.files) as string[],
          }
          const meta = parse<Record<string, unknown>>(r.meta)
          if (meta) entry.meta = meta
          if (r.backend) entry.backend = r.backend
          return [r.node_id, entry] as const
        }),
      )
    },
    resetInFlight(runId) {
      q.resetInFlight.run(runId)
    },
    prune: (limits) => prune(limits),
    transaction: (work) => db.transaction(work)(),
    markInterrupted(runId) {
      try {
        interrupt(runId)
        unsaved.delete(runId)
        return true
      } catch (error) {
        if (!isDiskFull(error)) throw error
        unsaved.add(runId)
        return false
      }
    },
    flushUnsaved() {
      for (const runId of [...unsaved]) {
        try {
          interrupt(runId)
          unsaved.delete(runId)
        } catch (error) {
          if (!isDiskFull(error)) throw error
          return false
        }
      }
      return true
    },
    checkpoint() {
      db.pragma('wal_checkpoint(PASSIVE)')
    },
    close() {
      if (db.open) db.close()
    },
  }
  return guarded(store, folder)
}

/** Every method of the store, with SQLite's "database or disk is full" as SDF_STORAGE_FULL. */
function guarded(store: RunStore, folder: string): RunStore {
  const out: Record<string, unknown> = {}
  for (const [name, method] of Object.entries(store) as [string, (...a: unknown[]) => unknown][]) {
    out[name] = (...args: unknown[]) => {
      try {
        return method(...args)
      } catch (error) {
        throw storageError(error, folder)
      }
    }
  }
  return out as unknown as RunStore
}

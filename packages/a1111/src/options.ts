import type { ArtifactStore, ProgressUpdate } from '@sdflow/engine'

export interface CallOptions {
  signal?: AbortSignal
}

export interface ImageCallOptions extends CallOptions {
  artifacts: ArtifactStore
}

export interface GenerateOptions extends ImageCallOptions {
  onProgress?: (update: ProgressUpdate) => void
  /** force_task_id; default `sdflow-<uuid>`. Use `taskId(runId, nodeId, attempt)`. */
  taskId?: string
  /** Store at most one live preview per this many ms; 0 turns previews off (default 1000). */
  previewEveryMs?: number
}

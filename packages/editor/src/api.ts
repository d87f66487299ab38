import type { ImageRef, Issue, NodeSpec, WorkflowDocument } from '@sdflow/protocol'
import type { WorkerStatus } from './backends.js'
import type { BackendInfo } from './catalog.js'
import { isEstimate, type RunEstimate } from './estimate.js'
import { currentToken, tokenAfter401, withQueryToken, withToken } from './token.js'

/** An error answer of the server: `{statusCode, code, message, issues}`. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[],
  ) {
    super(message)
  }
}

export interface WorkflowEntry {
  name: string
  /** `user`: the user folder; `example`: shipped with sdflow, read-only. */
  source?: 'user' | 'example'
  description?: string
  mtime: string
}

async function failure(response: Response): Promise<ApiError> {
  let body: unknown
  try {
    body = await response.json()
  } catch {
    body = undefined
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const issues = Array.isArray(b.issues) ? (b.issues as Issue[]) : []
  return new ApiError(
    response.status,
    typeof b.code === 'string' ? b.code : `HTTP_${response.status}`,
    typeof b.message === 'string' ? b.message : response.statusText,
    issues,
  )
}

async function json<T>(path: string, init: RequestInit = {}): Promise<{ body: T; res: Response }> {
  let sent = currentToken()
  let res = await fetch(path, withToken(init))
  // a server started with --token: ask once, then every request carries it; a wrong token is
  // asked again until one works or the question is cancelled
  while (res.status === 401) {
    const token = await tokenAfter401(sent)
    if (token === undefined) break
    sent = token
    res = await fetch(path, withToken(init))
  }
  if (!res.ok) throw await failure(res)
  return { body: (await res.json()) as T, res }
}

const jsonInit = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/** What the run panel reads of GET /api/runs/:id. */
export interface RunInfo {
  status: string
  document?: WorkflowDocument
  cost?: {
    gpuMs: number
    queueMs: number
    retries: number
    images: number
    cost?: number
    costPerImage?: number
  }
}

/** An image a run shows (GET /api/runs): where it came from and what made it. */
export interface RunImage extends ImageRef {
  node: string
  output: string
  file?: string
  seed?: number
  prompt?: string
}

/** One entry of GET /api/runs. */
export interface RunEntry {
  id: string
  workflow: string
  status: string
  createdAt: string
  startedAt?: string
  finishedAt?: string
  cost?: RunInfo['cost']
  images: RunImage[]
  imageCount: number
}

/** What the history reads of GET /api/runs/:id to restore a run. */
export interface RunDetail extends RunEntry {
  document?: WorkflowDocument
  inputs: Record<string, unknown>
}

export const api = {
  async nodeTypes(signal?: AbortSignal): Promise<NodeSpec[]> {
    return (await json<NodeSpec[]>('/api/node-types', { signal })).body
  },
  async backends(signal?: AbortSignal): Promise<BackendInfo[]> {
    return (await json<BackendInfo[]>('/api/backends', { signal })).body
  },
  /** Live scale-out workers ([] unless the server coordinates with --redis). */
  async workers(signal?: AbortSignal): Promise<WorkerStatus[]> {
    return (await json<WorkerStatus[]>('/api/workers', { signal })).body
  },
  async workflows(signal?: AbortSignal): Promise<WorkflowEntry[]> {
    return (await json<WorkflowEntry[]>('/api/workflows', { signal })).body
  },
  async workflow(name: string): Promise<{
    doc: WorkflowDocument
    etag: string | undefined
    readOnly: boolean
  }> {
    const { body, res } = await json<WorkflowDocument>(
      `/api/workflows/${encodeURIComponent(name)}`,
      { cache: 'no-store' },
    )
    return {
      doc: body,
      etag: res.headers.get('etag') ?? undefined,
      readOnly: res.headers.get('x-sdflow-source') === 'example',
    }
  },
  /**
   * Save a workflow. With `etag`: only if the file still has it (412 otherwise); without:
   * only if no such file exists yet (412 otherwise). Never overwrites blindly.
   */
  async save(
    name: string,
    doc: WorkflowDocument,
    etag: string | undefined,
  ): Promise<{ etag: string | undefined }> {
    const pre: Record<string, string> = etag ? { 'if-match': etag } : { 'if-none-match': '*' }
    const { res } = await json<unknown>(
      `/api/workflows/${encodeURIComponent(name)}`,
      jsonInit('PUT', doc, pre),
    )
    return { etag: res.headers.get('etag') ?? undefined }
  },
  /** The engine's validation, backend catalogs included, and the run's estimate; nothing runs. */
  async validate(
    doc: WorkflowDocument,
    signal?: AbortSignal,
  ): Promise<{ issues: Issue[]; estimate: RunEstimate | undefined }> {
    const init = { ...jsonInit('POST', { workflow: doc }), signal }
    const { body } = await json<{ issues: Issue[]; estimate?: unknown }>('/api/validate', init)
    return { issues: body.issues, estimate: isEstimate(body.estimate) ? body.estimate : undefined }
  },
  async run(doc: WorkflowDocument): Promise<{ runId: string }> {
    return (await json<{ runId: string }>('/api/runs', jsonInit('POST', { workflow: doc }))).body
  },
  async runs(limit = 50, signal?: AbortSignal): Promise<RunEntry[]> {
    const init = { cache: 'no-store' as const, signal }
    return (await json<{ runs: RunEntry[] }>(`/api/runs?limit=${limit}`, init)).body.runs
  },
  async runDetail(id: string): Promise<RunDetail> {
    return (await json<RunDetail>(`/api/runs/${encodeURIComponent(id)}`, { cache: 'no-store' }))
      .body
  },
  async runInfo(id: string): Promise<RunInfo> {
    return (await json<RunInfo>(`/api/runs/${id}`)).body
  },
  /** Store one image (PNG, JPEG or WebP bytes) on the server; answers its ImageRef. */
  async upload(file: Blob): Promise<ImageRef> {
    const type = ['image/png', 'image/jpeg', 'image/webp'].includes(file.type)
      ? file.type
      : 'image/png'
    const init = { method: 'POST', headers: { 'content-type': type }, body: file }
    return (await json<ImageRef>('/api/uploads', init)).body
  },
  async cancel(id: string): Promise<void> {
    await json<unknown>(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST' })
  },
}

export const artifactUrl = (hash: string) => withQueryToken(`/api/artifacts/${hash}`)

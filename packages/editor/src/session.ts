import type { WorkflowDocument } from '@sdflow/protocol'

/** The saved file the editor's document came from, if any. */
export interface FileRef {
  name?: string
  etag?: string
  /** A shipped example: Save goes through Save as. */
  readOnly?: boolean
}

export interface Draft {
  doc: WorkflowDocument
  file: FileRef
  dirty: boolean
}

const DRAFT = 'sdflow.editor.draft'
const RUN = 'sdflow.editor.run'

function read<T>(key: string): T | undefined {
  try {
    const text = localStorage.getItem(key)
    return text === null ? undefined : (JSON.parse(text) as T)
  } catch {
    return undefined
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === undefined) localStorage.removeItem(key)
    else localStorage.setItem(key, JSON.stringify(value))
  } catch {
    // storage full or disabled: the draft is a convenience only
  }
}

/** What survives closing the page: the document being edited and the run being watched. */
export const session = {
  draft: () => read<Draft>(DRAFT),
  saveDraft: (draft: Draft) => write(DRAFT, draft),
  activeRun: () => read<{ runId: string }>(RUN)?.runId,
  setActiveRun: (runId: string | undefined) =>
    write(RUN, runId === undefined ? undefined : { runId }),
}

/** `/?workflow=NAME`: the saved workflow to open. */
export function workflowFromUrl(): string | undefined {
  return new URLSearchParams(window.location.search).get('workflow') ?? undefined
}

export function setUrlWorkflow(name: string | undefined): void {
  const url = new URL(window.location.href)
  if (name === undefined) url.searchParams.delete('workflow')
  else url.searchParams.set('workflow', name)
  window.history.replaceState(null, '', url)
}

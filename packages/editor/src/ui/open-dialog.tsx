import { useEffect, useState } from 'react'
import { api, type WorkflowEntry } from '../api.js'
import { useEscape } from './lightbox.js'

/** The server's saved workflows; pick one to open. */
export function OpenDialog({ onOpen, onClose }: { onOpen(name: string): void; onClose(): void }) {
  const [list, setList] = useState<WorkflowEntry[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEscape(onClose)
  useEffect(() => {
    const abort = new AbortController()
    api.workflows(abort.signal).then(setList, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof Error ? e.message : String(e))
    })
    return () => abort.abort()
  }, [])
  return (
    <div className="modal-backdrop">
      <button type="button" className="backdrop-hit" aria-label="Close" onClick={onClose} />
      <div className="modal" role="dialog" aria-label="Open a workflow" data-testid="open-dialog">
        <h2>Open a workflow</h2>
        {error ? <p className="error">{error}</p> : null}
        {list === undefined && !error ? <p className="muted">Loading…</p> : null}
        {list?.length === 0 ? <p className="muted">No saved workflows yet.</p> : null}
        <ul className="workflow-list">
          {list?.map((w) => (
            <li key={w.name}>
              <button type="button" data-workflow={w.name} onClick={() => onOpen(w.name)}>
                <strong>{w.name}</strong>
                <span className="muted small">{w.description ?? ''}</span>
              </button>
            </li>
          ))}
        </ul>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  )
}

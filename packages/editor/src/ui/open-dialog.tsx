import { useEffect, useState } from 'react'
import { api, type WorkflowEntry } from '../api.js'
import { Backdrop } from './dialogs.js'

/** The server's saved workflows; pick one to open. */
export function OpenDialog({ onOpen, onClose }: { onOpen(name: string): void; onClose(): void }) {
  const [list, setList] = useState<WorkflowEntry[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    const abort = new AbortController()
    api.workflows(abort.signal).then(setList, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof Error ? e.message : String(e))
    })
    return () => abort.abort()
  }, [])
  return (
    <Backdrop onClose={onClose}>
      <div className="modal" role="dialog" aria-label="Open a workflow" data-testid="open-dialog">
        <h2>Open a workflow</h2>
        {error ? <p className="error">{error}</p> : null}
        {list === undefined && !error ? <p className="muted">Loading…</p> : null}
        {list ? (
          <>
            <h3 className="workflow-group">Your workflows</h3>
            <Entries
              list={list.filter((w) => w.source !== 'example')}
              group="user"
              empty="None saved yet: Save as puts them here."
              onOpen={onOpen}
            />
            {list.some((w) => w.source === 'example') ? (
              <>
                <h3 className="workflow-group">Examples (read-only: Save as keeps a copy)</h3>
                <Entries
                  list={list.filter((w) => w.source === 'example')}
                  group="example"
                  empty=""
                  onOpen={onOpen}
                />
              </>
            ) : null}
          </>
        ) : null}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Backdrop>
  )
}

function Entries({
  list,
  group,
  empty,
  onOpen,
}: {
  list: WorkflowEntry[]
  group: 'user' | 'example'
  empty: string
  onOpen(name: string): void
}) {
  if (list.length === 0) return <p className="muted small">{empty}</p>
  return (
    <ul className="workflow-list" data-testid={`workflows-${group}`}>
      {list.map((w) => (
        <li key={w.name}>
          <button type="button" data-workflow={w.name} onClick={() => onOpen(w.name)}>
            <strong>{w.name}</strong>
            <span className="muted small">{w.description ?? ''}</span>
          </button>
        </li>
      ))}
    </ul>
  )
}

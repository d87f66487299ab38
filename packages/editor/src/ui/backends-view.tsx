import { useEffect, useState } from 'react'
import { api } from '../api.js'
import { ago, type BackendStatus, catalogSize, shownUrl, type WorkerStatus } from '../backends.js'
import { useEscape } from './lightbox.js'

const REFRESH_MS = 2000

/**
 * The backends and, on a coordinator (--redis), the scale-out workers, refreshed while open:
 * kind, health, slots in use, catalog size, RunPod workers. Shows fields it names, never a key.
 */
export function BackendsView({
  onClose,
  onBackends,
}: {
  onClose(): void
  /** Fresh backends for the rest of the editor (forms read their catalogs). */
  onBackends(backends: BackendStatus[]): void
}) {
  useEscape(onClose)
  const [backends, setBackends] = useState<BackendStatus[]>()
  const [workers, setWorkers] = useState<WorkerStatus[]>([])
  const [error, setError] = useState<string>()
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const controller = new AbortController()
    const load = async () => {
      try {
        const [b, w] = await Promise.all([
          api.backends(controller.signal) as Promise<BackendStatus[]>,
          api.workers(controller.signal),
        ])
        setBackends(b)
        setWorkers(w)
        setError(undefined)
        setNow(Date.now())
        onBackends(b)
      } catch (e) {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e))
      }
    }
    void load()
    const timer = setInterval(() => void load(), REFRESH_MS)
    return () => {
      clearInterval(timer)
      controller.abort()
    }
  }, [onBackends])

  return (
    <aside className="backends-view" data-testid="backends" aria-label="Backends">
      <header>
        <h2>Backends</h2>
        <button type="button" onClick={onClose} aria-label="Close" data-testid="backends-close">
          ×
        </button>
      </header>
      {error ? <p className="field-error">{error}</p> : null}
      {backends?.length === 0 ? <p className="muted">No backend configured here.</p> : null}
      <ul>
        {(backends ?? []).map((b) => (
          <li
            key={b.id}
            data-testid="backend-item"
            data-backend-id={b.id}
            data-health={b.health}
            className={`backend health-${b.health ?? 'unknown'}`}
          >
            <div className="backend-head">
              <strong>{b.id}</strong>
              <span className="muted" data-testid="backend-kind">
                {b.kind ?? 'a1111'}
                {b.worker ? ` (${b.worker})` : ''}
              </span>
              <span className="backend-health" data-testid="backend-health">
                {b.health ?? 'unknown'}
              </span>
            </div>
            {shownUrl(b.url) ? <div className="muted small mono">{shownUrl(b.url)}</div> : null}
            <div data-testid="backend-slots">
              slots {b.busy ?? 0}/{b.slots ?? 1} in use
            </div>
            <div className="muted" data-testid="backend-catalog">
              {catalogSize(b)}
            </div>
            {b.workers ? (
              <div data-testid="backend-workers">
                workers: {b.workers.idle} idle, {b.workers.running} running,{' '}
                {b.workers.initializing} initializing
              </div>
            ) : null}
            {b.lastError ? (
              <div className="field-error" data-testid="backend-error">
                {b.lastError.code}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {workers.length > 0 ? (
        <>
          <h3>Scale-out workers</h3>
          <ul>
            {workers.map((w) => (
              <li key={w.name} data-testid="worker-item" data-worker={w.name} className="backend">
                <div className="backend-head">
                  <strong>{w.name}</strong>
                  <span className="muted" data-testid="worker-heartbeat">
                    heartbeat {ago(w.heartbeatAt, now)}
                  </span>
                </div>
                <div data-testid="worker-backends">
                  backends: {w.backends.map((b) => b.id).join(', ') || 'none'}
                </div>
                <div data-testid="worker-jobs">
                  jobs in flight: {w.jobs.length}/{w.slots}
                </div>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </aside>
  )
}

import { useEffect, useState } from 'react'
import { api, artifactUrl, type RunEntry, type RunImage } from '../api.js'
import type { LightboxItem } from './lightbox.js'
import { lightboxItem, took, when } from './run-images.js'
import { costText } from './run-log.js'

interface Props {
  runs: RunEntry[] | undefined
  error: string | undefined
  onShow(items: LightboxItem[], index: number): void
  /** Open the run's workflow with the inputs it ran with. */
  onRestore(runId: string): void
  onClose(): void
}

/** Every run the server kept, newest first: status, time, cost, thumbnails; a click opens it. */
export function HistoryPanel({ runs, error, onShow, onRestore, onClose }: Props) {
  const [open, setOpen] = useState<string>()
  return (
    <aside className="side-panel" data-testid="history" aria-label="Run history">
      <header>
        History
        <button type="button" onClick={onClose} aria-label="Close history">
          ×
        </button>
      </header>
      {error ? <div className="error">{error}</div> : null}
      {runs?.length === 0 ? <p className="muted">No runs yet.</p> : null}
      <ul className="history-list">
        {(runs ?? []).map((run) => (
          <li key={run.id}>
            <button
              type="button"
              className={`history-item${open === run.id ? ' open' : ''}`}
              data-testid="history-item"
              data-run-id={run.id}
              data-status={run.status}
              onClick={() => setOpen(open === run.id ? undefined : run.id)}
            >
              <span className="history-line">
                <span className="history-name">{run.workflow}</span>
                <span className={`phase phase-${run.status}`} data-testid="history-status">
                  {run.status}
                </span>
              </span>
              <span className="history-line muted small">
                <span data-testid="history-time">{when(run.createdAt)}</span>
                {took(run) ? <span>{took(run)}</span> : null}
                {run.cost && run.cost.gpuMs > 0 ? (
                  <span data-testid="history-cost">{costText(run.cost)}</span>
                ) : null}
              </span>
              {run.images.length > 0 ? (
                <span className="history-thumbs">
                  {run.images.slice(0, 4).map((image) => (
                    <img
                      key={image.hash}
                      data-testid="history-thumb"
                      src={artifactUrl(image.hash)}
                      alt={`${image.width}x${image.height}`}
                    />
                  ))}
                  {run.imageCount > 4 ? <span className="muted">+{run.imageCount - 4}</span> : null}
                </span>
              ) : null}
            </button>
            {open === run.id ? (
              <RunOutputs run={run} onShow={onShow} onRestore={() => onRestore(run.id)} />
            ) : null}
          </li>
        ))}
      </ul>
    </aside>
  )
}

/** A run opened in the history: all its images, and Restore. */
function RunOutputs({
  run,
  onShow,
  onRestore,
}: {
  run: RunEntry
  onShow: Props['onShow']
  onRestore(): void
}) {
  // a list entry carries the first images and no inputs; the run itself has them all
  const [images, setImages] = useState<RunImage[]>(run.images)
  const [inputs, setInputs] = useState<Record<string, unknown>>({})
  useEffect(() => {
    setImages(run.images)
    let live = true
    api.runDetail(run.id).then(
      (detail) => {
        if (!live) return
        setImages(detail.images)
        setInputs(detail.inputs ?? {})
      },
      () => undefined,
    )
    return () => {
      live = false
    }
  }, [run])
  const items = images.map((image) => lightboxItem(run, image))
  return (
    <div className="history-detail" data-testid="history-detail">
      {images.length === 0 ? <p className="muted small">No images.</p> : null}
      <div className="history-outputs">
        {images.map((image, i) => (
          <button
            type="button"
            className="thumb"
            key={image.hash}
            title={`${image.node}: ${image.width}x${image.height}`}
            onClick={() => onShow(items, i)}
          >
            <img data-testid="history-output" src={artifactUrl(image.hash)} alt={image.node} />
          </button>
        ))}
      </div>
      {Object.keys(inputs).length > 0 ? (
        <dl className="history-inputs" data-testid="history-inputs">
          {Object.entries(inputs).map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <button type="button" data-testid="history-restore" onClick={onRestore}>
        Restore workflow and inputs
      </button>
    </div>
  )
}

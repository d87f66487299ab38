import { artifactUrl, type RunEntry } from '../api.js'
import type { LightboxItem } from './lightbox.js'
import { galleryOf, lightboxItem } from './run-images.js'

/** The images of every run, newest first; a click opens them in the lightbox. */
export function Gallery({
  runs,
  error,
  onShow,
  onClose,
}: {
  runs: RunEntry[] | undefined
  error: string | undefined
  onShow(items: LightboxItem[], index: number): void
  onClose(): void
}) {
  const all = galleryOf(runs ?? [])
  const items = all.map(({ run, image }) => lightboxItem(run, image))
  return (
    <aside className="side-panel" data-testid="gallery" aria-label="Output gallery">
      <header>
        Gallery <span className="muted">{all.length} images</span>
        <button type="button" onClick={onClose} aria-label="Close gallery">
          ×
        </button>
      </header>
      {error ? <div className="error">{error}</div> : null}
      {runs && all.length === 0 ? <p className="muted">No images yet.</p> : null}
      <div className="gallery-grid">
        {all.map(({ run, image }, i) => (
          <button
            type="button"
            className="thumb"
            key={image.hash}
            data-testid="gallery-item"
            data-run-id={run.id}
            title={`${run.workflow} · ${image.width}x${image.height}`}
            onClick={() => onShow(items, i)}
          >
            <img src={artifactUrl(image.hash)} alt={`${image.width}x${image.height}`} />
          </button>
        ))}
      </div>
    </aside>
  )
}

import { useEffect, useState } from 'react'

/** One image the lightbox can show, with what is known of it. */
export interface LightboxItem {
  url: string
  /** The file it was saved as, else a name for the download. */
  name?: string
  width?: number
  height?: number
  seed?: number
  prompt?: string
}

/**
 * Images at full size, one at a time: file name, size (pixels and bytes), seed, prompt, a
 * download; previous/next by button or arrow key; Escape or a click beside the image closes.
 */
export function Lightbox({
  items,
  start = 0,
  onClose,
}: {
  items: readonly LightboxItem[]
  start?: number
  onClose(): void
}) {
  const [index, setIndex] = useState(Math.min(Math.max(start, 0), items.length - 1))
  const count = items.length
  const step = (by: number) => setIndex((i) => (i + by + count) % count)
  useEscape(onClose)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'ArrowRight') setIndex((i) => (i + 1) % count)
      else if (e.key === 'ArrowLeft') setIndex((i) => (i - 1 + count) % count)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [count])
  const item = items[index]
  const bytes = useByteSize(item?.url)
  if (!item) return null
  const name = item.name ?? downloadName(item.url)
  return (
    <div className="modal-backdrop lightbox" data-testid="lightbox" data-index={index}>
      <button type="button" className="backdrop-hit" aria-label="Close" onClick={onClose} />
      <figure className="lightbox-figure">
        <img src={item.url} alt={name} />
        <figcaption className="lightbox-info">
          <span data-testid="lightbox-name" className="mono">
            {name}
          </span>
          <span data-testid="lightbox-size">
            {item.width !== undefined ? `${item.width}x${item.height}` : ''}
            {bytes !== undefined ? ` · ${formatBytes(bytes)}` : ''}
          </span>
          {item.seed !== undefined ? (
            <span data-testid="lightbox-seed">seed {item.seed}</span>
          ) : null}
          {item.prompt !== undefined ? (
            <span data-testid="lightbox-prompt" className="lightbox-prompt" title={item.prompt}>
              {item.prompt}
            </span>
          ) : null}
          <span className="lightbox-buttons">
            {count > 1 ? (
              <>
                <button type="button" data-testid="lightbox-prev" onClick={() => step(-1)}>
                  ← Previous
                </button>
                <span className="muted">
                  {index + 1} / {count}
                </span>
                <button type="button" data-testid="lightbox-next" onClick={() => step(1)}>
                  Next →
                </button>
              </>
            ) : null}
            <a className="button" href={item.url} download={name} data-testid="lightbox-download">
              Download
            </a>
            <button type="button" data-testid="lightbox-close" onClick={onClose}>
              Close
            </button>
          </span>
        </figcaption>
      </figure>
    </div>
  )
}

/** The image's size in bytes, read once it is fetched (the browser has it cached by then). */
function useByteSize(url: string | undefined): number | undefined {
  const [size, setSize] = useState<{ url: string; bytes: number }>()
  useEffect(() => {
    if (!url) return
    const controller = new AbortController()
    fetch(url, { signal: controller.signal })
      .then((res) => (res.ok ? res.blob() : undefined))
      .then((blob) => blob && setSize({ url, bytes: blob.size }))
      .catch(() => undefined)
    return () => controller.abort()
  }, [url])
  return size && size.url === url ? size.bytes : undefined
}

function downloadName(url: string): string {
  const hash = /\/api\/artifacts\/([0-9a-f]{64})/.exec(url)?.[1]
  return hash ? `${hash.slice(0, 16)}.png` : 'image.png'
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(2)} MiB`
}

export function useEscape(onEscape: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onEscape()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [onEscape])
}

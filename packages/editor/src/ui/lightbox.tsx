import { useEffect } from 'react'

/** An output image at full size; a click or Escape closes it. */
export function Lightbox({ url, onClose }: { url: string; onClose(): void }) {
  useEscape(onClose)
  return (
    <button
      type="button"
      className="modal-backdrop lightbox"
      data-testid="lightbox"
      onClick={onClose}
    >
      <img src={url} alt="output at full size" />
    </button>
  )
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

import { useCallback, useEffect, useRef, useState } from 'react'
import { useEscape } from './lightbox.js'

export interface PainterTarget {
  nodeId: string
  input: string
  /** The image being inpainted, painted over when known. */
  init?: string
  /** The mask the input has now, to go on painting. */
  mask?: string
  /** The mask's size when no image tells it. */
  width: number
  height: number
}

type Tool = 'brush' | 'eraser'

/** Size from the init image (its natural size), else the target's. */
function useMaskSize(target: PainterTarget): { width: number; height: number } | undefined {
  const [size, setSize] = useState<{ width: number; height: number }>()
  useEffect(() => {
    const from = target.init ?? target.mask
    if (!from) {
      setSize({ width: target.width, height: target.height })
      return
    }
    const img = new Image()
    img.onload = () => setSize({ width: img.naturalWidth, height: img.naturalHeight })
    img.onerror = () => setSize({ width: target.width, height: target.height })
    img.src = from
  }, [target])
  return size
}

/**
 * Paint an inpainting mask (white = change) over the init image: brush, eraser, size, invert,
 * clear. Apply hands the mask as a black-and-white PNG of the image's size.
 */
export function MaskPainter({
  target,
  onApply,
  onClose,
}: {
  target: PainterTarget
  onApply(mask: Blob): void
  onClose(): void
}) {
  useEscape(onClose)
  const size = useMaskSize(target)
  const canvas = useRef<HTMLCanvasElement>(null)
  const [tool, setTool] = useState<Tool>('brush')
  const [brush, setBrush] = useState(16)
  const last = useRef<{ x: number; y: number } | undefined>(undefined)

  // a new canvas: black, or the mask the input has
  useEffect(() => {
    const el = canvas.current
    const ctx = el?.getContext('2d')
    if (!el || !ctx || !size) return
    setBrush(Math.max(4, Math.round(Math.max(size.width, size.height) / 12)))
    ctx.fillStyle = '#000'
    ctx.fillRect(0, 0, el.width, el.height)
    if (!target.mask) return
    const img = new Image()
    img.onload = () => ctx.drawImage(img, 0, 0, el.width, el.height)
    img.src = target.mask
  }, [size, target.mask])

  const at = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const el = e.currentTarget
    const r = el.getBoundingClientRect()
    return {
      x: ((e.clientX - r.left) * el.width) / r.width,
      y: ((e.clientY - r.top) * el.height) / r.height,
    }
  }
  const stroke = useCallback(
    (from: { x: number; y: number }, to: { x: number; y: number }) => {
      const ctx = canvas.current?.getContext('2d')
      if (!ctx) return
      ctx.strokeStyle = ctx.fillStyle = tool === 'brush' ? '#fff' : '#000'
      ctx.lineWidth = brush
      ctx.lineCap = 'round'
      ctx.lineJoin = 'round'
      ctx.beginPath()
      ctx.moveTo(from.x, from.y)
      ctx.lineTo(to.x, to.y)
      ctx.stroke()
      ctx.beginPath()
      ctx.arc(to.x, to.y, brush / 2, 0, Math.PI * 2)
      ctx.fill()
    },
    [tool, brush],
  )
  const invert = () => {
    const el = canvas.current
    const ctx = el?.getContext('2d')
    if (!el || !ctx) return
    const data = ctx.getImageData(0, 0, el.width, el.height)
    const px = data.data
    for (let i = 0; i < px.length; i += 4) {
      const v = 255 - (px[i] ?? 0)
      px[i] = v
      px[i + 1] = v
      px[i + 2] = v
      px[i + 3] = 255
    }
    ctx.putImageData(data, 0, 0)
  }
  const clear = () => {
    const el = canvas.current
    const ctx = el?.getContext('2d')
    if (!el || !ctx) return
    ctx.fillStyle = '#000'
    ctx.fillRect(0, 0, el.width, el.height)
  }
  const apply = () => {
    canvas.current?.toBlob((blob) => {
      if (blob) onApply(blob)
    }, 'image/png')
  }

  return (
    <div className="modal-backdrop">
      <div
        className="modal mask-painter"
        role="dialog"
        aria-label="Mask painter"
        data-testid="mask-painter"
      >
        <h2>
          Paint the mask of {target.nodeId}.{target.input}{' '}
          <span className="muted small">white = redraw</span>
        </h2>
        <div className="mask-tools">
          <button
            type="button"
            data-testid="mask-brush"
            aria-pressed={tool === 'brush'}
            onClick={() => setTool('brush')}
          >
            Brush
          </button>
          <button
            type="button"
            data-testid="mask-eraser"
            aria-pressed={tool === 'eraser'}
            onClick={() => setTool('eraser')}
          >
            Eraser
          </button>
          <label className="mask-size">
            Size {brush}
            <input
              type="range"
              data-testid="mask-size"
              min={1}
              max={256}
              value={brush}
              onChange={(e) => setBrush(Number(e.target.value))}
            />
          </label>
          <button type="button" data-testid="mask-invert" onClick={invert}>
            Invert
          </button>
          <button type="button" data-testid="mask-clear" onClick={clear}>
            Clear
          </button>
        </div>
        <div className="mask-stage">
          {target.init ? <img src={target.init} alt="what is inpainted" /> : null}
          {size ? (
            <canvas
              ref={canvas}
              data-testid="mask-canvas"
              width={size.width}
              height={size.height}
              className={target.init ? 'over-image' : undefined}
              onPointerDown={(e) => {
                e.currentTarget.setPointerCapture(e.pointerId)
                const p = at(e)
                last.current = p
                stroke(p, p)
              }}
              onPointerMove={(e) => {
                if (!last.current) return
                const p = at(e)
                stroke(last.current, p)
                last.current = p
              }}
              onPointerUp={() => {
                last.current = undefined
              }}
            />
          ) : null}
        </div>
        <div className="modal-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" data-testid="mask-apply" onClick={apply}>
            Use this mask
          </button>
        </div>
      </div>
    </div>
  )
}

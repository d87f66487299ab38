/** A rectangle in client (viewport) pixels. */
export interface ClientRect {
  left: number
  top: number
  right: number
  bottom: number
}

export interface BoxSelectOptions {
  container: HTMLElement
  /** Select these nodes; `add` keeps the ones selected before (Shift held too). */
  select(ids: string[], add: boolean): Promise<void>
}

const overlaps = (a: ClientRect, b: ClientRect) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom

/** Ids of the nodes on the canvas whose rendered box meets the rectangle. */
export function nodesIn(container: HTMLElement, rect: ClientRect): string[] {
  const ids: string[] = []
  for (const el of container.querySelectorAll<HTMLElement>('[data-testid="node"]')) {
    const id = el.dataset.nodeId
    if (id && overlaps(rect, el.getBoundingClientRect())) ids.push(id)
  }
  return ids
}

/**
 * Ctrl+drag (Cmd on macOS) on empty canvas draws a rectangle and selects every node it touches,
 * as in ComfyUI; with Shift too, they join the selection. Listens on the window in the capture
 * phase so the canvas neither pans nor drops the selection meanwhile. Returns the cleanup.
 */
export function boxSelection({ container, select }: BoxSelectOptions): () => void {
  let start: { x: number; y: number } | undefined
  let box: HTMLDivElement | undefined
  const rectOf = (e: PointerEvent): ClientRect => {
    const from = start ?? { x: e.clientX, y: e.clientY }
    return {
      left: Math.min(from.x, e.clientX),
      top: Math.min(from.y, e.clientY),
      right: Math.max(from.x, e.clientX),
      bottom: Math.max(from.y, e.clientY),
    }
  }
  const down = (e: PointerEvent) => {
    if (e.button !== 0 || !(e.ctrlKey || e.metaKey)) return
    const target = e.target
    if (!(target instanceof Element) || !container.contains(target)) return
    if (
      target.closest(
        '[data-testid="node"], [data-testid="minimap"], button, input, select, textarea',
      )
    )
      return
    e.stopPropagation()
    e.preventDefault()
    start = { x: e.clientX, y: e.clientY }
    box = document.createElement('div')
    box.className = 'box-select'
    box.dataset.testid = 'box-select'
    document.body.append(box)
    move(e)
  }
  const move = (e: PointerEvent) => {
    if (!start || !box) return
    e.stopPropagation()
    const r = rectOf(e)
    Object.assign(box.style, {
      left: `${r.left}px`,
      top: `${r.top}px`,
      width: `${r.right - r.left}px`,
      height: `${r.bottom - r.top}px`,
    })
  }
  const up = (e: PointerEvent) => {
    if (!start) return
    e.stopPropagation()
    const rect = rectOf(e)
    start = undefined
    box?.remove()
    box = undefined
    void select(nodesIn(container, rect), e.shiftKey)
  }
  window.addEventListener('pointerdown', down, true)
  window.addEventListener('pointermove', move, true)
  window.addEventListener('pointerup', up, true)
  return () => {
    window.removeEventListener('pointerdown', down, true)
    window.removeEventListener('pointermove', move, true)
    window.removeEventListener('pointerup', up, true)
    box?.remove()
  }
}

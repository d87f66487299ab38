import type { NodeSpec } from '@sdflow/protocol'
import { useEffect, useMemo, useRef, useState } from 'react'
import { type LinkEnd, type SearchHit, searchNodes } from '../node-search.js'
import { socketColour } from '../sockets.js'

const SHOWN = 12

/**
 * The dark search popup at the pointer: type to filter node types by title, type id, category
 * and description; arrows and Enter or a click add one; Escape or a click outside closes it.
 */
export function NodeSearch({
  specs,
  bounds,
  screen,
  end,
  onPick,
  onClose,
}: {
  specs: NodeSpec[]
  /** The canvas on the page. */
  bounds: DOMRect
  /** Where to open, relative to the canvas. */
  screen: { x: number; y: number }
  /** A dragged link the new node must connect to. */
  end: LinkEnd | undefined
  onPick(hit: SearchHit): void
  onClose(): void
}) {
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const box = useRef<HTMLDivElement>(null)
  const input = useRef<HTMLInputElement>(null)
  const hits = useMemo(() => searchNodes(specs, query, end), [specs, query, end])
  useEffect(() => input.current?.focus(), [])
  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose()
    }
    document.addEventListener('pointerdown', onDown, true)
    return () => document.removeEventListener('pointerdown', onDown, true)
  }, [onClose])
  // at the pointer, kept inside the canvas
  const style = {
    left: bounds.left + Math.max(8, Math.min(screen.x, bounds.width - 340)),
    top: bounds.top + Math.max(8, Math.min(screen.y, bounds.height - 380)),
  }
  const shown = hits.slice(0, SHOWN)
  return (
    <div
      className="node-search"
      data-testid="node-search"
      ref={box}
      style={style}
      role="dialog"
      aria-label="Add a node"
    >
      <input
        ref={input}
        type="search"
        placeholder={end ? `Add a node for ${end.kind}…` : 'Search nodes…'}
        aria-label="Search node types"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value)
          setActive(0)
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose()
          else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, shown.length - 1))
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0))
          else if (e.key === 'Enter' && shown[active]) onPick(shown[active])
          else return
          e.preventDefault()
          e.stopPropagation()
        }}
      />
      <ul>
        {shown.map((hit, i) => (
          <li key={hit.spec.type}>
            <button
              type="button"
              className={i === active ? 'active' : ''}
              data-testid="node-search-item"
              data-type={hit.spec.type}
              onPointerEnter={() => setActive(i)}
              onClick={() => onPick(hit)}
              title={hit.spec.description}
            >
              <span className="title">{hit.spec.title}</span>
              <span className="type">{hit.spec.type}</span>
              <span className="category">{hit.spec.category}</span>
              <span className="dots">
                {Object.values(hit.spec.outputs).map((o, j) => (
                  <span
                    // biome-ignore lint/suspicious/noArrayIndexKey: the outputs' order is fixed
                    key={j}
                    className="kind-dot"
                    style={{ background: socketColour(o.kind) }}
                  />
                ))}
              </span>
            </button>
          </li>
        ))}
        {hits.length === 0 ? <li className="muted empty">No node type matches.</li> : null}
      </ul>
    </div>
  )
}

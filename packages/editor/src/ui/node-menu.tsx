import { useEffect, useRef } from 'react'

export interface MenuItem {
  label: string
  shortcut?: string
  run(): void
}

/** The menu of a right-clicked node (copy, duplicate, bypass, delete). */
export function NodeMenu({
  at,
  items,
  onClose,
}: {
  /** Page coordinates. */
  at: { x: number; y: number }
  items: MenuItem[]
  onClose(): void
}) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose()
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose()
    }
    document.addEventListener('pointerdown', onDown, true)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('pointerdown', onDown, true)
      document.removeEventListener('keydown', onKey)
    }
  }, [onClose])
  return (
    <div
      className="node-menu"
      data-testid="node-menu"
      ref={box}
      style={{ left: at.x, top: at.y }}
      role="menu"
    >
      {items.map((item) => (
        <button
          type="button"
          role="menuitem"
          key={item.label}
          data-testid="context-menu-item"
          onClick={() => {
            onClose()
            item.run()
          }}
        >
          <span>{item.label}</span>
          {item.shortcut ? <kbd>{item.shortcut}</kbd> : null}
        </button>
      ))}
    </div>
  )
}

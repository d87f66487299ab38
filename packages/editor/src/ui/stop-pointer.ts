import { type RefObject, useEffect } from 'react'

/** Pointer presses inside `ref` stay there: typing or picking in a field never drags the canvas. */
export function useStopPointer(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const stop = (e: Event) => e.stopPropagation()
    el.addEventListener('pointerdown', stop)
    el.addEventListener('dblclick', stop)
    return () => {
      el.removeEventListener('pointerdown', stop)
      el.removeEventListener('dblclick', stop)
    }
  }, [ref])
}

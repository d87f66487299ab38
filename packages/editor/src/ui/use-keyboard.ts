import { useEffect, useRef } from 'react'
import type { EditorHandle } from '../editor/create-editor.js'

function editable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
}

/** What the app does for a shortcut (the editor handles undo, redo and delete itself). */
export interface ShortcutActions {
  copy(): void
  paste(): void
  duplicate(): void
  bypass(): void
  save(): void
  run(): void
  search(): void
  help(): void
}

/**
 * Delete removes the selected nodes; Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo; Ctrl+C, V, D,
 * A, B, S, Enter, Space and `?` as listed in ui/shortcuts.tsx. Keys typed into a field are the
 * field's, except Ctrl+S and Ctrl+Enter.
 */
export function useKeyboard(editor: EditorHandle | undefined, actions: ShortcutActions): void {
  const latest = useRef(actions)
  latest.current = actions
  useEffect(() => {
    if (!editor) return
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey
      const a = latest.current
      const act = (fn: () => void) => {
        e.preventDefault()
        fn()
      }
      if (mod && e.code === 'KeyS') return act(a.save)
      if (mod && e.key === 'Enter') return act(a.run)
      if (editable(e.target) || e.defaultPrevented) return
      if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
        act(() => void editor.deleteSelected())
      } else if (mod && e.code === 'KeyZ') {
        act(() => void (e.shiftKey ? editor.redo() : editor.undo()))
      } else if (mod && e.code === 'KeyY') act(() => void editor.redo())
      else if (mod && e.code === 'KeyC') act(a.copy)
      else if (mod && e.code === 'KeyV') act(a.paste)
      else if (mod && e.code === 'KeyD') act(a.duplicate)
      else if (mod && e.code === 'KeyA') act(() => void editor.selectAll())
      else if (mod && e.code === 'KeyB') act(a.bypass)
      else if (!mod && e.code === 'Space') act(a.search)
      else if (!mod && e.key === '?') act(a.help)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [editor])
}

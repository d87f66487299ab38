import { useEffect } from 'react'
import type { EditorHandle } from '../editor/create-editor.js'

function editable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
}

/** Delete removes the selected nodes; Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo. */
export function useKeyboard(editor: EditorHandle | undefined): void {
  useEffect(() => {
    if (!editor) return
    const onKey = (e: KeyboardEvent) => {
      if (editable(e.target)) return
      const mod = e.ctrlKey || e.metaKey
      if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
        e.preventDefault()
        void editor.deleteSelected()
      } else if (mod && e.code === 'KeyZ') {
        e.preventDefault()
        void (e.shiftKey ? editor.redo() : editor.undo())
      } else if (mod && e.code === 'KeyY') {
        e.preventDefault()
        void editor.redo()
      }
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [editor])
}

import { Backdrop } from './dialogs.js'

export const SHORTCUTS: [string, string][] = [
  ['Double-click, Space, right-click', 'add a node (search at the pointer)'],
  ['Drop a link on empty canvas', 'add a node that takes it'],
  ['Ctrl+C / Ctrl+V', 'copy / paste nodes (also between tabs)'],
  ['Ctrl+D', 'duplicate the selected nodes'],
  ['Ctrl+A', 'select all nodes'],
  ['Ctrl+click', 'add a node to the selection'],
  ['Ctrl+drag on empty canvas', 'select the nodes in the box (with Shift: add them)'],
  ['Drag a selected node', 'move the whole selection'],
  ['Ctrl+B', 'bypass the selected nodes (or stop bypassing)'],
  ['Delete', 'delete the selected nodes'],
  ['Ctrl+Z / Ctrl+Shift+Z', 'undo / redo'],
  ['Ctrl+S', 'save'],
  ['Ctrl+Enter', 'run'],
  ['?', 'this list'],
]

/** Every keyboard shortcut, opened with `?`. */
export function Shortcuts({ onClose }: { onClose(): void }) {
  return (
    <Backdrop onClose={onClose}>
      <div className="modal" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts">
        <h2>Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <td>
                  <kbd>{keys}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="modal-buttons">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Backdrop>
  )
}

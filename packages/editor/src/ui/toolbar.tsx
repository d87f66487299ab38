import type { RunPhase } from '../run-state.js'
import { isActive } from '../run-state.js'

export interface ToolbarActions {
  newDoc(): void
  open(): void
  save(): void
  saveAs(): void
  run(): void
  cancel(): void
  arrange(): void
  fit(): void
  undo(): void
  redo(): void
  backends(): void
}

interface Props {
  title: string
  dirty: boolean
  phase: RunPhase
  status: { text: string; level: 'info' | 'error' } | undefined
  actions: ToolbarActions
  /** More buttons, after Run and Cancel (the history, the gallery). */
  extra?: React.ReactNode
}

/** The one line of news: saved, refused connection, conflict, ... */
export function StatusBar({ status }: { status: Props['status'] }) {
  return (
    <output
      className={`status status-${status?.level ?? 'info'}`}
      data-testid="status"
      aria-live="polite"
      title={status?.text}
    >
      {status?.text ?? ''}
    </output>
  )
}

export function Toolbar({ title, dirty, phase, actions, extra }: Omit<Props, 'status'>) {
  const active = isActive(phase)
  return (
    <header className="toolbar">
      <span className="brand">sdflow</span>
      <span className="doc-title" data-testid="doc-title" title={title}>
        {title}
        {dirty ? ' •' : ''}
      </span>
      <nav className="buttons">
        <button type="button" onClick={actions.newDoc}>
          New
        </button>
        <button type="button" onClick={actions.open} data-testid="open-button">
          Open
        </button>
        <button type="button" onClick={actions.save} data-testid="save-button">
          Save
        </button>
        <button type="button" onClick={actions.saveAs} data-testid="save-as-button">
          Save as
        </button>
        <span className="sep" />
        <button type="button" onClick={actions.undo} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button type="button" onClick={actions.redo} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <button type="button" onClick={actions.arrange} data-testid="arrange-button">
          Arrange
        </button>
        <button type="button" onClick={actions.fit} data-testid="fit-button">
          Fit
        </button>
        <button type="button" onClick={actions.backends} data-testid="backends-button">
          Backends
        </button>
        <span className="sep" />
        <button
          type="button"
          className="primary"
          onClick={actions.run}
          disabled={active}
          data-testid="run-button"
        >
          Run
        </button>
        <button
          type="button"
          onClick={actions.cancel}
          disabled={!active}
          data-testid="cancel-button"
        >
          Cancel
        </button>
        {extra ? <span className="sep" /> : null}
        {extra}
      </nav>
    </header>
  )
}

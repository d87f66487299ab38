import { type ReactNode, useEffect, useId, useRef, useState } from 'react'
import { useEscape } from './lightbox.js'

/** The backdrop a dialog sits on: Escape or a click beside the dialog closes it. */
export function Backdrop({ onClose, children }: { onClose(): void; children: ReactNode }) {
  useEscape(onClose)
  return (
    <div className="modal-backdrop">
      <button type="button" className="backdrop-hit" aria-label="Close" onClick={onClose} />
      {children}
    </div>
  )
}

/** A question with a yes and a no, in the page (never window.confirm). */
export function ConfirmDialog({
  title,
  text,
  yes,
  onYes,
  onNo,
}: {
  title: string
  text: string
  yes: string
  onYes(): void
  onNo(): void
}) {
  const button = useRef<HTMLButtonElement>(null)
  useEffect(() => button.current?.focus(), [])
  return (
    <Backdrop onClose={onNo}>
      <div className="modal" role="alertdialog" aria-label={title} data-testid="confirm-dialog">
        <h2>{title}</h2>
        <p>{text}</p>
        <div className="modal-buttons">
          <button type="button" onClick={onNo} data-testid="confirm-no">
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            ref={button}
            onClick={onYes}
            data-testid="confirm-yes"
          >
            {yes}
          </button>
        </div>
      </div>
    </Backdrop>
  )
}

/** Asks for a workflow name (Save as); says at once what is wrong with one. */
export function NameDialog({
  title,
  initial,
  check,
  onSubmit,
  onClose,
}: {
  title: string
  initial: string
  /** An error message for a name that cannot be used, else undefined. */
  check(name: string): string | undefined
  onSubmit(name: string): void
  onClose(): void
}) {
  const id = useId()
  const [name, setName] = useState(initial)
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.select(), [])
  const problem = check(name)
  return (
    <Backdrop onClose={onClose}>
      <form
        className="modal"
        role="dialog"
        aria-label={title}
        data-testid="save-as-dialog"
        onSubmit={(e) => {
          e.preventDefault()
          if (!problem) onSubmit(name)
        }}
      >
        <h2>{title}</h2>
        <label htmlFor={id}>Name (letters, digits, . _ -)</label>
        <input
          id={id}
          ref={input}
          className="wide"
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-testid="save-as-name"
        />
        {problem ? <p className="field-error">{problem}</p> : null}
        <div className="modal-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="primary"
            disabled={problem !== undefined}
            data-testid="save-as-submit"
          >
            Save
          </button>
        </div>
      </form>
    </Backdrop>
  )
}

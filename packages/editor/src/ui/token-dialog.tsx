import { useCallback, useEffect, useId, useRef, useState, useSyncExternalStore } from 'react'
import { onTokenRequest, pendingToken, type TokenRequest } from '../token.js'
import { Backdrop } from './dialogs.js'

/** Shows the token question whenever the server refuses a request (see token.ts). */
export function TokenPrompt() {
  const request = useSyncExternalStore(onTokenRequest, pendingToken)
  return request ? <TokenDialog key={request.id} request={request} /> : null
}

/** Asks for the server's access token, in the page (never window.prompt); masked as typed. */
function TokenDialog({ request }: { request: TokenRequest }) {
  const cancel = useCallback(() => request.answer(undefined), [request])
  const id = useId()
  const [token, setToken] = useState('')
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.focus(), [])
  const empty = token.trim() === ''
  return (
    <Backdrop onClose={cancel}>
      <form
        className="modal"
        role="dialog"
        aria-label="Access token"
        data-testid="token-dialog"
        onSubmit={(e) => {
          e.preventDefault()
          if (!empty) request.answer(token)
        }}
      >
        <h2>Access token</h2>
        <label htmlFor={id}>This sdflow server needs its access token (--token):</label>
        <input
          id={id}
          ref={input}
          type="password"
          autoComplete="off"
          className="wide"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          data-testid="token-input"
        />
        {request.refused ? (
          <p className="field-error" data-testid="token-refused">
            The server refused that token; check it and try again.
          </p>
        ) : null}
        <div className="modal-buttons">
          <button type="button" onClick={cancel} data-testid="token-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" disabled={empty} data-testid="token-submit">
            Connect
          </button>
        </div>
      </form>
    </Backdrop>
  )
}

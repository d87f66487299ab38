import { currentToken } from './token.js'

const RUN_CHANGES = new Set([
  'run.queued',
  'run.started',
  'run.finished',
  'run.failed',
  'run.cancelled',
])

/**
 * Tell `onChange` whenever any run starts or ends, whoever started it (the editor, the CLI,
 * the A1111 face): WebSocket /api/events subscribed to every run, from now on. Reconnects after
 * a drop, then reports a change (what it missed is read again by the caller).
 */
export function watchRuns(onChange: () => void): { close(): void } {
  let socket: WebSocket | undefined
  let closed = false
  let retry: ReturnType<typeof setTimeout> | undefined
  let delay = 500
  const open = () => {
    const url = new URL('/api/events', window.location.href)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    const token = currentToken()
    if (token) url.searchParams.set('token', token)
    const ws = new WebSocket(url)
    socket = ws
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'subscribe' }))
      if (delay > 500) onChange()
      delay = 500
    }
    ws.onmessage = (message) => {
      const text = String(message.data)
      // progress events are most of the stream: look before parsing
      if (!text.includes('"run.')) return
      try {
        const { type } = JSON.parse(text) as { type?: unknown }
        if (typeof type === 'string' && RUN_CHANGES.has(type)) onChange()
      } catch {
        // not an event
      }
    }
    ws.onclose = () => {
      if (closed) return
      retry = setTimeout(open, delay)
      delay = Math.min(delay * 2, 10_000)
    }
  }
  open()
  return {
    close() {
      closed = true
      if (retry) clearTimeout(retry)
      socket?.close(1000)
    },
  }
}

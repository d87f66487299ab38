import type { RunEvent } from '@sdflow/protocol'
import { currentToken } from './token.js'

export interface EventStream {
  close(): void
}

/**
 * Follow one run over WebSocket /api/events from `since`. On a dropped connection it
 * reconnects from the last seq it saw (`lastSeq()`), so nothing is missed; it stops after a
 * terminal event, or when closed.
 */
export function followRun(
  runId: string,
  since: number,
  lastSeq: () => number,
  onEvent: (event: RunEvent) => void,
  onGone: (reason: string) => void,
): EventStream {
  let socket: WebSocket | undefined
  let closed = false
  let retry: ReturnType<typeof setTimeout> | undefined
  let delay = 250
  const open = (from: number) => {
    const url = new URL('/api/events', window.location.href)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    url.searchParams.set('runId', runId)
    url.searchParams.set('since', String(from))
    const token = currentToken()
    if (token) url.searchParams.set('token', token)
    const ws = new WebSocket(url)
    socket = ws
    ws.onopen = () => {
      delay = 250
    }
    ws.onmessage = (message) => {
      let event: RunEvent
      try {
        event = JSON.parse(String(message.data)) as RunEvent
      } catch {
        return
      }
      if (typeof event.seq !== 'number' || event.runId !== runId) return
      onEvent(event)
      if (
        event.type === 'run.finished' ||
        event.type === 'run.failed' ||
        event.type === 'run.cancelled'
      ) {
        closed = true
        ws.close(1000)
      }
    }
    ws.onclose = (close) => {
      if (closed) return
      // 4404 unknown run, 4400 bad subscribe: retrying cannot help (4008 slow: it can)
      if (close.code === 4404 || close.code === 4400) {
        closed = true
        onGone(close.reason || `event stream closed (${close.code})`)
        return
      }
      retry = setTimeout(() => open(lastSeq()), delay)
      delay = Math.min(delay * 2, 5000)
    }
  }
  open(since)
  return {
    close() {
      closed = true
      if (retry) clearTimeout(retry)
      socket?.close(1000)
    },
  }
}

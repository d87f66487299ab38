import type { RunEvent } from '@sdflow/protocol'

export type EventListener = (event: RunEvent, cursor: number) => void

/** Live fan-out of stored events. Publishing never waits for a listener. */
export interface EventHub {
  publish(event: RunEvent, cursor: number): void
  subscribe(listener: EventListener): () => void
  readonly size: number
}

export function createEventHub(onListenerError?: (error: unknown) => void): EventHub {
  const listeners = new Set<EventListener>()
  return {
    publish(event, cursor) {
      for (const listener of [...listeners]) {
        try {
          listener(event, cursor)
        } catch (error) {
          onListenerError?.(error)
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    get size() {
      return listeners.size
    },
  }
}

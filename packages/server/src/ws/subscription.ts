import type { RunEvent } from '@sdflow/protocol'
import type { EventHub } from '../event-hub.js'
import type { RunStore, StoredEvent } from '../run-store.js'

/** Close codes of the event stream (see docs/protocol.md). */
export const CloseCodes = {
  /** The server is shutting down (standard "going away"). */
  GoingAway: 1001,
  /** A frame bigger than the limit (standard "message too big", sent by ws). */
  TooBig: 1009,
  /** A subscribe message that is not valid. */
  BadSubscribe: 4400,
  /** The subscribed run does not exist. */
  UnknownRun: 4404,
  /** The client reads too slowly; reconnect with `since` = the last seq (or cursor) received. */
  SlowConsumer: 4008,
} as const

/** What the subscription needs of a socket (ws's WebSocket has it). */
export interface EventSocket {
  readonly bufferedAmount: number
  readonly readyState: number
  send(data: string, cb?: (error?: Error) => void): void
  close(code?: number, reason?: string): void
  terminate?(): void
}

const OPEN = 1

export interface SubscriptionLimits {
  maxBufferedBytes: number
  maxQueuedEvents: number
  replayPageSize: number
  /** Applied to every serialized frame (paths relative to their roots). */
  present?: (json: string) => string
}

export interface SubscribeRequest {
  /** One run; absent: every run. */
  runId?: string
  /**
   * With runId: the run's seq after which to start (default 0: the whole run).
   * Without: the global cursor after which to start (default: now, live only).
   */
  since?: number
}

/**
 * One client's view of the event stream. Live events are taken (and held back) before the
 * replay reads the store, and only those past the last replayed one are sent afterwards: no
 * gap, no duplicate. A socket whose send buffer passes the limit is closed with 4008.
 */
export class Subscription {
  private unsubscribe: (() => void) | undefined
  private held: StoredEvent[] | undefined = []
  /** seq (one run) or cursor (all runs) of the last event sent. */
  private last: number
  private closed = false

  constructor(
    private readonly socket: EventSocket,
    private readonly store: RunStore,
    private readonly hub: EventHub,
    readonly request: SubscribeRequest,
    private readonly limits: SubscriptionLimits,
  ) {
    this.last = request.since ?? (request.runId === undefined ? store.lastCursor() : 0)
  }

  private key(e: StoredEvent): number {
    return this.request.runId === undefined ? e.cursor : e.event.seq
  }

  private wanted(event: RunEvent): boolean {
    return this.request.runId === undefined || event.runId === this.request.runId
  }

  async start(): Promise<void> {
    // 1. live first, held back
    this.unsubscribe = this.hub.subscribe((event, cursor) => {
      if (this.closed || !this.wanted(event)) return
      const stored = { cursor, event }
      if (this.held) {
        this.held.push(stored)
        if (this.held.length > this.limits.maxQueuedEvents) this.slow()
      } else this.deliver(stored)
    })
    this.control({
      type: 'subscribed',
      runId: this.request.runId ?? null,
      since: this.last,
    })
    // 2. replay from the store, a page at a time, waiting for each page to be written
    for (;;) {
      if (this.closed) return
      const page =
        this.request.runId === undefined
          ? this.store.eventsAfter(this.last, this.limits.replayPageSize)
          : this.store.eventsOfRun(this.request.runId, this.last, this.limits.replayPageSize)
      if (page.length === 0) break
      await new Promise<void>((written) => {
        page.forEach((e, i) => {
          this.send(e, i === page.length - 1 ? () => written() : undefined)
        })
        if (this.closed || this.socket.readyState !== OPEN) written()
      })
      this.last = this.key(page[page.length - 1] as StoredEvent)
      if (page.length < this.limits.replayPageSize) break
    }
    if (this.closed) return
    // 3. what arrived meanwhile, past the replay; then live
    const held = this.held ?? []
    this.held = undefined
    for (const e of held) this.deliver(e)
    this.control({ type: 'caught-up', last: this.last })
  }

  private deliver(e: StoredEvent): void {
    if (this.key(e) <= this.last) return
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.slow()
      return
    }
    this.send(e)
    this.last = this.key(e)
  }

  private send(e: StoredEvent, written?: () => void): void {
    if (this.closed || this.socket.readyState !== OPEN) return
    const json = JSON.stringify({ ...e.event, cursor: e.cursor })
    this.socket.send(this.limits.present ? this.limits.present(json) : json, written)
  }

  private control(message: Record<string, unknown>): void {
    if (this.closed || this.socket.readyState !== OPEN) return
    this.socket.send(JSON.stringify(message))
  }

  private slow(): void {
    if (this.closed) return
    const key = this.request.runId === undefined ? 'cursor' : 'seq'
    this.close(
      CloseCodes.SlowConsumer,
      `too slow; reconnect with since=<last ${key} received> (${this.last})`,
    )
    const socket = this.socket
    // a reader that stopped reading never answers the close handshake
    setTimeout(() => {
      if (socket.readyState !== 3) socket.terminate?.()
    }, 2000).unref()
  }

  close(code?: number, reason?: string): void {
    if (this.closed) return
    this.stop()
    if (code !== undefined) this.socket.close(code, reason?.slice(0, 120))
  }

  /** Stop listening (the socket closed). */
  stop(): void {
    this.closed = true
    this.held = undefined
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }
}

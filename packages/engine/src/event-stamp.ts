import type { RunEvent, RunEventBody } from '@sdflow/protocol'

/** Stamps event bodies with runId, a gapless sequence number and the time. */
export function eventStamp(runId: string, onEvent: (event: RunEvent) => void, firstSeq = 1) {
  let seq = firstSeq
  // events come in bursts within one millisecond: format its time once, not once an event
  let ms = Number.NaN
  let time = ''
  return (body: RunEventBody): void => {
    const now = Date.now()
    if (now !== ms) {
      ms = now
      time = new Date(now).toISOString()
    }
    // each body is a fresh object made for this one event: stamping it in place saves a copy
    // per event (the stamp's keys still come last, as a spread would put them)
    const event = body as RunEvent
    event.runId = runId
    event.seq = seq++
    event.time = time
    onEvent(event)
  }
}

import type { RunEvent, RunEventBody } from '@sdflow/protocol'

/** Stamps event bodies with runId, a gapless sequence number and the time. */
export function eventStamp(runId: string, onEvent: (event: RunEvent) => void, firstSeq = 1) {
  let seq = firstSeq
  return (body: RunEventBody): void => {
    onEvent({ ...body, runId, seq: seq++, time: new Date().toISOString() } as RunEvent)
  }
}

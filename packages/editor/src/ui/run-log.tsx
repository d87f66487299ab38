import { imagesLine, priceText } from '@sdflow/nodes/cost'
import type { Issue } from '@sdflow/protocol'
import { useEffect, useRef, useState } from 'react'
import { api, artifactUrl, type RunInfo } from '../api.js'
import { kindLines, type RunEstimate } from '../estimate.js'
import type { RunView } from '../run-state.js'
import { IssueList } from './issue-list.js'

/** The run's events as lines, newest at the bottom, and issues not tied to a node. */
export function RunLog({
  run,
  general,
  estimate,
}: {
  run: RunView
  general: Issue[]
  /** What the workflow on the canvas would take, from the server's validation. */
  estimate?: RunEstimate | undefined
}) {
  const box = useRef<HTMLDivElement>(null)
  const count = run.log.length
  useEffect(() => {
    const el = box.current
    if (el && count > 0) el.scrollTop = el.scrollHeight
  }, [count])
  // GPU time and estimated price, once the run has ended (the server adds them up)
  const [cost, setCost] = useState<RunInfo['cost']>()
  const ended = run.phase === 'finished' || run.phase === 'failed' || run.phase === 'cancelled'
  useEffect(() => {
    setCost(undefined)
    if (!ended || !run.runId) return
    let live = true
    api.runInfo(run.runId).then(
      (info) => live && setCost(info.cost),
      () => {},
    )
    return () => {
      live = false
    }
  }, [ended, run.runId])
  return (
    <section className="run-log" data-testid="run-log">
      <header>
        Run log {run.runId ? <span className="muted">{run.runId}</span> : null}
        {cost && cost.gpuMs > 0 ? (
          <span className="muted" data-testid="run-cost">
            {costText(cost)}
          </span>
        ) : null}
        <span className={`phase phase-${run.phase}`} data-testid="run-phase">
          {run.phase}
        </span>
      </header>
      {estimate ? <Estimate estimate={estimate} /> : null}
      <IssueList issues={general} />
      <div className="lines" ref={box}>
        {run.log.map((line) => (
          <div key={line.seq} className={`line line-${line.level}`}>
            <span className="muted">{line.time.slice(11, 19)}</span>{' '}
            {line.file?.hash ? (
              <a
                href={artifactUrl(line.file.hash)}
                target="_blank"
                rel="noreferrer"
                data-testid="log-file"
                data-path={line.file.path}
              >
                {line.text}
              </a>
            ) : (
              line.text
            )}
          </div>
        ))}
      </div>
    </section>
  )
}

/** Before running: images to generate and what each backend kind would take for them. */
function Estimate({ estimate }: { estimate: RunEstimate }) {
  const kinds = kindLines(estimate)
  return (
    <div className="run-estimate" data-testid="run-estimate">
      <span data-testid="estimate-images">{imagesLine(estimate)}</span>
      {kinds.map((line) => (
        <span key={line} className="muted" data-testid="estimate-kind">
          {line}
        </span>
      ))}
    </div>
  )
}

export function costText(cost: NonNullable<RunInfo['cost']>): string {
  const parts = [`GPU ${(cost.gpuMs / 1000).toFixed(1)} s`]
  if (cost.retries > 0) parts.push(`${cost.retries} retr${cost.retries === 1 ? 'y' : 'ies'}`)
  if (cost.cost !== undefined) parts.push(priceText(cost.cost, cost.costPerImage))
  return parts.join(' · ')
}

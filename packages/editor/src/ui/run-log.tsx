import type { Issue } from '@sdflow/protocol'
import { useEffect, useRef } from 'react'
import type { RunView } from '../run-state.js'
import { IssueList } from './issue-list.js'

/** The run's events as lines, newest at the bottom, and issues not tied to a node. */
export function RunLog({ run, general }: { run: RunView; general: Issue[] }) {
  const box = useRef<HTMLDivElement>(null)
  const count = run.log.length
  useEffect(() => {
    const el = box.current
    if (el && count > 0) el.scrollTop = el.scrollHeight
  }, [count])
  return (
    <section className="run-log" data-testid="run-log">
      <header>
        Run log {run.runId ? <span className="muted">{run.runId}</span> : null}
        <span className={`phase phase-${run.phase}`} data-testid="run-phase">
          {run.phase}
        </span>
      </header>
      <IssueList issues={general} />
      <div className="lines" ref={box}>
        {run.log.map((line) => (
          <div key={line.seq} className={`line line-${line.level}`}>
            <span className="muted">{line.time.slice(11, 19)}</span> {line.text}
          </div>
        ))}
      </div>
    </section>
  )
}

import type { Issue } from '@sdflow/protocol'
import { fieldLabel } from '../issues.js'

/** Issues as `[data-testid="issue"]` lines naming their field and code. */
export function IssueList({ issues }: { issues: readonly Issue[] }) {
  if (issues.length === 0) return null
  return (
    <ul className="issues">
      {issues.map((issue) => (
        <li
          key={`${issue.pointer} ${issue.code} ${issue.message}`}
          data-testid="issue"
          data-pointer={issue.pointer}
          data-code={issue.code}
          className={`issue issue-${issue.severity}`}
          title={`${issue.code} ${issue.pointer}`}
        >
          {fieldLabel(issue) ? <span className="issue-field">{fieldLabel(issue)}</span> : null}
          {issue.message}
        </li>
      ))}
    </ul>
  )
}

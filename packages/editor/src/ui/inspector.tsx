import type { Issue, NodeSpec } from '@sdflow/protocol'
import { useMemo } from 'react'
import type { BackendInfo } from '../catalog.js'
import type { GraphNode, WorkflowMeta } from '../document.js'
import { fieldIssues } from '../issues.js'
import { fieldsOf, shownValue } from '../schema-controls.js'
import { socketColour } from '../sockets.js'
import { ContractFields } from './contract-fields.js'
import { IssueList } from './issue-list.js'
import { ParamField } from './param-field.js'

interface Props {
  node: GraphNode | undefined
  spec: NodeSpec | undefined
  issues: Issue[]
  backends: readonly BackendInfo[]
  onParam(nodeId: string, key: string, value: unknown): void
  onInvalid(nodeId: string, key: string, message: string | undefined): void
  meta: WorkflowMeta
  taken: ReadonlySet<string>
  onRename(from: string, to: string): void
  onExpose(nodeId: string, side: 'inputs' | 'outputs', key: string, name: string): void
}

/** Every param of the selected node, as controls generated from its schema. */
export function Inspector({
  node,
  spec,
  issues,
  backends,
  onParam,
  onInvalid,
  meta,
  taken,
  onRename,
  onExpose,
}: Props) {
  const fields = useMemo(() => (spec ? fieldsOf(spec.params) : []), [spec])
  if (!node) {
    return (
      <aside className="inspector">
        <p className="muted">Select a node to edit all its params.</p>
        <Legend />
      </aside>
    )
  }
  return (
    <aside className="inspector" data-testid="inspector" data-node-id={node.id}>
      <h2>
        {spec?.title ?? node.type} <span className="muted">{node.id}</span>
      </h2>
      {spec ? <p className="muted small">{spec.description}</p> : null}
      <ContractFields
        node={node}
        spec={spec}
        meta={meta}
        taken={taken}
        onRename={(to) => onRename(node.id, to)}
        onExpose={(side, key, name) => onExpose(node.id, side, key, name)}
      />
      {Object.keys(spec?.inputs ?? {}).map((name) => (
        <IssueList key={name} issues={fieldIssues(issues, 'inputs', name)} />
      ))}
      {fields.map((field) => (
        <ParamField
          key={`${node.id}/${field.key}`}
          field={field}
          value={shownValue(field, node.params)}
          backends={backends}
          issues={fieldIssues(issues, 'params', field.key)}
          onCommit={(value) => onParam(node.id, field.key, value)}
          onInvalid={(message) => onInvalid(node.id, field.key, message)}
        />
      ))}
      <Legend />
    </aside>
  )
}

function Legend() {
  const kinds = ['image', 'mask', 'controlnet', 'string', 'number', 'integer', 'boolean']
  return (
    <div className="legend">
      {kinds.map((k) => (
        <span key={k}>
          <span className="kind-dot" style={{ background: socketColour(k) }} /> {k}
        </span>
      ))}
    </div>
  )
}

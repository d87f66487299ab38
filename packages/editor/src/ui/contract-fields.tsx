import type { NodeSpec } from '@sdflow/protocol'
import { useEffect, useState } from 'react'
import { exposedName, ID_PATTERN } from '../contract.js'
import type { GraphNode, WorkflowMeta } from '../document.js'
import { fieldsOf } from '../schema-controls.js'

interface Props {
  node: GraphNode
  spec: NodeSpec | undefined
  meta: WorkflowMeta
  taken: ReadonlySet<string>
  onRename(to: string): void
  onExpose(side: 'inputs' | 'outputs', key: string, name: string): void
}

/** A text box that commits on Enter or blur, and only a value `check` accepts. */
function NameBox({
  value,
  check,
  onCommit,
  testId,
  placeholder,
  id,
}: {
  id: string
  value: string
  check(v: string): string | undefined
  onCommit(v: string): void
  testId: string
  placeholder?: string
}) {
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  const problem = draft === value ? undefined : check(draft)
  const commit = () => {
    if (draft !== value && !problem) onCommit(draft)
  }
  return (
    <>
      <input
        id={id}
        className={problem ? 'invalid' : ''}
        value={draft}
        placeholder={placeholder}
        data-testid={testId}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit()
          if (e.key === 'Escape') setDraft(value)
        }}
      />
      {problem ? <div className="field-error">{problem}</div> : null}
    </>
  )
}

/** The node's id, and which of its params and outputs the workflow exposes by name. */
export function ContractFields({ node, spec, meta, taken, onRename, onExpose }: Props) {
  const nameProblem = (v: string) =>
    v === '' || ID_PATTERN.test(v) ? undefined : 'letters, digits, _ . - (not first: digit, . or -)'
  const [param, setParam] = useState('')
  const params = spec ? fieldsOf(spec.params).map((f) => f.key) : []
  const exposedParams = params.filter((p) => exposedName(meta, 'inputs', node.id, p))
  return (
    <section className="contract" data-testid="contract">
      <div className="field">
        <label htmlFor={`${node.id}-id`}>
          Node id
          <NameBox
            id={`${node.id}-id`}
            value={node.id}
            testId="node-id"
            check={(v) =>
              !ID_PATTERN.test(v)
                ? 'an id is letters, digits, _ . - and starts with a letter or _'
                : taken.has(v)
                  ? `another node is ${v}`
                  : undefined
            }
            onCommit={onRename}
          />
        </label>
      </div>
      {Object.keys(spec?.outputs ?? {}).map((key) => (
        <div className="field" key={`out-${key}`}>
          <label
            htmlFor={`${node.id}-out-${key}`}
            title="A workflow output: the CLI and POST /api/runs answer it by this name; the run keeps it even if nothing else uses it"
          >
            Output {key} as workflow output
            <NameBox
              id={`${node.id}-out-${key}`}
              value={exposedName(meta, 'outputs', node.id, key)}
              testId={`expose-output-${key}`}
              placeholder="not exposed"
              check={nameProblem}
              onCommit={(name) => onExpose('outputs', key, name)}
            />
          </label>
        </div>
      ))}
      {exposedParams.map((p) => (
        <div className="field" key={`in-${p}`}>
          <label htmlFor={`${node.id}-in-${p}`}>
            Param {p} as workflow input
            <NameBox
              id={`${node.id}-in-${p}`}
              value={exposedName(meta, 'inputs', node.id, p)}
              testId={`expose-input-${p}`}
              check={nameProblem}
              onCommit={(name) => onExpose('inputs', p, name)}
            />
          </label>
        </div>
      ))}
      {params.length > exposedParams.length ? (
        <div className="field expose-param">
          <label>
            Expose a param as a workflow input (--set NAME=...)
            <select
              value={param}
              data-testid="expose-param"
              onChange={(e) => {
                const key = e.target.value
                setParam('')
                if (key && ID_PATTERN.test(key)) onExpose('inputs', key, key)
              }}
            >
              <option value="">choose a param…</option>
              {params
                .filter((p) => !exposedParams.includes(p))
                .map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
            </select>
          </label>
        </div>
      ) : null}
    </section>
  )
}

import type { Issue } from '@sdflow/protocol'
import { useEffect, useId, useRef, useState } from 'react'
import { type BackendInfo, catalogNames, matchCatalog } from '../catalog.js'
import { CHOOSE, catalogOptions, type Field, formatValue, parseField } from '../schema-controls.js'
import { IssueList } from './issue-list.js'
import { useStopPointer } from './stop-pointer.js'

interface Props {
  field: Field
  value: unknown
  backends: readonly BackendInfo[]
  issues: Issue[]
  onCommit(value: unknown): void
  /** The text typed is not a usable value (message), or is again (undefined). */
  onInvalid?(message: string | undefined): void
}

/** One param as a form control generated from its schema; commits parsed values only. */
export function ParamField({ field, value, backends, issues, onCommit, onInvalid }: Props) {
  const id = useId()
  const box = useRef<HTMLDivElement>(null)
  useStopPointer(box)
  const shown = formatValue(field, value)
  const [draft, setDraft] = useState(shown)
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    setDraft(shown)
    setError(undefined)
  }, [shown])
  // the app blocks Run while a field holds text that is not its value
  const report = useRef(onInvalid)
  report.current = onInvalid
  useEffect(() => report.current?.(error), [error])
  useEffect(() => () => report.current?.(undefined), [])

  const commit = (raw: string | boolean) => {
    const parsed = parseField(field, raw)
    if (parsed.ok) {
      setError(undefined)
      onCommit(parsed.value)
    } else setError(parsed.message)
  }
  const onText = (raw: string) => {
    setDraft(raw)
    commit(raw)
  }

  let control: React.ReactNode
  switch (field.kind) {
    case 'textarea':
      control = <textarea id={id} rows={3} value={draft} onChange={(e) => onText(e.target.value)} />
      break
    case 'checkbox':
      control = (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => commit(e.target.checked)}
        />
      )
      break
    case 'number':
      control = (
        <input
          id={id}
          type="number"
          value={draft}
          min={field.min}
          max={field.max}
          step={field.step}
          onChange={(e) => onText(e.target.value)}
        />
      )
      break
    case 'select': {
      const unset = value === undefined && field.default === undefined
      control = (
        <select
          id={id}
          value={unset ? '' : shown}
          onChange={(e) => (e.target.value === '' ? onCommit(undefined) : commit(e.target.value))}
        >
          {unset ? <option value="">{CHOOSE}</option> : null}
          {field.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      )
      break
    }
    case 'catalog': {
      const { options, selected } = catalogOptions(
        field,
        catalogNames(backends, field.catalog),
        value,
        (name) => matchCatalog(backends, field.catalog, name),
      )
      const unset = typeof field.default !== 'string'
      control = (
        <select
          id={id}
          value={selected}
          onChange={(e) =>
            e.target.value === '' && unset ? onCommit(undefined) : commit(e.target.value)
          }
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )
      break
    }
    case 'json':
      control = (
        <textarea
          id={id}
          rows={2}
          className="mono"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value)
          }}
          onBlur={() => commit(draft)}
        />
      )
      break
    default:
      control = <input id={id} type="text" value={draft} onChange={(e) => onText(e.target.value)} />
  }

  return (
    <div
      className={`field field-${field.kind}${issues.length > 0 || error ? ' has-issue' : ''}`}
      data-param={field.key}
      ref={box}
    >
      <label htmlFor={id} title={field.description}>
        {field.label}
        {field.required ? ' *' : ''}
      </label>
      {control}
      {error && !onInvalid ? <div className="field-error">{error}</div> : null}
      <IssueList issues={issues} />
    </div>
  )
}

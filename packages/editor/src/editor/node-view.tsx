import type { Issue } from '@sdflow/protocol'
import { useLayoutEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import { Presets, type RenderEmit } from 'rete-react-plugin'
import { artifactUrl } from '../api.js'
import { targetOf } from '../issues.js'
import { formatEta, type NodeView as RunNodeView } from '../run-state.js'
import { fieldsOf, isHeadline, shownValue } from '../schema-controls.js'
import { seedMax } from '../seed-mode.js'
import { IssueList } from '../ui/issue-list.js'
import { ParamField } from '../ui/param-field.js'
import { SeedControl } from '../ui/seed-control.js'
import { useStopPointer } from '../ui/stop-pointer.js'
import { InputPreviews, InputUploadButtons, uploadableInputs } from './input-upload.js'
import type { Schemes, SdNode } from './schemes.js'

const { RefSocket } = Presets.classic
const none: Issue[] = []
const idle: RunNodeView = { status: 'idle', images: [] }

function useView<T>(node: SdNode, select: (s: ReturnType<SdNode['env']['store']['get']>) => T): T {
  const { store } = node.env
  return useSyncExternalStore(store.subscribe, () => select(store.get()))
}

/** A node on the canvas: sockets, the prompts and required params, run state, outputs, issues. */
export function NodeView({ data: node, emit }: { data: SdNode; emit: RenderEmit<Schemes> }) {
  const run = useView(node, (s) => s.run.nodes[node.id] ?? idle)
  const issues = useView(node, (s) => s.issues.get(node.id) ?? none)
  const backends = useView(node, (s) => s.backends)
  const fields = useMemo(
    () => (node.spec ? fieldsOf(node.spec.params).filter(isHeadline) : []),
    [node.spec],
  )
  const root = useRef<HTMLDivElement>(null)
  useLayoutEffect(() => {
    const el = root.current
    if (!el) return
    const observer = new ResizeObserver(() => {
      node.height = el.offsetHeight
    })
    observer.observe(el)
    return () => observer.disconnect()
  }, [node])

  const headlineKeys = new Set(fields.map((f) => f.key))
  const nodeIssues = issues.filter((i) => {
    const t = targetOf(i.pointer)
    return !(t.node !== undefined && t.field?.kind === 'params' && headlineKeys.has(t.field.name))
  })
  const inputs = Object.entries(node.inputs)
  const uploadable = new Map(uploadableInputs(node).map((u) => [u.key, u.kind]))
  const outputs = Object.entries(node.outputs)
  const progress = run.status === 'running' ? run.progress : undefined

  return (
    <div
      ref={root}
      className={`sd-node${node.selected ? ' selected' : ''}${node.bypass ? ' bypassed' : ''}`}
      data-testid="node"
      data-node-id={node.id}
      data-node-type={node.nodeType}
      data-status={run.status}
      data-bypassed={node.bypass ? 'true' : undefined}
      style={{ width: node.width }}
    >
      <div className="sd-node-title" title={node.spec?.description}>
        <span className="sd-node-label">{node.label}</span>
        <span className="sd-node-id">{node.id}</span>
        <span className="sd-node-status">
          {node.bypass ? 'bypassed ' : ''}
          {run.status === 'idle' ? '' : run.status}
        </span>
      </div>
      <div className="sd-node-ports">
        <div className="ports-in">
          {inputs.map(([key, input]) =>
            input ? (
              <div className="port port-in" key={key} data-testid={`input-${key}`}>
                <RefSocket
                  name="input-socket"
                  side="input"
                  socketKey={key}
                  nodeId={node.id}
                  emit={emit}
                  payload={input.socket}
                />
                <span className="port-label">
                  {input.label}
                  {input.multipleConnections ? ' ⋯' : ''}
                </span>
                {uploadable.has(key) ? (
                  <InputUploadButtons node={node} input={key} kind={uploadable.get(key) ?? ''} />
                ) : null}
              </div>
            ) : null,
          )}
        </div>
        <div className="ports-out">
          {outputs.map(([key, output]) =>
            output ? (
              <div className="port port-out" key={key} data-testid={`output-${key}`}>
                <span className="port-label">{output.label}</span>
                <RefSocket
                  name="output-socket"
                  side="output"
                  socketKey={key}
                  nodeId={node.id}
                  emit={emit}
                  payload={output.socket}
                />
              </div>
            ) : null,
          )}
        </div>
      </div>
      <InputPreviews node={node} />
      {fields.length > 0 ? (
        <div className="sd-node-fields">
          {fields.map((field) => (
            <ParamField
              key={field.key}
              field={field}
              value={shownValue(field, node.params)}
              backends={backends}
              issues={issues.filter((i) => {
                const t = targetOf(i.pointer)
                return (
                  t.node !== undefined && t.field?.kind === 'params' && t.field.name === field.key
                )
              })}
              onCommit={(value) => node.env.setParam(node.id, field.key, value)}
              onInvalid={(message) => node.env.reportInvalid('node', node.id, field.key, message)}
            />
          ))}
        </div>
      ) : null}
      {progress ? (
        <div
          className="sd-node-progress"
          data-testid="node-progress"
          data-step={progress.step}
          data-total={progress.total}
        >
          <div className="bar">
            <div className="fill" style={{ width: `${Math.round(progress.fraction * 100)}%` }} />
          </div>
          <span className="progress-text">
            step {progress.step}/{progress.total}
            {progress.eta !== undefined ? ` · ETA ${formatEta(progress.eta)}` : ''}
          </span>
        </div>
      ) : null}
      {run.status === 'running' && run.preview ? (
        <img
          className="sd-node-preview"
          data-testid="node-preview"
          src={artifactUrl(run.preview)}
          alt="live preview"
        />
      ) : null}
      {run.images.length > 0 ? (
        <div className="sd-node-outputs">
          {run.images.slice(0, 8).map((image) => (
            <button
              type="button"
              key={image.hash}
              className="thumb"
              title={`${image.width}x${image.height}: click for full size`}
              onPointerDown={(e) => e.stopPropagation()}
              onClick={() => node.env.showImage(artifactUrl(image.hash))}
            >
              <img
                data-testid="node-output"
                src={artifactUrl(image.hash)}
                alt={`${image.width}x${image.height}`}
              />
            </button>
          ))}
        </div>
      ) : null}
      {run.values ? (
        <dl className="sd-node-values" data-testid="node-values">
          {Object.entries(run.values).map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd title={String(value)}>{shown(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {seedMax(node.spec) !== undefined ? <SeedControl node={node} run={run} /> : null}
      {hasArtifactParam(node) ? <UploadControl node={node} /> : null}
      <IssueList issues={nodeIssues} />
    </div>
  )
}

function hasArtifactParam(node: SdNode): boolean {
  const props = (node.spec?.params as { properties?: Record<string, unknown> } | undefined)
    ?.properties
  return props !== undefined && 'artifact' in props
}

/** Upload an image into the node (its `artifact` param), with a preview of what it holds. */
function UploadControl({ node }: { node: SdNode }) {
  const hash = typeof node.params.artifact === 'string' ? node.params.artifact : undefined
  const feedsMask = useView(node, (s) => s.maskLoads?.has(node.id) ?? false)
  const box = useRef<HTMLDivElement>(null)
  useStopPointer(box)
  return (
    <div className="sd-node-upload" ref={box}>
      <label className="upload-button">
        {hash ? 'Replace image…' : 'Upload image…'}
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp"
          data-testid="upload"
          onChange={(e) => {
            const file = e.target.files?.[0]
            e.target.value = ''
            if (file) void node.env.upload(node.id, file)
          }}
        />
      </label>
      {feedsMask ? (
        <button
          type="button"
          className="upload-button"
          data-testid="mask-paint"
          onClick={() => node.env.paintInto(node.id)}
        >
          Paint mask…
        </button>
      ) : null}
      {hash ? (
        <img
          className="upload-preview"
          data-testid="upload-preview"
          src={artifactUrl(hash)}
          alt="uploaded"
        />
      ) : null}
    </div>
  )
}

function shown(value: string | number | boolean): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(2)
  const text = String(value)
  return text.length > 40 ? `${text.slice(0, 39)}…` : text
}

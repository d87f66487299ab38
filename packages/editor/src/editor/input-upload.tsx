import { useRef, useSyncExternalStore } from 'react'
import { artifactUrl } from '../api.js'
import { useStopPointer } from '../ui/stop-pointer.js'
import type { SdNode } from './schemes.js'

const UPLOADABLE = new Set(['image', 'mask'])

/**
 * Image and mask inputs of the A1111 nodes (img2img, inpaint, ControlNet unit, ...) take an
 * uploaded image: it enters the workflow through a Load image node, by its hash.
 */
export function uploadableInputs(node: SdNode): { key: string; kind: string }[] {
  if (!node.spec || !node.nodeType.startsWith('sd.')) return []
  return Object.entries(node.spec.inputs)
    .filter(([, input]) => UPLOADABLE.has(input.kind) && !input.multi)
    .map(([key, input]) => ({ key, kind: input.kind }))
}

/** The upload (and, for a mask, paint) buttons in an input's row. */
export function InputUploadButtons({
  node,
  input,
  kind,
}: {
  node: SdNode
  input: string
  kind: string
}) {
  const box = useRef<HTMLSpanElement>(null)
  useStopPointer(box)
  return (
    <span className="port-upload" ref={box}>
      <label className="upload-button small" title={`Upload an image into ${input}`}>
        Upload…
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp"
          data-testid="upload"
          onChange={(e) => {
            const file = e.target.files?.[0]
            e.target.value = ''
            if (file) void node.env.uploadInput(node.id, input, file)
          }}
        />
      </label>
      {kind === 'mask' ? (
        <button
          type="button"
          className="upload-button small"
          data-testid="mask-paint"
          title="Paint the mask"
          onClick={() => node.env.paintMask(node.id, input)}
        >
          Paint…
        </button>
      ) : null}
    </span>
  )
}

/** What the node's inputs were given by upload, shown before any run. */
export function InputPreviews({ node }: { node: SdNode }) {
  const { store } = node.env
  const given = useSyncExternalStore(store.subscribe, () => store.get().inputImages?.get(node.id))
  const entries = Object.entries(given ?? {})
  if (entries.length === 0) return null
  return (
    <div className="sd-node-input-images">
      {entries.map(([input, hash]) => (
        <figure key={input} data-input={input}>
          <img data-testid="upload-preview" src={artifactUrl(hash)} alt={`${input} (uploaded)`} />
          <figcaption className="muted small">{input}</figcaption>
        </figure>
      ))}
    </div>
  )
}

import { img2imgModel, txt2imgModel, withPyFloats } from '@sdflow/a1111-emulator/models'
import type { ImageRef } from '@sdflow/protocol'
import { pythonJson } from './python-json.js'
import type { A1111Kind } from './to-workflow.js'

/** What the response needs of the finished gateway node. */
export interface FinishedNode {
  outputs?: Record<string, unknown>
  meta?: Record<string, unknown>
}

/** The images an answer carries, in A1111's order: generated, then ControlNet's maps. */
export function answerImages(kind: A1111Kind, body: Record<string, unknown>, node: FinishedNode) {
  const generated = refsOf(node.outputs?.image)
  if (kind !== 'txt2img' && kind !== 'img2img') return generated
  if (body.send_images === false) return []
  return [...generated, ...refsOf(node.meta?.detectedMaps)]
}

/** A1111 v1.10's request models (field kinds and defaults), as the emulator parses them. */
const MODELS = { txt2img: txt2imgModel, img2img: img2imgModel }

/**
 * The finished run as A1111's answer: `{images, parameters, info}` with `info` as JSON text
 * (the backend's own text when the run kept it), `parameters` as A1111 echoes its request
 * model (see `echoOf`; send the answer with `fastapiJson`), or extras' `{html_info, image(s)}`. `base64` holds each image's
 * bytes as base64, in `answerImages` order.
 */
export function toResponse(
  kind: A1111Kind,
  body: Record<string, unknown>,
  node: FinishedNode,
  base64: readonly string[],
): Record<string, unknown> {
  const htmlInfo = typeof node.meta?.htmlInfo === 'string' ? node.meta.htmlInfo : ''
  if (kind === 'extra-single-image') return { html_info: htmlInfo, image: base64[0] ?? '' }
  if (kind === 'extra-batch-images') return { html_info: htmlInfo, images: [...base64] }
  const parameters = echoOf(MODELS[kind], body)
  if (kind === 'img2img' && body.include_init_images !== true) {
    parameters.init_images = null
    parameters.mask = null
  }
  const info = node.meta?.info ?? {}
  return {
    images: [...base64],
    parameters,
    info: typeof info === 'string' ? info : pythonJson(info),
  }
}

/**
 * `vars(request)` of A1111's pydantic model: every field in the model's order, the caller's
 * value or the field's default (seed stays -1, `sampler_index: "Euler"` is there), floats as
 * Python floats; fields the model does not have are not echoed.
 */
function echoOf(
  model: typeof txt2imgModel | typeof img2imgModel,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(model)) {
    out[name] = Object.hasOwn(body, name) ? body[name] : structuredClone(spec.default)
  }
  return withPyFloats(model, out)
}

function refsOf(value: unknown): ImageRef[] {
  return Array.isArray(value) ? (value.filter((v) => isRef(v)) as ImageRef[]) : []
}

function isRef(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'hash' in value && 'mime' in value
}

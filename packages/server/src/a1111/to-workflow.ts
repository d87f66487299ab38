import { ExtraSingleImageRequest, Img2ImgRequest, Txt2ImgRequest } from '@sdflow/a1111'
import type { NodeInstance, WorkflowDocument } from '@sdflow/protocol'
import type { TSchema } from 'typebox'
import { A1111Failure, exception } from './a1111-errors.js'

/** The A1111 operations that run as a one-node workflow. */
export type A1111Kind = 'txt2img' | 'img2img' | 'extra-single-image' | 'extra-batch-images'

/** Request images, already in the artifact store, by hash. */
export interface StoredImages {
  init: string[]
  mask?: string
  /** Per `alwayson_scripts.controlnet.args` index: the unit's image and mask. */
  units: { image?: string; mask?: string }[]
  /** extra-single-image's `image`, extra-batch-images' `imageList`. */
  extras: string[]
}

/** What the mapping reads of the node types. */
export interface NodeParams {
  /** A node type's param schemas by name (from the registry). */
  of(type: string): Readonly<Record<string, TSchema>>
  /** Whether a param's schema takes the value. */
  accepts(schema: TSchema, value: unknown): boolean
}
type Props = Readonly<Record<string, TSchema>>

/** The generation node's id in every gateway workflow. */
export const GATEWAY_NODE = 'gen'

/** Fields the mapping handles itself or that mean nothing here (no output folder). */
const handled = new Set([
  'force_task_id',
  'send_images',
  'save_images',
  'init_images',
  'mask',
  'include_init_images',
  'alwayson_scripts',
  'override_settings',
  'sampler_index',
  'image',
  'imageList',
  'resize_mode',
  'upscaling_resize_w',
  'upscaling_resize_h',
])
/** Node params that are sdflow's, never A1111 fields. */
const ours = new Set(['checkpoint', 'backend', 'extra', 'override_settings'])

type Body = Record<string, unknown>

/**
 * The fields of A1111's request models. A1111 (pydantic, extra = ignore) drops every other key
 * without a word, so the face does too: a client's stray `num_inference_steps` must not turn
 * into an `extra` field that validation refuses.
 */
const a1111Fields: Record<A1111Kind, ReadonlySet<string>> = {
  txt2img: new Set(Object.keys(Txt2ImgRequest.properties)),
  img2img: new Set(Object.keys(Img2ImgRequest.properties)),
  'extra-single-image': new Set(Object.keys(ExtraSingleImageRequest.properties)),
  'extra-batch-images': new Set([...Object.keys(ExtraSingleImageRequest.properties), 'imageList']),
}

/**
 * An A1111 request as a workflow whose one generating node (`gen`) has the type and params a
 * txt2img/img2img/inpaint/upscale node would have; request images enter through
 * `image.artifact` nodes and ControlNet units through `sd.controlnet-unit` nodes, so the pool
 * sees what the job needs. A field the node has no param for (or a value its param does not
 * take, such as width 32) goes through the node's `extra`, which is merged into the request
 * last, so the backend receives what the client sent.
 */
export function toWorkflow(
  kind: A1111Kind,
  body: Body,
  images: StoredImages,
  nodeParams: NodeParams,
): WorkflowDocument {
  const known = a1111Fields[kind]
  body = Object.fromEntries(Object.entries(body).filter(([key]) => known.has(key)))
  const nodes: Record<string, NodeInstance> = {}
  const imageNode = (id: string, hashes: string[], output = 'image') => {
    nodes[id] = { type: 'image.artifact', params: { hashes } }
    return { node: id, output }
  }
  if (kind === 'extra-single-image' || kind === 'extra-batch-images') {
    nodes[GATEWAY_NODE] = {
      type: 'sd.upscale',
      params: extrasParams(body, nodeParams, nodeParams.of('sd.upscale')),
      inputs: { image: imageNode('images', images.extras) },
    }
  } else {
    const type = kind === 'txt2img' ? 'sd.txt2img' : images.mask ? 'sd.inpaint' : 'sd.img2img'
    const { params, extra } = split(body, nodeParams, nodeParams.of(type))
    if (params.sampler_name === undefined && typeof body.sampler_index === 'string') {
      params.sampler_name = body.sampler_index
    }
    if (kind === 'img2img') {
      // A1111's default is 512x512; the node's 0 would mean "the input's size"
      params.width ??= 512
      params.height ??= 512
    }
    const { checkpoint, settings } = overrides(body.override_settings)
    if (checkpoint) params.checkpoint = checkpoint
    if (Object.keys(settings).length > 0) params.override_settings = settings
    const { units, scripts } = splitScripts(body.alwayson_scripts)
    if (Object.keys(scripts).length > 0) extra.alwayson_scripts = scripts
    if (Object.keys(extra).length > 0) params.extra = extra
    const inputs: NodeInstance['inputs'] = {}
    const init = images.init.length > 0 ? imageNode('init', images.init) : undefined
    if (kind === 'img2img' && init) inputs.image = init
    if (images.mask) inputs.mask = imageNode('mask', [images.mask], 'mask')
    const controlnet = units.flatMap(({ unit, index }) => {
      const stored = images.units[index] ?? {}
      // a unit without an image uses the init image in img2img; in txt2img A1111 skips it
      // (every init image would be one batch; ControlNet takes the first)
      const image = stored.image ? imageNode(`cn${index}-image`, [stored.image]) : init
      if (!image) return []
      const id = `cn${index}`
      nodes[id] = {
        type: 'sd.controlnet-unit',
        params: unitParams(unit, index, nodeParams, nodeParams.of('sd.controlnet-unit')),
        inputs: {
          image,
          ...(stored.mask && { mask: imageNode(`cn${index}-mask`, [stored.mask], 'mask') }),
        },
      }
      return [{ node: id, output: 'unit' }]
    })
    if (controlnet.length > 0) inputs.controlnet = controlnet
    nodes[GATEWAY_NODE] = { type, params, inputs }
  }
  return {
    format: 'sdflow.workflow/1',
    name: `a1111-${kind}`,
    description: `A1111 API call (${kind}) through sdflow`,
    outputs: { image: { node: GATEWAY_NODE, output: 'image' } },
    nodes,
  }
}

/** Fields that fit a node param go there; the rest, as sent, into `extra`. */
function split(body: Body, nodeParams: NodeParams, props: Props) {
  const params: Body = {}
  const extra: Body = {}
  for (const [key, value] of Object.entries(body)) {
    if (handled.has(key) || value === null || value === undefined) continue
    const schema = props[key]
    if (schema && !ours.has(key) && nodeParams.accepts(schema, value)) params[key] = value
    else extra[key] = value
  }
  return { params, extra }
}

/** The checkpoint is the pool's business (it picks a backend that has it); the rest stays. */
function overrides(value: unknown): { checkpoint?: string; settings: Body } {
  if (!isObject(value)) return { settings: {} }
  const { sd_model_checkpoint: checkpoint, ...settings } = value
  return typeof checkpoint === 'string' && checkpoint
    ? { checkpoint, settings }
    : { settings: checkpoint === undefined ? settings : value }
}

function splitScripts(value: unknown): {
  units: { unit: Body; index: number }[]
  scripts: Body
} {
  const units: { unit: Body; index: number }[] = []
  const scripts: Body = {}
  if (!isObject(value)) return { units, scripts }
  for (const [name, script] of Object.entries(value)) {
    if (name.toLowerCase() !== 'controlnet') {
      scripts[name] = script
      continue
    }
    const args = isObject(script) && Array.isArray(script.args) ? script.args : []
    args.forEach((unit, index) => {
      // ControlNet >= 1.1.448 ignores a unit that is not explicitly enabled
      if (isObject(unit) && unit.enabled === true) units.push({ unit, index })
    })
  }
  return { units, scripts }
}

const unitAliases: Record<string, string> = { guidance: 'guidance_end', lowvram: 'low_vram' }
const unitImages = new Set(['image', 'input_image', 'mask', 'mask_image', 'enabled'])

/** A unit's fields as the unit node's params; a value ControlNet would refuse is its 500. */
function unitParams(unit: Body, index: number, nodeParams: NodeParams, props: Props): Body {
  const params: Body = {}
  for (const [raw, value] of Object.entries(unit)) {
    const key = unitAliases[raw] ?? raw
    if (unitImages.has(key) || value === null || value === undefined) continue
    const schema = props[key]
    if (!schema) continue // UI-only or batch fields (a1111-api.md §6.2): no effect on a job
    if (!nodeParams.accepts(schema, value)) {
      throw new A1111Failure(
        exception(
          'ValidationError',
          `1 validation error for ControlNetUnit\n${key}\n  invalid value ${JSON.stringify(value)} (unit ${index})`,
        ),
      )
    }
    params[key] = value
  }
  return params
}

function extrasParams(body: Body, nodeParams: NodeParams, props: Props): Body {
  const { params, extra } = split(body, nodeParams, props)
  // A1111's default upscaler is "None" (the image comes back at its size); the node's is Lanczos
  params.upscaler_1 ??= typeof body.upscaler_1 === 'string' ? body.upscaler_1 : 'None'
  if (body.resize_mode === 1) {
    params.upscaling_resize_w = body.upscaling_resize_w ?? 512
    params.upscaling_resize_h = body.upscaling_resize_h ?? 512
  }
  if (Object.keys(extra).length > 0) params.extra = extra
  return params
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

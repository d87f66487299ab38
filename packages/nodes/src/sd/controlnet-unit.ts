import { optional } from '@sdflow/engine'
import { issue, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { checkCatalog } from './catalog-check.js'
import { moduleIssues, resolveModule } from './controlnet-module.js'
import { defineBackendNode } from './services.js'

const strings = (values: readonly string[], fallback: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: fallback },
  )

/** Unit fields as current ControlNet (>= 1.1.448) requires: enums as strings (a1111-api.md §6.2). */
export const controlnetUnit = defineBackendNode({
  type: 'sd.controlnet-unit',
  version: 1,
  title: 'ControlNet unit',
  category: 'controlnet',
  description:
    'Describes one ControlNet unit (model, preprocessor, weight, guidance window) for txt2img, img2img or inpaint; connect several to stack them.',
  params: Type.Object({
    model: Type.String({
      minLength: 1,
      'x-catalog': 'controlnetModels',
      description: 'e.g. control_v1p_sd15_qrcode_monster',
    }),
    module: Type.Union([Type.String(), Type.Null()], {
      default: 'none',
      'x-catalog': 'controlnetModules',
      description: 'preprocessor: a module name or its UI label (null: none)',
    }),
    weight: Type.Number({ minimum: 0, maximum: 2, default: 1 }),
    guidance_start: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    guidance_end: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    control_mode: strings(
      ['Balanced', 'My prompt is more important', 'ControlNet is more important'],
      'Balanced',
    ),
    resize_mode: strings(['Just Resize', 'Crop and Resize', 'Resize and Fill'], 'Crop and Resize'),
    pixel_perfect: Type.Boolean({ default: false }),
    processor_res: Type.Integer({
      minimum: -1,
      maximum: 4096,
      default: -1,
      description: '-1: the preprocessor default',
    }),
    threshold_a: Type.Number({ default: -1, description: '-1: the preprocessor default' }),
    threshold_b: Type.Number({ default: -1, description: '-1: the preprocessor default' }),
  }),
  inputs: { image: Socket.Image, mask: optional(Socket.Mask) },
  outputs: { unit: Socket.ControlNet },
  check(params, services, at) {
    const module = resolveModule(params.module, services)
    const issues = [
      ...checkCatalog({ ...params, module }, services, at),
      ...moduleIssues(params, services, at),
    ]
    if (params.guidance_start > params.guidance_end) {
      issues.push(
        issue(
          'SDF_PARAM_OUT_OF_RANGE',
          `${at}/guidance_start`,
          `guidance_start ${params.guidance_start} is after guidance_end ${params.guidance_end}`,
        ),
      )
    }
    return issues
  },
  async execute({ params, inputs, services }) {
    const [image] = inputs.image
    if (!image) throw new Error('empty image batch')
    const mask = inputs.mask?.[0]
    const unit = { ...params, module: resolveModule(params.module, services), image }
    return { unit: mask ? { ...unit, mask } : unit }
  },
})

import type { FastifyInstance } from 'fastify'
import { httpException } from '../api-error.js'
import type { EmulatorContext } from '../context.js'
import {
  controlNetModels,
  controlNetModules,
  controlTypes,
  correctSliders,
  moduleDetail,
  moduleLabel,
  needsMask,
  resolveModule,
  unsupportedForDetect,
} from '../controlnet-catalog.js'
import { isPoseModule, runModule } from '../controlnet-detect.js'
import { field, parseModel } from '../fields.js'
import { decodeInputBytes, encodePng, toRgb } from '../image-io.js'
import { resizeRaw } from '../resize.js'

const detectModel = {
  controlnet_module: field.str('none'),
  controlnet_input_images: field.strList([]),
  controlnet_processor_res: field.int(-1),
  controlnet_threshold_a: field.float(-1),
  controlnet_threshold_b: field.float(-1),
  controlnet_masks: field.strList([]),
  low_vram: field.bool(false),
}

function queryFlag(query: unknown, key: string, fallback: boolean): boolean {
  if (typeof query !== 'object' || query === null || !(key in query)) return fallback
  const v: unknown = Object.entries(query).find(([k]) => k === key)?.[1]
  return typeof v === 'string' ? /^(true|1|yes|on)$/i.test(v) : fallback
}

/** sd-webui-controlnet's own routes (no auth, not under /sdapi). */
export function controlNetRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/controlnet/version', async () => ({ version: 3 }))
  app.get('/controlnet/model_list', async () => ({ model_list: [...controlNetModels] }))
  app.get('/controlnet/settings', async () => ({
    control_net_unit_count: ctx.settings.number('control_net_unit_count'),
  }))

  app.get('/controlnet/module_list', async (request) => {
    const alias = queryFlag(request.query, 'alias_names', false)
    const names = controlNetModules.map((m) => (alias ? moduleLabel(m) : m))
    return {
      module_list: names,
      module_detail: Object.fromEntries(
        names.map((n, i) => [n, moduleDetail(controlNetModules[i] ?? n)]),
      ),
    }
  })

  app.get('/controlnet/control_types', async () => {
    const all = {
      module_list: [...controlNetModules],
      model_list: ['None', ...controlNetModels],
      default_option: 'none',
      default_model: 'None',
    }
    const types: Record<string, typeof all> = { All: all }
    for (const t of controlTypes) {
      const models = controlNetModels.filter((m) => m.includes(t.pattern))
      types[t.name] = {
        module_list: t.modules,
        model_list: ['None', ...models],
        default_option: t.modules[0] ?? 'none',
        default_model: models[0] ?? 'None',
      }
    }
    return { control_types: types }
  })

  app.post('/controlnet/detect', async (request) => {
    const req = parseModel(request.body, detectModel)
    const module = resolveModule(req.controlnet_module ?? 'none')
    if (!module) throw httpException(422, 'Module not available')
    if (unsupportedForDetect.has(module)) throw httpException(422, 'Module not supported')
    const inputs = req.controlnet_input_images ?? []
    if (inputs.length === 0) throw httpException(422, 'No image selected')
    const masks = req.controlnet_masks ?? []
    if (needsMask.has(module) && masks.length !== inputs.length) {
      throw httpException(422, `${module} requires the controlnet_masks param (one mask per image)`)
    }
    const sliders = correctSliders(
      module,
      req.controlnet_processor_res ?? -1,
      req.controlnet_threshold_a ?? -1,
      req.controlnet_threshold_b ?? -1,
    )
    const hasResolution = moduleDetail(module).sliders[0]?.name === 'Resolution'
    const images: string[] = []
    const poses: unknown[] = []
    for (const input of inputs) {
      const bytes = await decodeInputBytes(input, {
        allowRequests: ctx.settings.bool('api_enable_requests'),
        forbidLocal: ctx.settings.bool('api_forbid_local_requests'),
        signal: ctx.shutdown,
      })
      let image = await toRgb(bytes)
      if (hasResolution) {
        const k = sliders.processorRes / Math.min(image.width, image.height)
        image = await resizeRaw(
          image,
          Math.max(1, Math.round(image.width * k)),
          Math.max(1, Math.round(image.height * k)),
          'just-resize',
        )
      }
      const map = await runModule(module, image, sliders)
      images.push((await encodePng(map)).toString('base64'))
      if (isPoseModule(module))
        poses.push({ people: [], canvas_width: map.width, canvas_height: map.height })
    }
    return isPoseModule(module) ? { images, info: 'Success', poses } : { images, info: 'Success' }
  })
}

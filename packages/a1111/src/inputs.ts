import type { ArtifactStore } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import { encodeImage } from './base64.js'
import type {
  ControlNetUnitArgs,
  ControlnetDetectRequest,
  ExtraSingleImageRequest,
  Img2ImgRequest,
  Txt2ImgRequest,
} from './schemas/index.js'

/** A ControlNet unit with its images by reference; `enabled` defaults to true. */
export type ControlNetUnitInput = Omit<ControlNetUnitArgs, 'image' | 'mask' | 'enabled'> & {
  enabled?: boolean
  image?: ImageRef
  mask?: ImageRef
}

/** txt2img as the generation nodes give it: A1111 fields, ControlNet units with ImageRefs. */
export type Txt2ImgInput = Omit<Txt2ImgRequest, 'force_task_id'> & {
  controlnet?: ControlNetUnitInput[]
}

export type Img2ImgInput = Omit<Img2ImgRequest, 'force_task_id' | 'init_images' | 'mask'> & {
  init_images: ImageRef[]
  mask?: ImageRef
  controlnet?: ControlNetUnitInput[]
}

export type ExtraSingleImageInput = Omit<ExtraSingleImageRequest, 'image'> & { image: ImageRef }

export type ControlnetDetectInput = Omit<
  ControlnetDetectRequest,
  'controlnet_input_images' | 'controlnet_masks'
> & { images: ImageRef[]; masks?: ImageRef[] }

/** CN `legacy_field_alias` and `mask_alias` (internal_controlnet/args.py). */
const legacyUnitKeys = ['guidance', 'lowvram', 'input_image', 'mask_image'] as const

async function unitArgs(
  artifacts: ArtifactStore,
  unit: ControlNetUnitInput,
): Promise<ControlNetUnitArgs> {
  const { image, mask, enabled, ...rest } = unit
  const out: ControlNetUnitArgs = { ...rest, enabled: enabled ?? true }
  // ControlNet refuses a unit holding a legacy alias beside its field (a 500): send one form
  for (const legacy of legacyUnitKeys) delete (out as Record<string, unknown>)[legacy]
  if (image) out.image = await encodeImage(artifacts, image)
  if (mask) out.mask = await encodeImage(artifacts, mask)
  return out
}

/** Put ControlNet units into `alwayson_scripts.controlnet.args` (a1111-api.md §6.1). */
async function withUnits<T extends { alwayson_scripts?: Txt2ImgRequest['alwayson_scripts'] }>(
  artifacts: ArtifactStore,
  request: T,
  units: ControlNetUnitInput[] | undefined,
): Promise<T> {
  if (!units || units.length === 0) return request
  const args: ControlNetUnitArgs[] = []
  for (const unit of units) args.push(await unitArgs(artifacts, unit))
  return { ...request, alwayson_scripts: { ...request.alwayson_scripts, controlnet: { args } } }
}

/** The wire form of txt2img: ControlNet units encoded into `alwayson_scripts`. */
export async function txt2imgWire(
  artifacts: ArtifactStore,
  input: Txt2ImgInput,
): Promise<Txt2ImgRequest> {
  const { controlnet, ...rest } = input
  return withUnits(artifacts, rest, controlnet)
}

export async function img2imgWire(
  artifacts: ArtifactStore,
  input: Img2ImgInput,
): Promise<Img2ImgRequest> {
  const { controlnet, init_images, mask, ...rest } = input
  const wire: Img2ImgRequest = { ...rest, init_images: [] }
  for (const ref of init_images) wire.init_images.push(await encodeImage(artifacts, ref))
  if (mask) wire.mask = await encodeImage(artifacts, mask)
  return withUnits(artifacts, wire, controlnet)
}

export async function extrasWire(
  artifacts: ArtifactStore,
  input: ExtraSingleImageInput,
): Promise<ExtraSingleImageRequest> {
  return { ...input, image: await encodeImage(artifacts, input.image) }
}

export async function detectWire(
  artifacts: ArtifactStore,
  input: ControlnetDetectInput,
): Promise<ControlnetDetectRequest> {
  const { images, masks, ...rest } = input
  const wire: ControlnetDetectRequest = { ...rest, controlnet_input_images: [] }
  for (const ref of images) wire.controlnet_input_images.push(await encodeImage(artifacts, ref))
  if (masks) {
    wire.controlnet_masks = []
    for (const ref of masks) wire.controlnet_masks.push(await encodeImage(artifacts, ref))
  }
  return wire
}

/** Choose the checkpoint for one job: `override_settings`, never a global POST /options. */
export function withCheckpoint<T extends { override_settings?: Record<string, unknown> }>(
  request: T,
  checkpoint: string | undefined,
): T {
  if (!checkpoint) return request
  return {
    ...request,
    override_settings: { ...request.override_settings, sd_model_checkpoint: checkpoint },
  }
}

/** Our force_task_id: `sdflow-<runId>-<nodeId>-<n>`. */
export function taskId(runId: string, nodeId: string, attempt: number): string {
  return `sdflow-${runId}-${nodeId}-${attempt}`
}

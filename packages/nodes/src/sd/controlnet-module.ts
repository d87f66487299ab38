import { canonicalModule } from '@sdflow/a1111'
import { type Issue, issue } from '@sdflow/protocol'
import type { NodeServices } from './services.js'

/**
 * Preprocessors that fit each ControlNet 1.1 model family (and QR Monster), by module name.
 * ControlNet never checks the pair; a wrong one runs and controls nothing useful. The table
 * follows ControlNet v1.1.455's control types (scripts/supported_preprocessor.py tags) and is
 * documented in docs/a1111-fidelity.md. `none` fits every family: the image is the map.
 */
const families: readonly { family: string; pattern: RegExp; modules: readonly string[] }[] = [
  {
    family: 'lineart_anime',
    pattern: /lineart_anime/,
    modules: [
      'lineart_anime',
      'lineart_anime_denoise',
      'lineart',
      'lineart_coarse',
      'lineart_standard',
      'invert',
    ],
  },
  {
    family: 'lineart',
    pattern: /lineart/,
    modules: [
      'lineart',
      'lineart_coarse',
      'lineart_standard',
      'lineart_anime',
      'lineart_anime_denoise',
      'invert',
    ],
  },
  { family: 'canny', pattern: /canny/, modules: ['canny', 'invert'] },
  { family: 'mlsd', pattern: /mlsd/, modules: ['mlsd', 'invert'] },
  {
    family: 'depth',
    pattern: /depth/,
    modules: [
      'depth',
      'depth_leres',
      'depth_leres++',
      'depth_zoe',
      'depth_anything',
      'depth_anything_v2',
      'depth_hand_refiner',
    ],
  },
  { family: 'normalbae', pattern: /normal/, modules: ['normal_bae', 'normal_map', 'normal_dsine'] },
  {
    family: 'seg',
    pattern: /_seg\b|_seg$|seg_/,
    modules: ['segmentation', 'oneformer_ade20k', 'oneformer_coco', 'anime_face_segment'],
  },
  {
    family: 'inpaint',
    pattern: /inpaint/,
    modules: ['inpaint', 'inpaint_only', 'inpaint_only+lama'],
  },
  {
    family: 'openpose',
    pattern: /openpose/,
    modules: [
      'openpose',
      'openpose_face',
      'openpose_faceonly',
      'openpose_full',
      'openpose_hand',
      'dw_openpose_full',
      'animal_openpose',
      'densepose',
      'densepose_parula',
    ],
  },
  {
    family: 'scribble',
    pattern: /scribble/,
    modules: [
      'scribble_hed',
      'scribble_xdog',
      'pidinet_scribble',
      'pidinet_sketch',
      'hed',
      'pidinet',
      'invert',
    ],
  },
  {
    family: 'softedge',
    pattern: /softedge/,
    modules: [
      'hed',
      'hed_safe',
      'pidinet',
      'pidinet_safe',
      'softedge_teed',
      'softedge_anyline',
      'scribble_hed',
      'pidinet_scribble',
    ],
  },
  {
    family: 'tile',
    pattern: /tile/,
    modules: ['tile_resample', 'tile_colorfix', 'tile_colorfix+sharp', 'blur_gaussian'],
  },
  { family: 'shuffle', pattern: /shuffle/, modules: ['shuffle'] },
  { family: 'ip2p', pattern: /ip2p/, modules: [] },
  { family: 'qrcode_monster', pattern: /qrcode/, modules: ['invert'] },
]

/** The family of a model name (`control_v11p_sd15_canny [d14c016b]` -> canny), if known. */
export function modelFamily(model: string) {
  const stem = model.replace(/\s*\[[0-9a-f]+\]$/i, '').toLowerCase()
  return families.find((f) => f.pattern.test(stem))
}

/** A module label resolved to its name, when a backend's catalog lists it; else unchanged. */
export function resolveModule(module: string | null, services: NodeServices): string {
  if (module === null) return 'none'
  const pool = services.backends
  if (!pool) return module
  return canonicalModule(pool.catalog(), module) ?? module
}

/**
 * `module: null` (as in the guide) is `none`; a UI label is sent as its name (an info); a
 * module outside the model's family is a warning (SDF_CONTROLNET_MODULE_MISMATCH).
 */
export function moduleIssues(
  params: { module: string | null; model: string },
  services: NodeServices,
  at: string,
): Issue[] {
  const issues: Issue[] = []
  const module = resolveModule(params.module, services)
  if (params.module !== null && module !== params.module) {
    issues.push(
      issue(
        'SDF_PARAM_NORMALIZED',
        `${at}/module`,
        `ControlNet preprocessor label "${params.module}" is sent as its module name "${module}"`,
        { severity: 'info' },
      ),
    )
  }
  const family = modelFamily(params.model)
  if (!family || module === 'none' || family.modules.includes(module)) return issues
  const fits = ['none', ...family.modules].map((m) => `"${m}"`).join(', ')
  issues.push(
    issue(
      'SDF_CONTROLNET_MODULE_MISMATCH',
      `${at}/module`,
      `preprocessor "${module}" does not fit the ${family.family} model "${params.model}": ` +
        `ControlNet runs it anyway and the control is wrong; use one of ${fits}`,
      { severity: 'warning' },
    ),
  )
  return issues
}

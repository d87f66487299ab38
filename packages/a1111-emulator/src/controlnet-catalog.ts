/** ControlNet models and preprocessors of the emulated sd-webui-controlnet v1.1.455. */

export const controlNetModels: readonly string[] = [
  'control_v11e_sd15_ip2p [c4bb465c]',
  'control_v11e_sd15_shuffle [526bfdae]',
  'control_v11f1e_sd15_tile [a371b31b]',
  'control_v11f1p_sd15_depth [cfd03158]',
  'control_v11p_sd15_canny [d14c016b]',
  'control_v11p_sd15_inpaint [ebff9138]',
  'control_v11p_sd15_lineart [43d4be0d]',
  'control_v11p_sd15_mlsd [aca30ff0]',
  'control_v11p_sd15_normalbae [316696f1]',
  'control_v11p_sd15_openpose [cab727d4]',
  'control_v11p_sd15_scribble [d4ba51ff]',
  'control_v11p_sd15_seg [e1f51eb9]',
  'control_v11p_sd15_softedge [a8575a2a]',
  'control_v11p_sd15s2_lineart_anime [3825e83e]',
  'control_v1p_sd15_qrcode_monster [a6e58995]',
  'control_v1p_sd15_qrcode_monster_v2 [5e5778cb]',
]

function stem(model: string): string {
  return model.replace(/ \[[0-9a-f]+\]$/, '')
}

/** CN `find_closest_lora_model_name`: exact key, lowercase stem, shortest stem containing it. */
export function findControlNetModel(name: string): string | undefined {
  if (controlNetModels.includes(name)) return name
  const lower = name.toLowerCase()
  const byStem = controlNetModels.find((m) => stem(m).toLowerCase() === lower)
  if (byStem) return byStem
  const containing = controlNetModels
    .filter((m) => stem(m).toLowerCase().includes(lower))
    .sort((a, b) => stem(a).length - stem(b).length)
  return containing[0]
}

/** Preprocessor name → UI label where they differ. */
const labels: Readonly<Record<string, string>> = {
  depth: 'depth_midas',
  lineart: 'lineart_realistic',
  lineart_standard: 'lineart_standard (from white bg & black line)',
  invert: 'invert (from white bg & black line)',
  normal_map: 'normal_midas',
  hed: 'softedge_hed',
  hed_safe: 'softedge_hedsafe',
  pidinet: 'softedge_pidinet',
  pidinet_safe: 'softedge_pidisafe',
  pidinet_scribble: 'scribble_pidinet',
  pidinet_sketch: 't2ia_sketch_pidi',
  color: 't2ia_color_grid',
  clip_vision: 't2ia_style_clipvision',
  segmentation: 'seg_ufade20k',
  oneformer_ade20k: 'seg_ofade20k',
  oneformer_coco: 'seg_ofcoco',
  anime_face_segment: 'seg_anime_face',
  inpaint: 'inpaint_global_harmonious',
  'ip-adapter_clip_sd15': 'ip-adapter_clip_h',
  'ip-adapter_clip_sdxl': 'ip-adapter_clip_g',
  densepose: 'densepose (pruple bg & purple torso)',
  densepose_parula: 'densepose_parula (black bg & blue torso)',
}

/** Module names in `module_list` order: `none` first, then by priority. */
export const controlNetModules: readonly string[] = [
  'none',
  'canny',
  'depth',
  'depth_anything',
  'depth_anything_v2',
  'depth_hand_refiner',
  'depth_leres',
  'depth_leres++',
  'depth_zoe',
  'inpaint',
  'inpaint_only',
  'inpaint_only+lama',
  'invert',
  'lineart',
  'lineart_anime',
  'lineart_anime_denoise',
  'lineart_coarse',
  'lineart_standard',
  'mlsd',
  'normal_map',
  'normal_bae',
  'normal_dsine',
  'openpose',
  'openpose_face',
  'openpose_faceonly',
  'openpose_full',
  'openpose_hand',
  'dw_openpose_full',
  'animal_openpose',
  'hed',
  'hed_safe',
  'pidinet',
  'pidinet_safe',
  'softedge_teed',
  'softedge_anyline',
  'scribble_hed',
  'pidinet_scribble',
  'scribble_xdog',
  'segmentation',
  'oneformer_ade20k',
  'oneformer_coco',
  'anime_face_segment',
  'shuffle',
  'tile_resample',
  'tile_colorfix',
  'tile_colorfix+sharp',
  'blur_gaussian',
  'threshold',
  'color',
  'pidinet_sketch',
  'recolor_intensity',
  'recolor_luminance',
  'reference_only',
  'reference_adain',
  'reference_adain+attn',
  'mediapipe_face',
  'densepose',
  'densepose_parula',
  'clip_vision',
  'revision_clipvision',
  'revision_ignore_prompt',
  'ip-adapter_clip_sd15',
  'ip-adapter_clip_sdxl',
  'ip-adapter_clip_sdxl_plus_vith',
  'ip-adapter_face_id',
  'ip-adapter_face_id_plus',
  'ip-adapter_pulid',
  'ip-adapter-auto',
  'instant_id_face_embedding',
  'instant_id_face_keypoints',
  'facexlib',
  'mobile_sam',
]

export function moduleLabel(name: string): string {
  return labels[name] ?? name
}

/** Accepts a preprocessor name or its UI label; returns the name. */
export function resolveModule(nameOrLabel: string): string | undefined {
  if (controlNetModules.includes(nameOrLabel)) return nameOrLabel
  return controlNetModules.find((m) => labels[m] === nameOrLabel)
}

export interface Slider {
  name: string
  value: number
  min: number
  max: number
  step: number
}

export interface ModuleDetail {
  model_free: boolean
  sliders: Slider[]
}

const resolution: Slider = { name: 'Resolution', value: 512, min: 64, max: 2048, step: 8 }
const modelFree = new Set(['reference_only', 'reference_adain', 'reference_adain+attn'])
/** Modules that produce no image (tensors or embeddings). */
export const unsupportedForDetect = new Set([
  'clip_vision',
  'revision_clipvision',
  'revision_ignore_prompt',
  'ip-adapter-auto',
])
export const needsMask = new Set(['inpaint', 'inpaint_only', 'inpaint_only+lama'])

const specialSliders: Readonly<Record<string, Slider[]>> = {
  none: [],
  canny: [
    resolution,
    { name: 'Low Threshold', value: 100, min: 1, max: 255, step: 1 },
    { name: 'High Threshold', value: 200, min: 1, max: 255, step: 1 },
  ],
  threshold: [
    resolution,
    { name: 'Binarization Threshold', value: 127, min: 0, max: 255, step: 1 },
  ],
  blur_gaussian: [resolution, { name: 'Sigma', value: 9, min: 0.01, max: 64, step: 0.01 }],
  tile_resample: [{ name: 'Down Sampling Rate', value: 1, min: 1, max: 8, step: 0.01 }],
  inpaint: [],
  inpaint_only: [],
  'inpaint_only+lama': [],
}

export function moduleDetail(name: string): ModuleDetail {
  return {
    model_free: modelFree.has(name),
    sliders: specialSliders[name] ?? [resolution],
  }
}

/** Hidden sliders (`none` and friends) are 0..1 with default 0.5. */
const hiddenSlider: Slider = { name: '', value: 0.5, min: 0, max: 1, step: 0.01 }

export interface CorrectedSliders {
  processorRes: number
  thresholdA: number
  thresholdB: number
}

/** CN parse-time correction: values outside a slider's range become its default. */
export function correctSliders(
  module: string,
  processorRes: number,
  thresholdA: number,
  thresholdB: number,
): CorrectedSliders {
  const sliders = specialSliders[module] ?? [resolution]
  const hasRes = sliders[0]?.name === 'Resolution'
  const resSlider = hasRes ? (sliders[0] as Slider) : resolution
  const aSlider = (hasRes ? sliders[1] : sliders[0]) ?? hiddenSlider
  const bSlider = (hasRes ? sliders[2] : sliders[1]) ?? hiddenSlider
  const fix = (v: number, s: Slider): number => (v < s.min || v > s.max ? s.value : v)
  return {
    processorRes: fix(processorRes, resSlider),
    thresholdA: fix(thresholdA, aSlider),
    thresholdB: fix(thresholdB, bSlider),
  }
}

export const controlTypes: readonly { name: string; modules: string[]; pattern: string }[] = [
  { name: 'Canny', modules: ['canny', 'invert'], pattern: 'canny' },
  {
    name: 'Depth',
    modules: ['depth', 'depth_anything', 'depth_leres', 'depth_zoe'],
    pattern: 'depth',
  },
  {
    name: 'Inpaint',
    modules: ['inpaint', 'inpaint_only', 'inpaint_only+lama'],
    pattern: 'inpaint',
  },
  {
    name: 'OpenPose',
    modules: ['openpose', 'openpose_full', 'dw_openpose_full'],
    pattern: 'openpose',
  },
  { name: 'Tile', modules: ['tile_resample', 'tile_colorfix', 'blur_gaussian'], pattern: 'tile' },
  { name: 'QR Code', modules: ['none', 'invert'], pattern: 'qrcode' },
]

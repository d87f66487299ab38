import { httpException } from './api-error.js'

// `controlnet m2m`: ControlNet's selectable script (CN scripts/controlnet_m2m.py); `comments`:
// A1111's always-on script (scripts/comments.py). Clients such as webuiapi look for them.
const SELECTABLE_TXT2IMG = [
  'prompt matrix',
  'prompts from file or textbox',
  'x/y/z plot',
  'controlnet m2m',
]
const SELECTABLE_IMG2IMG = [
  ...SELECTABLE_TXT2IMG,
  'img2img alternative test',
  'loopback',
  'outpainting mk2',
  "poor man's outpainting",
  'sd upscale',
]
const ALWAYS_ON = [
  'comments',
  'controlnet',
  'extra options',
  'hypertile',
  'refiner',
  'sampler',
  'seed',
]
const ALWAYS_ON_IMG2IMG = [...ALWAYS_ON, 'soft inpainting']

export type ScriptTab = 'txt2img' | 'img2img'

export function scriptNames(tab: ScriptTab): string[] {
  return tab === 'txt2img'
    ? [...SELECTABLE_TXT2IMG, ...ALWAYS_ON]
    : [...SELECTABLE_IMG2IMG, ...ALWAYS_ON_IMG2IMG]
}

/**
 * `script_name` and `alwayson_scripts` keys are checked before the job queues (422).
 * Selectable scripts are accepted but have no effect in the emulator.
 */
export function checkScripts(
  tab: ScriptTab,
  scriptName: string | null,
  alwayson: Record<string, unknown> | null,
): void {
  const selectable = tab === 'txt2img' ? SELECTABLE_TXT2IMG : SELECTABLE_IMG2IMG
  const alwaysOn = tab === 'txt2img' ? ALWAYS_ON : ALWAYS_ON_IMG2IMG
  if (scriptName && !selectable.includes(scriptName.toLowerCase())) {
    throw httpException(422, `Script '${scriptName}' not found`)
  }
  for (const key of Object.keys(alwayson ?? {})) {
    const lower = key.toLowerCase()
    if (selectable.includes(lower)) {
      throw httpException(422, 'Cannot have a selectable script in the always on scripts params')
    }
    if (!alwaysOn.includes(lower)) throw httpException(422, `Script '${key}' not found`)
  }
}

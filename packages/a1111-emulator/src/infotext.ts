import { type PyValue, pyStr, quote } from './py-format.js'

/** Keys with a fixed position in the infotext (A1 `create_infotext`). */
const FIXED_KEYS = [
  'Steps',
  'Sampler',
  'Schedule type',
  'CFG scale',
  'Image CFG scale',
  'Seed',
  'Face restoration',
  'Size',
  'Model hash',
  'Model',
  'FP8 weight',
  'Cache FP16 weight for LoRA',
  'VAE hash',
  'VAE',
  'Variation seed',
  'Variation seed strength',
  'Seed resize from',
  'Denoising strength',
  'Conditional mask weight',
  'Clip skip',
  'ENSD',
  'Token merging ratio',
  'Token merging ratio hr',
  'Init image hash',
  'RNG',
  'Tiling',
] as const

export type FixedKey = (typeof FIXED_KEYS)[number]

export interface InfotextParts {
  prompt: string
  negativePrompt: string
  fixed: Partial<Record<FixedKey, PyValue>>
  /** `p.extra_generation_params` in insertion order. */
  extra: ReadonlyArray<readonly [string, PyValue]>
  version: string | null
}

/** Builds the `parameters` text: prompt, negative prompt, then `Key: value` pairs. */
export function createInfotext(parts: InfotextParts): string {
  const params = new Map<string, PyValue>()
  for (const key of FIXED_KEYS) params.set(key, parts.fixed[key] ?? null)
  for (const [k, v] of parts.extra) params.set(k, v)
  params.set('Version', parts.version)
  const text = [...params.entries()]
    .filter(([, v]) => v !== null)
    .map(([k, v]) => {
      const s = pyStr(v)
      return k === s ? k : `${k}: ${quote(s)}`
    })
    .join(', ')
  const negative = parts.negativePrompt ? `\nNegative prompt: ${parts.negativePrompt}` : ''
  return `${parts.prompt}${negative}\n${text}`.trim()
}

const RE_PARAM = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g
const RE_IMAGESIZE = /^(\d+)x(\d+)$/

function findParams(line: string): [string, string][] {
  return [...line.matchAll(RE_PARAM)].map((m) => [m[1] ?? '', m[2] ?? ''])
}

function unquote(text: string): string {
  if (text.length === 0 || text[0] !== '"' || text[text.length - 1] !== '"') return text
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === 'string' ? parsed : text
  } catch {
    return text
  }
}

const DEFAULTS: ReadonlyArray<readonly [string, string | number | boolean]> = [
  ['Clip skip', '1'],
  ['Hires resize-1', 0],
  ['Hires resize-2', 0],
  ['Hires sampler', 'Use same sampler'],
  ['Hires schedule type', 'Use same scheduler'],
  ['Hires checkpoint', 'Use same checkpoint'],
  ['Hires prompt', ''],
  ['Hires negative prompt', ''],
  ['Mask mode', 'Inpaint masked'],
  ['Masked content', 'original'],
  ['Inpaint area', 'Whole picture'],
  ['Masked area padding', 32],
  ['RNG', 'GPU'],
  ['Schedule type', 'Automatic'],
  ['Schedule max sigma', 0],
  ['Schedule min sigma', 0],
  ['Schedule rho', 0],
  ['VAE Encoder', 'Full'],
  ['VAE Decoder', 'Full'],
  ['FP8 weight', 'Disable'],
  ['Emphasis', 'Original'],
  ['Refiner switch by sampling steps', false],
]

/** A1 `parse_generation_parameters` (values stay strings; defaults injected). */
export function parseInfotext(text: string): Record<string, string | number | boolean> {
  const res: Record<string, string | number | boolean> = {}
  const lines = text.trim().split('\n')
  let lastline = lines.pop() ?? ''
  if (findParams(lastline).length < 3) {
    lines.push(lastline)
    lastline = ''
  }
  let prompt = ''
  let negative = ''
  let doneWithPrompt = false
  for (const raw of lines) {
    let line = raw.trim()
    if (line.startsWith('Negative prompt:')) {
      doneWithPrompt = true
      line = line.slice(16).trim()
    }
    if (doneWithPrompt) negative += (negative === '' ? '' : '\n') + line
    else prompt += (prompt === '' ? '' : '\n') + line
  }
  res.Prompt = prompt
  res['Negative prompt'] = negative
  for (const [k, v0] of findParams(lastline)) {
    const v = v0.startsWith('"') && v0.endsWith('"') ? unquote(v0) : v0
    const m = RE_IMAGESIZE.exec(v)
    if (m) {
      res[`${k}-1`] = m[1] ?? ''
      res[`${k}-2`] = m[2] ?? ''
    } else res[k] = v
  }
  for (const [k, v] of DEFAULTS) if (!(k in res)) res[k] = v
  return res
}

import { createNodeRegistry } from '@sdflow/nodes'
import { describe, expect, it } from 'vitest'
import {
  CHOOSE,
  catalogOptions,
  type Field,
  fieldsOf,
  isHeadline,
  parseField,
  shownValue,
} from './schema-controls.js'

const specs = new Map(
  createNodeRegistry()
    .specs()
    .map((s) => [s.type, s]),
)
function fields(type: string): Map<string, Field> {
  const spec = specs.get(type)
  if (!spec) throw new Error(`no ${type}`)
  return new Map(fieldsOf(spec.params).map((f) => [f.key, f]))
}

describe('schema -> controls', () => {
  const txt2img = fields('sd.txt2img')

  it('gives prompts a textarea and shows them on the node', () => {
    const prompt = txt2img.get('prompt')
    expect(prompt?.kind).toBe('textarea')
    expect(prompt && isHeadline(prompt)).toBe(true)
    expect(txt2img.get('steps') && isHeadline(txt2img.get('steps') as Field)).toBe(false)
  })

  it('gives integers a number input with min, max and step 1', () => {
    expect(txt2img.get('steps')).toMatchObject({
      kind: 'number',
      integer: true,
      min: 1,
      max: 1000,
      step: 1,
      default: 50,
    })
  })

  it('gives numbers a fractional step inside their range', () => {
    const denoise = txt2img.get('denoising_strength')
    expect(denoise).toMatchObject({ kind: 'number', integer: false, min: 0, max: 1 })
    expect(denoise?.kind === 'number' && denoise.step).toBeLessThan(1)
  })

  it('gives booleans a checkbox and x-catalog params a catalog select', () => {
    expect(txt2img.get('enable_hr')?.kind).toBe('checkbox')
    expect(txt2img.get('sampler_name')).toMatchObject({ kind: 'catalog', catalog: 'samplers' })
    expect(txt2img.get('checkpoint')).toMatchObject({ kind: 'catalog', catalog: 'checkpoints' })
  })

  it('turns enum and anyOf-const into selects', () => {
    expect(fields('sd.controlnet-unit').get('control_mode')).toMatchObject({
      kind: 'select',
      options: ['Balanced', 'My prompt is more important', 'ControlNet is more important'],
    })
    expect(fields('image.qr-code').get('error_correction')).toMatchObject({
      kind: 'select',
      options: ['L', 'M', 'Q', 'H'],
    })
  })

  it('edits free-form objects as JSON', () => {
    expect(txt2img.get('override_settings')?.kind).toBe('json')
    const field = txt2img.get('override_settings') as Field
    expect(parseField(field, '{"a":1}')).toEqual({ ok: true, value: { a: 1 } })
    expect(parseField(field, '{').ok).toBe(false)
  })

  it('marks required params without a default as required and shows them on the node', () => {
    const model = fields('sd.controlnet-unit').get('model') as Field
    expect(model.required).toBe(true)
    expect(isHeadline(model)).toBe(true)
  })

  it('shows the default until the node sets a value', () => {
    const steps = txt2img.get('steps') as Field
    expect(shownValue(steps, {})).toBe(50)
    expect(shownValue(steps, { steps: 20 })).toBe(20)
  })

  it('keeps the current value selectable when the catalog lacks it', () => {
    const sampler = txt2img.get('sampler_name') as Field & { kind: 'catalog' }
    const { options, selected } = catalogOptions(sampler, ['Euler', 'DPM++ 2M'], 'Old sampler')
    expect(options.map((o) => o.value)).toEqual(['Euler', 'DPM++ 2M', 'Old sampler'])
    expect(options.at(-1)?.label).toContain('not in catalog')
    expect(selected).toBe('Old sampler')
  })

  it('shows a name the backends take as the catalog entry it means, unmarked', () => {
    const scheduler = txt2img.get('scheduler') as Field & { kind: 'catalog' }
    const match = (name: string) =>
      name === 'Karras' ? { known: true, entry: 'karras' } : { known: false }
    const shown = catalogOptions(scheduler, ['automatic', 'karras'], 'Karras', match)
    expect(shown.selected).toBe('karras')
    expect(shown.options.map((o) => o.label).join()).not.toContain('not in catalog')
    // taken, but no one entry (an old-style "<sampler> <scheduler>" name): itself, unmarked
    const sampler = txt2img.get('sampler_name') as Field & { kind: 'catalog' }
    const combo = catalogOptions(sampler, ['Euler'], 'Euler Karras', () => ({ known: true }))
    expect(combo.selected).toBe('Euler Karras')
    expect(combo.options.at(-1)?.label).toBe('Euler Karras')
  })

  it('starts an unset select without a default on an empty "choose..." option', () => {
    const model = fields('sd.controlnet-unit').get('model') as Field & { kind: 'catalog' }
    expect(model.default).toBeUndefined()
    const { options, selected } = catalogOptions(model, ['a [1]', 'b [2]'], undefined)
    expect(selected).toBe('')
    expect(options[0]).toEqual({ value: '', label: CHOOSE })
    expect(options.map((o) => o.value)).toEqual(['', 'a [1]', 'b [2]'])
  })

  it('parses numbers within bounds and refuses the rest', () => {
    const steps = txt2img.get('steps') as Field
    expect(parseField(steps, '20')).toEqual({ ok: true, value: 20 })
    expect(parseField(steps, '2.5').ok).toBe(false)
    expect(parseField(steps, '0').ok).toBe(false)
    expect(parseField(steps, '').ok).toBe(false)
    expect(parseField(txt2img.get('enable_hr') as Field, true)).toEqual({ ok: true, value: true })
  })
})

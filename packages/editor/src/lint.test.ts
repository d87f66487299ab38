import { createNodeRegistry } from '@sdflow/nodes'
import { describe, expect, it } from 'vitest'
import { documentToGraph } from './document.js'
import { indexIssues, targetOf } from './issues.js'
import { type BackendInfo, inCatalog, lintGraph } from './lint.js'

const specs = new Map(
  createNodeRegistry()
    .specs()
    .map((s) => [s.type, s]),
)
const backends: BackendInfo[] = [
  {
    id: 'emu',
    catalog: {
      samplers: ['DPM++ 2M', 'Euler'],
      schedulers: ['karras', 'automatic'],
      schedulerAliases: ['Karras', 'karras'],
      checkpoints: ['v1-5.safetensors [6ce0161689]'],
      upscalers: ['Lanczos'],
      latentUpscaleModes: ['Latent'],
      controlnetModels: ['control_v11p_sd15_canny [d14c016b]'],
    },
  },
]

describe('editor-side checks', () => {
  it('accepts names by alias, without their hash, and old sampler+scheduler names', () => {
    expect(inCatalog(backends, 'samplers', 'DPM++ 2M Karras')).toBe(true)
    expect(inCatalog(backends, 'samplers', 'DPM++ 2M Karass')).toBe(false)
    expect(inCatalog(backends, 'schedulers', 'Karras')).toBe(true)
    expect(inCatalog(backends, 'controlnetModels', 'control_v11p_sd15_canny')).toBe(true)
    expect(inCatalog(backends, 'upscalers', 'Latent')).toBe(true)
    expect(inCatalog([], 'samplers', 'anything')).toBe(true)
  })

  it('points at the param of an unknown sampler and at a required input left open', () => {
    const graph = documentToGraph({
      format: 'sdflow.workflow/1',
      name: 'bad',
      nodes: {
        gen: { type: 'sd.txt2img', params: { sampler_name: 'DPM++ 2M Karass' } },
        up: { type: 'sd.upscale' },
      },
    })
    const issues = lintGraph(graph, specs, backends)
    expect(issues.map((i) => [i.code, i.pointer])).toEqual([
      ['SDF_CATALOG_UNKNOWN_NAME', '/nodes/gen/params/sampler_name'],
      ['SDF_INPUT_REQUIRED', '/nodes/up/inputs/image'],
    ])
  })

  it('flags out-of-range params, unknown types and links between incompatible sockets', () => {
    const graph = documentToGraph({
      format: 'sdflow.workflow/1',
      name: 'bad',
      nodes: {
        gen: { type: 'sd.txt2img', params: { steps: 500 } },
        what: { type: 'sd.nothing' },
        save: { type: 'image.save', inputs: { image: { node: 'gen', output: 'seeds' } } },
      },
    })
    const codes = lintGraph(graph, specs, backends).map((i) => `${i.code} ${i.pointer}`)
    expect(codes).toEqual([
      'SDF_PARAM_OUT_OF_RANGE /nodes/gen/params/steps',
      'SDF_NODE_UNKNOWN_TYPE /nodes/what/type',
      'SDF_LINK_KIND_MISMATCH /nodes/save/inputs/image',
    ])
  })

  it('files issues under their node and field by JSON pointer', () => {
    expect(targetOf('/nodes/gen/params/steps')).toEqual({
      node: 'gen',
      field: { kind: 'params', name: 'steps' },
    })
    expect(targetOf('/nodes/a~1b/inputs/image/0')).toEqual({
      node: 'a/b',
      field: { kind: 'inputs', name: 'image' },
    })
    const index = indexIssues([
      { code: 'SDF_GRAPH_CYCLE', pointer: '/nodes/a', message: 'cycle', severity: 'error' },
      { code: 'SDF_DOC_SHAPE', pointer: '/name', message: 'name', severity: 'error' },
    ])
    expect(index.byNode.get('a')).toHaveLength(1)
    expect(index.general).toHaveLength(1)
  })
})

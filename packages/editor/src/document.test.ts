import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createNodeRegistry } from '@sdflow/nodes'
import type { WorkflowDocument } from '@sdflow/protocol'
import { describe, expect, it } from 'vitest'
import {
  documentToGraph,
  fragmentOf,
  freshNodeId,
  graphToDocument,
  hasPositions,
  parseFragment,
  pastedGraph,
} from './document.js'

const root = join(import.meta.dirname, '../../..')
const specs = new Map(
  createNodeRegistry()
    .specs()
    .map((s) => [s.type, s]),
)
const isMulti = (type: string, input: string) => specs.get(type)?.inputs[input]?.multi ?? false

function load(path: string): WorkflowDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as WorkflowDocument
}

const examples = readdirSync(join(root, 'workflows')).filter((f) => f.endsWith('.json'))

describe('document <-> graph', () => {
  it.each(examples)('round-trips workflows/%s keeping nodes, params, links and ui', (file) => {
    const doc = load(join(root, 'workflows', file))
    const back = graphToDocument(documentToGraph(doc), isMulti)
    expect(back).toEqual(doc)
  })

  it('keeps the order of the links of a multi input', () => {
    const doc: WorkflowDocument = {
      format: 'sdflow.workflow/1',
      name: 'two-units',
      nodes: {
        a: { type: 'sd.controlnet-unit', params: { model: 'm' }, ui: { x: 0, y: 0 } },
        b: { type: 'sd.controlnet-unit', params: { model: 'm' }, ui: { x: 0, y: 200 } },
        gen: {
          type: 'sd.txt2img',
          inputs: {
            controlnet: [
              { node: 'b', output: 'unit' },
              { node: 'a', output: 'unit' },
            ],
          },
          ui: { x: 300, y: 0 },
        },
      },
    }
    expect(graphToDocument(documentToGraph(doc), isMulti)).toEqual(doc)
  })

  it('places nodes without a position on a grid and writes their position', () => {
    const doc: WorkflowDocument = {
      format: 'sdflow.workflow/1',
      name: 'bare',
      nodes: { a: { type: 'image.qr-code' }, b: { type: 'image.qr-code', ui: { note: 'x' } } },
    }
    expect(hasPositions(doc)).toBe(false)
    const graph = documentToGraph(doc)
    expect(graph.nodes.map((n) => n.position)).toEqual([
      { x: 0, y: 0 },
      { x: 300, y: 0 },
    ])
    const back = graphToDocument(graph, isMulti)
    expect(back.nodes.b?.ui).toEqual({ note: 'x', x: 300, y: 0 })
    expect(hasPositions(back)).toBe(true)
  })

  it('keeps the node type version a node was written for', () => {
    const doc: WorkflowDocument = {
      format: 'sdflow.workflow/1',
      name: 'v',
      nodes: {
        a: { type: 'image.qr-code', version: 3, params: { text: 'x' }, ui: { x: 0, y: 0 } },
      },
    }
    expect(graphToDocument(documentToGraph(doc), isMulti)).toEqual(doc)
  })

  it('writes no inputs for a node whose links are gone', () => {
    const graph = documentToGraph(load(join(root, 'workflows', 'txt2img-refine-upscale.json')))
    graph.nodes = graph.nodes.filter((n) => n.id !== 'refine')
    graph.links = graph.links.filter((l) => l.source !== 'refine' && l.target !== 'refine')
    const doc = graphToDocument(graph, isMulti)
    expect(Object.keys(doc.nodes)).toEqual(['gen', 'upscale', 'save'])
    expect(doc.nodes.upscale?.inputs).toBeUndefined()
  })

  it('makes node ids from the type that match the id pattern and do not clash', () => {
    expect(freshNodeId('sd.txt2img', new Set())).toBe('txt2img')
    expect(freshNodeId('sd.txt2img', new Set(['txt2img', 'txt2img_2']))).toBe('txt2img_3')
    expect(freshNodeId('x.3d-thing', new Set())).toMatch(/^[A-Za-z_][A-Za-z0-9_.-]*$/)
  })
})

describe('copy and paste', () => {
  const doc = {
    format: 'sdflow.workflow/1',
    name: 'w',
    nodes: {
      gen: { type: 'sd.txt2img', params: { prompt: 'fox' }, ui: { x: 100, y: 50 } },
      save: {
        type: 'image.save',
        bypass: true,
        inputs: { image: { node: 'gen', output: 'image' } },
        ui: { x: 400, y: 80 },
      },
      other: { type: 'image.qr-code', ui: { x: 0, y: 0 } },
    },
  } as WorkflowDocument
  const single = () => false

  it('copies the chosen nodes with the links among them, bypass kept', () => {
    const copied = fragmentOf(documentToGraph(doc), new Set(['gen', 'save']), single)
    expect(Object.keys(copied.nodes)).toEqual(['gen', 'save'])
    expect(copied.nodes.save).toMatchObject({ bypass: true, inputs: { image: { node: 'gen' } } })
    expect(parseFragment(JSON.stringify(copied))).toEqual(copied)
    expect(parseFragment('not json')).toBeUndefined()
  })

  it('pastes under fresh ids where taken, links renamed, moved to the spot', () => {
    const copied = fragmentOf(documentToGraph(doc), new Set(['gen', 'save']), single)
    const { nodes, links } = pastedGraph(copied, new Set(['gen', 'save', 'other']), {
      x: 10,
      y: 20,
    })
    expect(nodes.map((n) => [n.id, n.position])).toEqual([
      ['txt2img', { x: 10, y: 20 }],
      ['save_2', { x: 310, y: 50 }],
    ])
    expect(links).toEqual([
      { source: 'txt2img', output: 'image', target: 'save_2', input: 'image' },
    ])
  })
})

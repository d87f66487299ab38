import { canConnect, type Issue, type NodeSpec, pointer } from '@sdflow/protocol'
import type { Graph } from './document.js'
import { fieldsOf, shownValue } from './schema-controls.js'

/** One backend's catalog: lists of names by key (samplers, checkpoints, ...). */
export type Catalog = Record<string, unknown>

export interface BackendInfo {
  id: string
  url?: string
  health?: string
  busy?: number
  slots?: number
  catalog?: Catalog
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []

/** Names of one catalog key over every backend (for `backends`: the backend ids). */
export function catalogNames(backends: readonly BackendInfo[], key: string): string[] {
  if (key === 'backends') return backends.map((b) => b.id)
  const names = new Set<string>()
  for (const b of backends) for (const n of strings(b.catalog?.[key])) names.add(n)
  return [...names]
}

const stripHash = (name: string) => name.replace(/\s*\[[0-9a-f]+\]$/i, '')

/**
 * Whether a catalog value is known to some backend: by name, alias, name without its
 * `[hash]`, and for samplers the old "sampler scheduler" names. Unknown keys pass.
 */
export function inCatalog(backends: readonly BackendInfo[], key: string, value: string): boolean {
  if (backends.length === 0) return true
  if (key !== 'backends' && !backends.some((b) => Array.isArray(b.catalog?.[key]))) return true
  const singular = key.endsWith('s') ? key.slice(0, -1) : key
  const known = new Set([
    ...catalogNames(backends, key),
    ...catalogNames(backends, `${singular}Aliases`),
  ])
  if (key === 'upscalers')
    for (const n of catalogNames(backends, 'latentUpscaleModes')) known.add(n)
  if (known.has(value)) return true
  const bare = stripHash(value)
  if ([...known].some((k) => stripHash(k) === bare)) return true
  if (key === 'samplers') {
    const schedulers = [
      ...catalogNames(backends, 'schedulers'),
      ...catalogNames(backends, 'schedulerAliases'),
    ]
    return schedulers.some(
      (s) => value.endsWith(` ${s}`) && known.has(value.slice(0, -s.length - 1)),
    )
  }
  return false
}

/**
 * What the editor can tell before any run: unknown types, missing required inputs, links
 * between incompatible sockets, out-of-range params, names no backend has. The server
 * remains the judge; its issues replace these once it answers.
 */
export function lintGraph(
  graph: Graph,
  specs: ReadonlyMap<string, NodeSpec>,
  backends: readonly BackendInfo[],
): Issue[] {
  const issues: Issue[] = []
  const add = (code: Issue['code'], at: string, message: string, warning = false) =>
    issues.push({ code, pointer: at, message, severity: warning ? 'warning' : 'error' })
  const byId = new Map(graph.nodes.map((n) => [n.id, n]))
  for (const node of graph.nodes) {
    const spec = specs.get(node.type)
    if (!spec) {
      add('SDF_NODE_UNKNOWN_TYPE', pointer('nodes', node.id, 'type'), `unknown type ${node.type}`)
      continue
    }
    for (const [name, input] of Object.entries(spec.inputs)) {
      const linked = graph.links.some((l) => l.target === node.id && l.input === name)
      if (!linked && !input.optional) {
        add('SDF_INPUT_REQUIRED', pointer('nodes', node.id, 'inputs', name), `${name} needs a link`)
      }
    }
    for (const field of fieldsOf(spec.params)) {
      const at = pointer('nodes', node.id, 'params', field.key)
      const value = shownValue(field, node.params)
      if (value === undefined) {
        if (field.required) add('SDF_PARAM_MISSING', at, `${field.key} is required`)
        continue
      }
      if (field.kind === 'number' && typeof value === 'number') {
        if (field.min !== undefined && value < field.min) {
          add('SDF_PARAM_OUT_OF_RANGE', at, `${field.key} must be >= ${field.min}`)
        } else if (field.max !== undefined && value > field.max) {
          add('SDF_PARAM_OUT_OF_RANGE', at, `${field.key} must be <= ${field.max}`)
        }
      } else if (field.kind === 'select' && !field.options.includes(value as never)) {
        add('SDF_PARAM_INVALID', at, `${field.key} must be one of ${field.options.join(', ')}`)
      } else if (field.kind === 'catalog' && typeof value === 'string' && value !== '') {
        // defaults are the node's own choice; only names the document sets are checked
        if (!(field.key in node.params)) continue
        if (!inCatalog(backends, field.catalog, value)) {
          add(
            'SDF_CATALOG_UNKNOWN_NAME',
            at,
            `"${value}" is not in the ${field.catalog} of any backend`,
            true,
          )
        }
      } else if (field.kind === 'text' && typeof value === 'string') {
        if (field.minLength !== undefined && value.length < field.minLength) {
          add('SDF_PARAM_INVALID', at, `${field.key} must not be empty`)
        }
      }
    }
  }
  for (const link of graph.links) {
    const source = byId.get(link.source)
    const target = byId.get(link.target)
    const from = source && specs.get(source.type)?.outputs[link.output]
    const to = target && specs.get(target.type)?.inputs[link.input]
    const at = pointer('nodes', link.target, 'inputs', link.input)
    if (!source) add('SDF_LINK_MISSING_NODE', at, `no node ${link.source}`)
    else if (!from && specs.has(source.type)) {
      add('SDF_LINK_MISSING_OUTPUT', at, `${link.source} has no output ${link.output}`)
    } else if (from && to) {
      const verdict = canConnect(from.kind, to.kind)
      if (!verdict.ok) add('SDF_LINK_KIND_MISMATCH', at, verdict.reason)
    }
  }
  return issues
}

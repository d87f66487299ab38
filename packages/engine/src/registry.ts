import type { InputSpec, NodeSpec, OutputSpec } from '@sdflow/protocol'
import type { ValidateFunction } from 'ajv'
import { type AnyNode, inputDecl, outputKind } from './define-node.js'
import { compileParams } from './params.js'

export interface RegisteredNode<S = unknown> {
  definition: AnyNode<S>
  spec: NodeSpec
  /** The params validator, compiled on first use and kept. */
  readonly validateParams: ValidateFunction
}

export interface Registry<S = unknown> {
  get(type: string): RegisteredNode<S> | undefined
  types(): string[]
  specs(): NodeSpec[]
}

/**
 * Node types by id. Each params schema is compiled once, when a workflow first uses the type,
 * so a command that touches three node types does not pay for compiling thirty.
 */
export function createRegistry<S>(nodes: readonly AnyNode<S>[]): Registry<S> {
  const byType = new Map<string, RegisteredNode<S>>()
  for (const definition of nodes) {
    if (byType.has(definition.type)) throw new Error(`node type ${definition.type} defined twice`)
    let compiled: ValidateFunction | undefined
    byType.set(definition.type, {
      definition,
      spec: toSpec(definition),
      get validateParams() {
        compiled ??= compileParams(definition.params)
        return compiled
      },
    })
  }
  return {
    get: (type) => byType.get(type),
    types: () => [...byType.keys()].sort(),
    specs: () => [...byType.values()].map((n) => n.spec),
  }
}

export function toSpec(node: AnyNode<never> | AnyNode<unknown>): NodeSpec {
  const inputs: Record<string, InputSpec> = {}
  for (const [name, shape] of Object.entries(node.inputs)) inputs[name] = inputDecl(shape)
  const outputs: Record<string, OutputSpec> = {}
  for (const [name, shape] of Object.entries(node.outputs)) {
    const description = typeof shape === 'string' ? undefined : shape.description
    outputs[name] = description
      ? { kind: outputKind(shape), description }
      : { kind: outputKind(shape) }
  }
  return {
    type: node.type,
    version: node.version,
    title: node.title,
    category: node.category,
    description: node.description,
    params: structuredClone(node.params) as unknown as Record<string, unknown>,
    inputs,
    outputs,
    resource: node.resource ?? 'cpu',
    isOutput: node.isOutput ?? false,
  }
}

import type { SocketKind } from './socket.js'

/** Where a node's work runs; the engine bounds concurrency per resource. */
export const Resource = { Cpu: 'cpu', Backend: 'backend' } as const
export type Resource = (typeof Resource)[keyof typeof Resource]

export interface InputSpec {
  kind: SocketKind
  /** Takes a list of links (ControlNet units). */
  multi: boolean
  optional: boolean
  description?: string
}

export interface OutputSpec {
  kind: SocketKind
  description?: string
}

/** A node type as data: what the server serves and the editor builds its nodes from. */
export interface NodeSpec {
  type: string
  version: number
  title: string
  category: string
  description: string
  /** JSON Schema of the params object (defaults included). */
  params: Record<string, unknown>
  inputs: Record<string, InputSpec>
  outputs: Record<string, OutputSpec>
  resource: Resource
  /** Runs even when no workflow output depends on it (image.save). */
  isOutput: boolean
}

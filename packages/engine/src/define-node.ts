import type {
  ControlNetUnit,
  ImageRef,
  Issue,
  NodeOutputs,
  Resource,
  SocketKind,
  WorkflowDocument,
} from '@sdflow/protocol'
import type { Static, TObject } from 'typebox'
import type { ArtifactStore } from './artifact-store.js'
import type { Logger } from './logger.js'

/** An input declared as a bare kind is required and takes one link. */
export interface InputDecl<K extends SocketKind = SocketKind> {
  kind: K
  optional?: boolean
  multi?: boolean
  description?: string
}
export type InputShape = SocketKind | InputDecl
export type OutputShape = SocketKind | { kind: SocketKind; description?: string }

export const optional = <K extends SocketKind>(kind: K, description?: string) =>
  ({ kind, optional: true, description }) as const
export const multi = <K extends SocketKind>(kind: K, description?: string) =>
  ({ kind, multi: true, optional: true, description }) as const

export type SocketValue<K extends SocketKind> = K extends 'image' | 'mask'
  ? ImageRef[]
  : K extends 'controlnet'
    ? ControlNetUnit
    : K extends 'string'
      ? string
      : K extends 'number' | 'integer'
        ? number
        : boolean

type KindOf<S> = S extends SocketKind
  ? S
  : S extends { kind: infer K extends SocketKind }
    ? K
    : never

type InputValue<S> = S extends { multi: true }
  ? SocketValue<KindOf<S>>[]
  : S extends { optional: true }
    ? SocketValue<KindOf<S>> | undefined
    : SocketValue<KindOf<S>>

export type InputValues<I extends Record<string, InputShape>> = {
  [K in keyof I]: InputValue<I[K]>
}
export type OutputValues<O extends Record<string, OutputShape>> = {
  [K in keyof O]: SocketValue<KindOf<O[K]>>
}

export interface ProgressUpdate {
  step: number
  total: number
  /** Seconds left, when the worker knows. */
  eta?: number
  /** A live preview already in the artifact store. */
  preview?: ImageRef
  message?: string
}

export interface RetryNotice {
  attempt: number
  delayMs: number
  issue: Issue
  backend?: string
}

/** Where files may be read from and written to. */
export interface FileRoots {
  input: string
  output: string
}

/** A finished node upstream of the running one, for provenance. */
export interface UpstreamNode {
  nodeId: string
  type: string
  outputs: NodeOutputs
  backend?: string
  meta?: Record<string, unknown>
  /** Links between this node and the running one (1 = a direct input). */
  distance: number
}

export interface NodeContext<P, I, S> {
  runId: string
  nodeId: string
  params: P
  inputs: I
  signal: AbortSignal
  artifacts: ArtifactStore
  roots: FileRoots
  services: S
  log: Logger
  progress(update: ProgressUpdate): void
  retrying(notice: RetryNotice): void
  /** The backend that does (or now does, after failover) this node's work. */
  useBackend(id: string): void
  /** A file this node wrote, reported in node.finished and the run result. */
  wrote(path: string): void
  /** Record facts about this node's work (seeds, infotexts, GPU time); kept with its result. */
  annotate(meta: Record<string, unknown>): void
  /** The workflow being run and the values of its declared inputs. */
  run: { workflow: WorkflowDocument; inputs: Record<string, unknown> }
  /** Every finished node this one depends on, nearest first. */
  upstream(): UpstreamNode[]
}

export interface NodeDefinition<
  P extends TObject = TObject,
  I extends Record<string, InputShape> = Record<string, InputShape>,
  O extends Record<string, OutputShape> = Record<string, OutputShape>,
  S = unknown,
> {
  type: string
  version: number
  title: string
  category: string
  description: string
  params: P
  inputs: I
  outputs: O
  resource?: Resource
  /** Runs even when no workflow output depends on it. */
  isOutput?: boolean
  /** True when these params give a different result each run (seed -1): never cached. */
  nondeterministic?(params: Static<P>): boolean
  /**
   * Params written for version `from` (absent from a document: 1) as version `from + 1` expects
   * them. Pure; called once per step until the node type's current version.
   */
  migrate?(from: number, params: Record<string, unknown>): Record<string, unknown>
  /**
   * Checks that need the services (backend catalogs): run by validate when the engine has
   * them. `at` is the pointer of the node's params; `linked` names the inputs a link feeds, for
   * a node whose operation depends on them (an optional init image makes it img2img).
   */
  check?(params: Static<P>, services: S, at: string, linked: readonly string[]): Issue[]
  execute(ctx: NodeContext<Static<P>, InputValues<I>, S>): Promise<OutputValues<O>>
}

/** The shape the engine handles: node types erased to their common form. */
export interface AnyNode<S = unknown> {
  type: string
  version: number
  title: string
  category: string
  description: string
  params: TObject
  inputs: Record<string, InputShape>
  outputs: Record<string, OutputShape>
  resource?: Resource
  isOutput?: boolean
  // `never`: every node type's params and inputs fit here; the engine checks them (ajv,
  // validate) before the single call site in execute.ts
  nondeterministic?(params: never): boolean
  migrate?(from: number, params: Record<string, unknown>): Record<string, unknown>
  check?(params: never, services: S, at: string, linked: readonly string[]): Issue[]
  execute(ctx: NodeContext<never, never, S>): Promise<NodeOutputs>
}

/** Identity with inference: params, inputs and outputs are typed from the declaration. */
export function defineNode<
  P extends TObject,
  I extends Record<string, InputShape>,
  O extends Record<string, OutputShape>,
  S = unknown,
>(definition: NodeDefinition<P, I, O, S>): NodeDefinition<P, I, O, S> {
  return definition
}

/** A defineNode bound to the services a package's nodes receive (backends, ...). */
export function nodeDefiner<S>() {
  return <
    P extends TObject,
    I extends Record<string, InputShape>,
    O extends Record<string, OutputShape>,
  >(
    definition: NodeDefinition<P, I, O, S>,
  ): NodeDefinition<P, I, O, S> => definition
}

export function inputDecl(shape: InputShape): Required<Omit<InputDecl, 'description'>> & {
  description?: string
} {
  if (typeof shape === 'string') return { kind: shape, optional: false, multi: false }
  const out = { kind: shape.kind, optional: shape.optional ?? false, multi: shape.multi ?? false }
  return shape.description ? { ...out, description: shape.description } : out
}

export function outputKind(shape: OutputShape): SocketKind {
  return typeof shape === 'string' ? shape : shape.kind
}

import { type Static, Type } from 'typebox'

export const WORKFLOW_FORMAT = 'sdflow.workflow/1'

const Id = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,127}$' })

export const Link = Type.Object(
  {
    node: Type.String({ minLength: 1, description: 'id of the node that produces the value' }),
    output: Type.String({ minLength: 1, description: 'name of that node output' }),
  },
  { additionalProperties: false },
)
export type Link = Static<typeof Link>

export const NodeInstance = Type.Object(
  {
    type: Type.String({ minLength: 1, description: 'node type id, e.g. sd.txt2img' }),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'the node type version its params were written for (absent: 1)',
      }),
    ),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    inputs: Type.Optional(
      Type.Record(Type.String(), Type.Union([Link, Type.Array(Link)]), {
        description: 'input name -> one link, or a list of links for a multi input',
      }),
    ),
    bypass: Type.Optional(
      Type.Boolean({
        description:
          'true: the node does not execute; each output passes on its first input of a kind that can connect to it',
      }),
    ),
    ui: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'editor state' })),
  },
  { additionalProperties: false },
)
export type NodeInstance = Static<typeof NodeInstance>

export const WorkflowInput = Type.Object(
  {
    node: Type.String({ minLength: 1 }),
    param: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
export type WorkflowInput = Static<typeof WorkflowInput>

export const WorkflowOutput = Type.Object(
  {
    node: Type.String({ minLength: 1 }),
    output: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
export type WorkflowOutput = Static<typeof WorkflowOutput>

export const WorkflowDocument = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    format: Type.Literal(WORKFLOW_FORMAT),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    description: Type.Optional(Type.String()),
    inputs: Type.Optional(
      Type.Record(Id, WorkflowInput, {
        description: 'input name -> node param it sets',
        additionalProperties: false,
      }),
    ),
    outputs: Type.Optional(
      Type.Record(Id, WorkflowOutput, {
        description: 'output name -> node output it reads',
        additionalProperties: false,
      }),
    ),
    nodes: Type.Record(Id, NodeInstance, {
      description: 'node id -> node',
      additionalProperties: false,
    }),
  },
  {
    $id: 'https://sdflow.dev/schema/workflow-1.json',
    title: 'sdflow workflow, format 1',
    additionalProperties: false,
  },
)
export type WorkflowDocument = Static<typeof WorkflowDocument>

/** The links of one input, whether it holds one link or a list. */
export function linksOf(value: Link | Link[] | undefined): Link[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

import { WorkflowDocument } from './workflow.js'

/** The published JSON Schema of the workflow format, as committed in docs/. */
export function workflowJsonSchema(): string {
  const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...WorkflowDocument }
  return `${JSON.stringify(schema, null, 2)}\n`
}

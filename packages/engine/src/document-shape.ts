import { type Issue, issue, WORKFLOW_FORMAT, WorkflowDocument } from '@sdflow/protocol'
import { ajvIssues, compileSchema } from './params.js'

// compiled on first use: `sdflow nodes` loads this module and never validates
let passes: ReturnType<typeof compileSchema> | undefined
let reports: ReturnType<typeof compileSchema> | undefined

/** What is wrong with a document's shape, against the workflow schema (SDF_DOC_SHAPE). */
export function documentShape(input: unknown): Issue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [issue('SDF_DOC_SHAPE', '', 'a workflow must be a JSON object')]
  }
  if ('format' in input && input.format !== WORKFLOW_FORMAT) {
    return [
      issue(
        'SDF_DOC_SHAPE',
        '/format',
        `unsupported format ${JSON.stringify(input.format)}; this sdflow reads "${WORKFLOW_FORMAT}"`,
      ),
    ]
  }
  // whether a document is valid does not depend on the order of an anyOf's branches, only
  // what ajv spends does: it builds an error for each branch it tries before the one that
  // matches, and most inputs of a big workflow are lists. A document is first checked against
  // a copy of the schema that tries lists first; only one that fails is checked against the
  // schema itself, whose errors (in their order) are the ones reported
  passes ??= compileSchema(shapeSchemas().passes)
  if (passes(input)) return []
  reports ??= compileSchema(shapeSchemas().reports)
  reports(input)
  return ajvIssues(reports.errors ?? [], '', 'SDF_DOC_SHAPE').map((found) =>
    badId.test(found.pointer)
      ? {
          ...found,
          message: `"${found.pointer.split('/')[2]}" is not a valid id: use letters, digits, _ . and - (starting with a letter or _)`,
        }
      : found,
  )
}

/** The two schemas a document's shape is checked with (the CLI bundle precompiles both). */
export function shapeSchemas(): { passes: object; reports: object } {
  return { passes: listsFirst(WorkflowDocument), reports: WorkflowDocument }
}

const badId = /^\/(nodes|inputs|outputs)\/[^/]+$/

/** A copy of a JSON schema, without its $id, whose every anyOf lists its array branches first. */
function listsFirst(schema: object): object {
  const copy = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>
  delete copy.$id
  const stack: unknown[] = [copy]
  while (stack.length > 0) {
    const at = stack.pop()
    if (Array.isArray(at)) stack.push(...at)
    else if (at && typeof at === 'object') {
      const record = at as Record<string, unknown>
      if (Array.isArray(record.anyOf)) {
        const isList = (branch: unknown) =>
          typeof branch === 'object' &&
          branch !== null &&
          'type' in branch &&
          branch.type === 'array'
        record.anyOf = [...record.anyOf.filter(isList), ...record.anyOf.filter((b) => !isList(b))]
      }
      stack.push(...Object.values(record))
    }
  }
  return copy
}

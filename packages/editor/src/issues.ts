import type { Issue } from '@sdflow/protocol'

/** Where an issue points: a node, one of its params or inputs, or the document as a whole. */
export type IssueTarget =
  | { node: string; field?: { kind: 'params' | 'inputs'; name: string } }
  | { node?: undefined }

function unescapeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~')
}

export function targetOf(pointer: string): IssueTarget {
  const tokens = pointer.split('/').slice(1).map(unescapeToken)
  if (tokens[0] !== 'nodes' || tokens[1] === undefined) return {}
  const node = tokens[1]
  const kind = tokens[2]
  const name = tokens[3]
  if ((kind === 'params' || kind === 'inputs') && name !== undefined) {
    return { node, field: { kind, name } }
  }
  return { node }
}

export interface IssueIndex {
  /** Issues per node id (including those of its fields). */
  byNode: Map<string, Issue[]>
  /** Issues not tied to a node. */
  general: Issue[]
}

export function indexIssues(issues: readonly Issue[]): IssueIndex {
  const byNode = new Map<string, Issue[]>()
  const general: Issue[] = []
  for (const issue of issues) {
    const target = targetOf(issue.pointer)
    if (target.node === undefined) {
      general.push(issue)
      continue
    }
    const list = byNode.get(target.node) ?? []
    list.push(issue)
    byNode.set(target.node, list)
  }
  return { byNode, general }
}

/** The issues of one param or input of a node. */
export function fieldIssues(
  issues: readonly Issue[] | undefined,
  kind: 'params' | 'inputs',
  name: string,
): Issue[] {
  return (issues ?? []).filter((i) => {
    const t = targetOf(i.pointer)
    return t.node !== undefined && t.field?.kind === kind && t.field.name === name
  })
}

/** The field name an issue points at, for display (`params/steps`), or '' for the node. */
export function fieldLabel(issue: Issue): string {
  const t = targetOf(issue.pointer)
  return t.node !== undefined && t.field ? `${t.field.kind}/${t.field.name}` : ''
}

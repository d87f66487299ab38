import { type Issue, issue } from '@sdflow/protocol'
import type { RegisteredNode } from './registry.js'

/**
 * A node's params brought to its type's current version, one `migrate` step at a time. A
 * document without `version` was written for version 1.
 */
export function migrateParams<S>(
  node: RegisteredNode<S>,
  written: number | undefined,
  params: Record<string, unknown> | undefined,
  at: string,
): { params: Record<string, unknown> | undefined; issues: Issue[] } {
  const { version: current, type } = node.spec
  let from = written ?? 1
  if (from === current) return { params, issues: [] }
  if (from > current) {
    return {
      params,
      issues: [
        issue(
          'SDF_NODE_UNSUPPORTED_VERSION',
          `${at}/version`,
          `node written for ${type} version ${from}; this sdflow knows version ${current}: update sdflow`,
        ),
      ],
    }
  }
  const { migrate } = node.definition
  if (!migrate) {
    return {
      params,
      issues: [
        issue(
          'SDF_NODE_UNSUPPORTED_VERSION',
          `${at}/version`,
          `${type} cannot read params of version ${from} (current ${current}); re-create the node`,
        ),
      ],
    }
  }
  let migrated = structuredClone(params ?? {})
  for (; from < current; from++) migrated = migrate(from, migrated)
  return { params: migrated, issues: [] }
}

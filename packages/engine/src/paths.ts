import { existsSync, realpathSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { fail } from '@sdflow/protocol'

/**
 * Resolve `path` (relative) under `root` and prove it stays there, symlinks included:
 * the deepest existing ancestor is resolved with realpath and must lie under the real root.
 */
export function resolveUnder(root: string, path: string, pointer = ''): string {
  if (path.includes('\0'))
    throw fail('SDF_PATH_OUTSIDE_ROOT', 'the path contains a NUL byte', { pointer })
  if (isAbsolute(path)) {
    throw fail('SDF_PATH_OUTSIDE_ROOT', `"${path}" is absolute; give a path relative to ${root}`, {
      pointer,
    })
  }
  const realRoot = existsSync(root) ? realpathSync(root) : resolve(root)
  const target = resolve(realRoot, path)
  if (!inside(realRoot, target)) {
    throw fail('SDF_PATH_OUTSIDE_ROOT', `"${path}" leads outside ${root}`, { pointer })
  }
  let existing = target
  while (!existsSync(existing) && existing !== realRoot) existing = dirname(existing)
  // a root that does not exist yet holds no links; it is created by whoever writes there
  if (existsSync(existing) && !inside(realRoot, realpathSync(existing))) {
    throw fail(
      'SDF_PATH_OUTSIDE_ROOT',
      `"${path}" goes through a link that leads outside ${root}`,
      {
        pointer,
      },
    )
  }
  return target
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

import { fail, SdflowError } from '@sdflow/protocol'

const fullCodes = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL'])
const unusable: Record<string, string> = {
  EISDIR: 'is a directory where a file belongs',
  ENOTDIR: 'lies under something that is not a directory',
  EACCES: 'cannot be opened: permission denied',
  EPERM: 'cannot be opened: operation not permitted',
  EROFS: 'is on a read-only file system',
}

const codeOf = (error: unknown) =>
  error && typeof error === 'object' && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined

/** The disk is full (ENOSPC, a quota, SQLite's "database or disk is full"). */
export function isDiskFull(error: unknown): boolean {
  if (error instanceof SdflowError) return error.code === 'SDF_STORAGE_FULL'
  return fullCodes.has(codeOf(error) ?? '')
}

/**
 * A file system error met while writing under `folder` (or reading `path`), as the stable code a
 * user can act on: SDF_STORAGE_FULL naming the folder, SDF_STORAGE_UNUSABLE naming the path.
 * Anything else is returned unchanged.
 */
export function storageError(error: unknown, folder: string, path = folder): unknown {
  if (error instanceof SdflowError) return error
  const code = codeOf(error) ?? ''
  if (fullCodes.has(code)) {
    return fail('SDF_STORAGE_FULL', `no space left on the disk of ${folder} (${code})`, {
      cause: error,
      details: { folder },
    })
  }
  const why = unusable[code]
  if (why) {
    return fail('SDF_STORAGE_UNUSABLE', `${path} ${why} (${code})`, {
      cause: error,
      details: { path },
    })
  }
  return error
}

import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import { storageError } from '@sdflow/engine'
import Database from 'better-sqlite3'

/** A run store that could not be opened was moved aside; a fresh one took its place. */
export interface DamagedStore {
  file: string
  /** Where the damaged file (and its -wal, -shm) went. */
  movedTo: string
  reason: string
}

const damageCodes = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB'])

class Damaged extends Error {}

/**
 * Open (or create) the SQLite file in WAL mode, checked with `quick_check`. A damaged file
 * (truncated, not a database, failing the check) is moved aside as `<file>.damaged-<time>`
 * with its -wal and -shm, reported through `onDamaged`, and a fresh store is started: the
 * server comes up instead of stopping on "database disk image is malformed". Other errors
 * (a full disk, no permission) are thrown with the stable code naming the path.
 */
export function openDatabase(
  file: string,
  onDamaged: (damaged: DamagedStore) => void,
): Database.Database {
  const folder = file === ':memory:' ? '.' : dirname(file)
  try {
    if (file !== ':memory:') mkdirSync(folder, { recursive: true })
    return tryOpen(file)
  } catch (error) {
    const damaged =
      error instanceof Damaged || damageCodes.has((error as { code?: string }).code ?? '')
    if (!damaged || file === ':memory:') throw storageError(error, folder, file)
    const movedTo = `${file}.damaged-${new Date().toISOString().replaceAll(':', '-')}`
    try {
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix)
      }
      const db = tryOpen(file)
      onDamaged({ file, movedTo, reason: (error as Error).message })
      return db
    } catch (again) {
      throw storageError(again, folder, file)
    }
  }
}

function tryOpen(file: string): Database.Database {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    const check = db.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new Damaged(`quick_check: ${String(check)}`)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

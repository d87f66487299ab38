import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveUnder } from '@sdflow/engine'
import { fail } from '@sdflow/protocol'

/** The repository's example workflows, seen from src/ or dist/ of this package. */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../../workflows/', import.meta.url))

/** The examples folder to use by default: EXAMPLES_DIR when it exists. */
export function defaultExamplesDir(): string | undefined {
  return existsSync(EXAMPLES_DIR) ? EXAMPLES_DIR.replace(/[\\/]$/, '') : undefined
}

export const WORKFLOW_NAME = '^[A-Za-z0-9._-]{1,128}$'
const namePattern = new RegExp(WORKFLOW_NAME)

export interface WorkflowEntry {
  name: string
  /** `user`: in the user folder (writable); `example`: shipped with sdflow, read-only. */
  source: WorkflowSource
  description?: string
  /** ISO 8601 modification time. */
  mtime: string
  size: number
  etag: string
}

export type WorkflowSource = 'user' | 'example'

export interface WorkflowFile {
  bytes: Buffer
  etag: string
  source: WorkflowSource
}

/** A strong ETag: the content's sha256. */
export function etagOf(bytes: Buffer | string): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`
}

/** If-Match / If-None-Match lists: `*`, or ETags separated by commas (weak ones never match). */
export function etagListMatches(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') return etag !== undefined
  if (etag === undefined) return false
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === etag)
}

export interface Preconditions {
  ifMatch?: string
  ifNoneMatch?: string
}

/**
 * Workflows as `<name>.json` files: the user's in `root` (every write atomic: temp file +
 * rename) and the shipped examples in `examplesRoot`, read-only. A user file hides an example of
 * the same name, but none can be created through this class.
 */
export class WorkflowFiles {
  private readonly locks = new Map<string, Promise<unknown>>()
  readonly examplesRoot: string | undefined

  constructor(
    readonly root: string,
    examplesRoot?: string,
  ) {
    this.examplesRoot = examplesRoot === root ? undefined : examplesRoot
  }

  /** The file of a name, checked under the root. */
  fileOf(name: string): string {
    if (!namePattern.test(name) || name === '.' || name === '..') {
      throw fail(
        'SDF_SERVER_REQUEST_INVALID',
        `"${name}" is not a workflow name: use 1 to 128 of A-Z a-z 0-9 . _ - (not "." or "..")`,
        { pointer: '/params/name' },
      )
    }
    return resolveUnder(this.root, `${name}.json`, '/params/name')
  }

  /** The user's workflows, then the examples they do not hide; each sorted by name. */
  async list(): Promise<WorkflowEntry[]> {
    const user = await listFolder(this.root, 'user')
    if (!this.examplesRoot) return user
    const taken = new Set(user.map((e) => e.name))
    const examples = await listFolder(this.examplesRoot, 'example')
    return [...user, ...examples.filter((e) => !taken.has(e.name))]
  }

  async read(name: string): Promise<WorkflowFile> {
    const found = (await readIfThere(this.fileOf(name), 'user')) ?? (await this.readExample(name))
    if (found === undefined) {
      throw fail('SDF_SERVER_NOT_FOUND', `no workflow "${name}"`, { pointer: '/params/name' })
    }
    return found
  }

  private async readExample(name: string): Promise<WorkflowFile | undefined> {
    if (!this.examplesRoot) return undefined
    const file = resolveUnder(this.examplesRoot, `${name}.json`, '/params/name')
    return readIfThere(file, 'example')
  }

  /** Refuse to write or remove a name that only the examples have. */
  private async guardExample(name: string, existing: string | undefined): Promise<void> {
    if (existing !== undefined || !(await this.readExample(name))) return
    throw fail(
      'SDF_SERVER_READ_ONLY',
      `"${name}" is a shipped example and read-only: save it under another name`,
      { pointer: '/params/name' },
    )
  }

  private async current(file: string): Promise<string | undefined> {
    try {
      return etagOf(await readFile(file))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  /** Write after checking the preconditions, one writer per name at a time. */
  write(
    name: string,
    bytes: Buffer,
    pre: Preconditions,
  ): Promise<{ etag: string; created: boolean }> {
    const file = this.fileOf(name)
    return this.serial(name, async () => {
      const existing = await this.current(file)
      await this.guardExample(name, existing)
      check(name, existing, pre)
      await mkdir(this.root, { recursive: true })
      const temp = join(this.root, `.${name}.${randomBytes(6).toString('hex')}.tmp`)
      try {
        await writeFile(temp, bytes, { flag: 'wx' })
        await rename(temp, file)
      } catch (error) {
        await rm(temp, { force: true })
        throw error
      }
      return { etag: etagOf(bytes), created: existing === undefined }
    })
  }

  remove(name: string, pre: Preconditions): Promise<void> {
    const file = this.fileOf(name)
    return this.serial(name, async () => {
      const existing = await this.current(file)
      await this.guardExample(name, existing)
      if (existing === undefined) {
        throw fail('SDF_SERVER_NOT_FOUND', `no workflow "${name}"`, { pointer: '/params/name' })
      }
      check(name, existing, pre)
      await rm(file)
    })
  }

  private serial<T>(name: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(name) ?? Promise.resolve()
    const next = before.then(work, work)
    const settled = next.catch(() => {})
    this.locks.set(name, settled)
    void settled.then(() => {
      if (this.locks.get(name) === settled) this.locks.delete(name)
    })
    return next
  }
}

function check(name: string, existing: string | undefined, pre: Preconditions): void {
  if (pre.ifMatch !== undefined && !etagListMatches(pre.ifMatch, existing)) {
    throw fail(
      'SDF_SERVER_PRECONDITION_FAILED',
      existing === undefined
        ? `workflow "${name}" does not exist (If-Match: ${pre.ifMatch})`
        : `workflow "${name}" changed: its ETag is ${existing}, not ${pre.ifMatch}`,
      { pointer: '/headers/if-match', details: existing ? { etag: existing } : {} },
    )
  }
  if (pre.ifNoneMatch !== undefined && etagListMatches(pre.ifNoneMatch, existing)) {
    throw fail('SDF_SERVER_PRECONDITION_FAILED', `workflow "${name}" already exists`, {
      pointer: '/headers/if-none-match',
      details: existing ? { etag: existing } : {},
    })
  }
}

function describe(bytes: Buffer): string | undefined {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { description?: unknown }
    return typeof doc.description === 'string' ? doc.description : undefined
  } catch {
    return undefined
  }
}

async function listFolder(root: string, source: WorkflowSource): Promise<WorkflowEntry[]> {
  let names: string[]
  try {
    names = await readdir(root)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const out: WorkflowEntry[] = []
  for (const file of names.sort()) {
    if (!file.endsWith('.json')) continue
    const name = file.slice(0, -'.json'.length)
    if (!namePattern.test(name) || name === '.' || name === '..') continue
    try {
      // a link that leads outside the folder is not one of its workflows (read refuses it too)
      const path = resolveUnder(root, file)
      const info = await stat(path)
      if (!info.isFile()) continue
      const bytes = await readFile(path)
      const entry: WorkflowEntry = {
        name,
        source,
        mtime: info.mtime.toISOString(),
        size: info.size,
        etag: etagOf(bytes),
      }
      const description = describe(bytes)
      if (description !== undefined) entry.description = description
      out.push(entry)
    } catch {
      // removed meanwhile, or a link out of the folder
    }
  }
  return out
}

async function readIfThere(
  file: string,
  source: WorkflowSource,
): Promise<WorkflowFile | undefined> {
  try {
    const bytes = await readFile(file)
    return { bytes, etag: etagOf(bytes), source }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

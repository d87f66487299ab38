import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import {
  copyFile,
  link,
  mkdir,
  readdir,
  readFile,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { type ArtifactStore, defineNode, resolveUnder, storageError } from '@sdflow/engine'
import { fail, type ImageRef, Socket, withPngText } from '@sdflow/protocol'
import { Type } from 'typebox'
import { mapBatch } from './map-batch.js'
import { paramPointer } from './param-pointer.js'
import { infotextFor, provenanceOf } from './provenance.js'

export const imageSave = defineNode({
  type: 'image.save',
  version: 1,
  title: 'Save image',
  category: 'image',
  description:
    'Writes each image of the batch as a PNG under the output folder, as prefix-00001.png, prefix-00002.png, ..., never overwriting a file. Each file carries the A1111 `parameters` text of the generation that made it and an `sdflow` chunk with the workflow and inputs (for `sdflow inspect` and `sdflow run FILE.png`).',
  params: Type.Object({
    folder: Type.String({
      default: '',
      description: 'folder relative to the output folder ("" = the output folder itself)',
    }),
    prefix: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
      default: 'sdflow',
      description: 'start of each file name: letters, digits, ".", "_" and "-"',
    }),
    metadata: Type.Boolean({
      default: true,
      description:
        'embed the infotext (`parameters`) and the workflow with its inputs (`sdflow`) as PNG text',
    }),
  }),
  inputs: { image: Socket.Image },
  outputs: { image: Socket.Image },
  resource: 'cpu',
  isOutput: true,
  async execute({ params, inputs, nodeId, roots, artifacts, signal, wrote, run, upstream }) {
    const at = paramPointer(nodeId, 'folder')
    // the output root itself is configuration, not user input: make sure it exists
    await mkdir(roots.output, { recursive: true })
    await mkdir(resolveUnder(roots.output, params.folder, at), { recursive: true })
    // check again now that the folders exist: a link swapped in meanwhile is caught here
    const folder = resolveUnder(roots.output, params.folder, at)
    const existing = (await readdir(folder)).filter((name) => ownName(params.prefix, name))
    let next = firstFreeNumber(existing, params.prefix)
    const texts = params.metadata ? textsFor(run, upstream()) : undefined
    await mapBatch(inputs.image, signal, async (ref, index) => {
      const png = await pngBytes(artifacts, ref)
      const bytes = texts ? Buffer.from(withPngText(png, texts(index, inputs.image.length))) : png
      const same = await sameFile(folder, existing, bytes)
      if (same) return wrote(same)
      const saved = await saveUnique(folder, params.prefix, next, bytes, signal).catch(
        (error: unknown) => {
          throw storageError(error, roots.output)
        },
      )
      next = saved.number + 1
      wrote(saved.path)
    })
    return { image: inputs.image }
  },
})

/** The text chunks of image `index`: the upstream infotext (replacing any already there), provenance. */
function textsFor(
  run: Parameters<typeof provenanceOf>[0],
  upstream: Parameters<typeof provenanceOf>[1],
): (index: number, batch: number) => { parameters?: string; sdflow: string } {
  const sdflow = JSON.stringify(provenanceOf(run, upstream))
  const infotext = infotextFor(upstream)
  return (index, batch) => {
    const parameters = infotext(index, batch)
    return parameters ? { parameters, sdflow } : { sdflow }
  }
}

async function pngBytes(artifacts: ArtifactStore, ref: ImageRef): Promise<Buffer> {
  if (ref.mime === 'image/png') return artifacts.read(ref)
  return (await artifacts.decode(ref)).png().toBuffer()
}

const fileName = (prefix: string, n: number) => `${prefix}-${String(n).padStart(5, '0')}.png`

const numberOf = (prefix: string, name: string) =>
  name.startsWith(`${prefix}-`) && /^\d{5,}\.png$/.test(name.slice(prefix.length + 1))
    ? Number(name.slice(prefix.length + 1, -4))
    : undefined
const ownName = (prefix: string, name: string) => numberOf(prefix, name) !== undefined

/** One past the highest number already used with this prefix (a hint; linking decides). */
function firstFreeNumber(names: readonly string[], prefix: string): number {
  return Math.max(0, ...names.map((name) => numberOf(prefix, name) ?? 0)) + 1
}

/**
 * A file of this prefix that already holds exactly these bytes: the same image with the same
 * provenance, as when a save re-runs after a crash between writing and recording. It is reused,
 * never written twice. Only files of the same size are read.
 */
async function sameFile(
  folder: string,
  names: readonly string[],
  bytes: Buffer,
): Promise<string | undefined> {
  for (const name of names) {
    const path = join(folder, name)
    const info = await stat(path).catch(() => undefined)
    if (info?.size !== bytes.length) continue
    if ((await readFile(path)).equals(bytes)) return path
  }
  return undefined
}

/**
 * Write the whole file under a temporary name, then give it the first free final name with
 * link(2), which fails when the name exists: two writers can never take the same name, and a
 * final name never shows a partial file. The temporary file is always removed.
 */
async function saveUnique(
  folder: string,
  prefix: string,
  from: number,
  bytes: Buffer,
  signal: AbortSignal,
): Promise<{ path: string; number: number }> {
  const temp = join(folder, `.${prefix}.${randomBytes(8).toString('hex')}.tmp`)
  try {
    await writeFile(temp, bytes, { flag: 'wx', signal })
    for (let n = from; ; n++) {
      signal.throwIfAborted()
      const path = join(folder, fileName(prefix, n))
      if (await claim(temp, path)) return { path, number: n }
    }
  } finally {
    await unlink(temp).catch(() => {})
  }
}

/** Give `temp`'s content the name `path` unless it is taken. */
async function claim(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error
  }
  // a file system without hard links: an exclusive copy still never overwrites
  try {
    await copyFile(temp, path, constants.COPYFILE_EXCL)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    await rm(path, { force: true })
    throw fail('SDF_NODE_FAILED', `cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

import { open, readdir, readFile, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { closest } from '@sdflow/engine'
import { type Provenance, parseProvenance } from '@sdflow/nodes'
import { fail, isPng, readPngText, SdflowError } from '@sdflow/protocol'
import { excerpt, jsonSyntaxError, lineAt } from './json-syntax.js'

/** Largest workflow file read (JSON); bigger ones are refused before reading. */
export const MAX_WORKFLOW_BYTES = 64 * 1024 * 1024

/**
 * Read a workflow file; a JSON syntax error becomes SDF_DOC_PARSE with its position. A PNG
 * saved by image.save gives the workflow embedded in its `sdflow` chunk.
 */
export async function loadWorkflow(file: string): Promise<unknown> {
  return (await loadRunnable(file)).doc
}

/** A workflow and the inputs to run it with: none for JSON, the recorded ones for a PNG. */
export async function loadRunnable(
  file: string,
): Promise<{ doc: unknown; inputs: Record<string, unknown>; from: 'json' | 'png' }> {
  const bytes = await readBytes(file, true)
  if (isPng(bytes)) {
    const { provenance } = pngChunks(file, bytes)
    return { doc: provenance.workflow, inputs: provenance.inputs, from: 'png' }
  }
  return {
    doc: parseJson(file, bytes.toString('utf8').replace(/^\uFEFF/, '')),
    inputs: {},
    from: 'json',
  }
}

/** JSON.parse, with a syntax error reported as SDF_DOC_PARSE at `file:line:column`. */
export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const found = jsonSyntaxError(text) ?? {
      offset: text.length,
      message: (error as Error).message,
    }
    const where = lineAt(text, found.offset)
    throw fail(
      'SDF_DOC_PARSE',
      `${file}:${where.line}:${where.column}: not valid JSON: ${found.message}\n${excerpt(where)}`,
      { details: { line: where.line, column: where.column } },
    )
  }
}

/** The text chunks of a PNG and its sdflow provenance; SDF_ codes when either is missing. */
export async function readPngProvenance(
  file: string,
): Promise<{ texts: Record<string, string>; provenance: Provenance }> {
  const bytes = await readBytes(file)
  if (!isPng(bytes)) throw fail('SDF_IMAGE_INVALID', `${file} is not a PNG file`)
  return pngChunks(file, bytes)
}

function pngChunks(file: string, bytes: Buffer) {
  const texts = readPngText(bytes)
  const provenance = parseProvenance(texts.sdflow)
  if (!provenance) {
    throw fail(
      'SDF_PROVENANCE_MISSING',
      `${file} carries no sdflow chunk: it was not saved by sdflow's image.save (or with metadata false)`,
    )
  }
  return { texts, provenance }
}

async function readBytes(file: string, limited = false): Promise<Buffer> {
  try {
    if (limited) {
      const { size } = await stat(file)
      if (size > MAX_WORKFLOW_BYTES && !(await startsAsPng(file))) {
        throw fail(
          'SDF_DOC_TOO_LARGE',
          `${file} is ${mib(size)}; workflow files are limited to ${mib(MAX_WORKFLOW_BYTES)}. Put big images in files under the input folder and load them with image.load "path" instead of "base64"`,
          { details: { size, limit: MAX_WORKFLOW_BYTES } },
        )
      }
    }
    return await readFile(file)
  } catch (error) {
    if (error instanceof SdflowError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') throw fail('SDF_PATH_NOT_FOUND', `${file}: ${code}`)
    throw fail('SDF_PATH_NOT_FOUND', `${file}: no such file${await nearFiles(file)}`)
  }
}

/** "; did you mean ..." with the closest names beside `file` and in ./workflows. */
async function nearFiles(file: string): Promise<string> {
  const list = async (dir: string) => {
    try {
      return (await readdir(dir)).filter((name) => /\.(json|png)$/i.test(name))
    } catch {
      return []
    }
  }
  const dir = dirname(file)
  const beside = (await list(dir)).map((name) => (dir === '.' ? name : join(dir, name)))
  const examples = dir === '.' ? (await list('workflows')).map((n) => join('workflows', n)) : []
  // compared without extensions, so "qr-code.json" does not suggest "biome.json"
  const stem = (path: string) => basename(path).replace(/\.(json|png)$/i, '')
  const byStem = new Map([...beside, ...examples].map((path) => [stem(path), path]))
  const near = closest(stem(file), [...byStem.keys()], 2).map((n) => `"${byStem.get(n)}"`)
  return near.length > 0 ? `; did you mean ${near.join(' or ')}?` : ''
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** A PNG (a picture saved by image.save) is not held to the JSON limit. */
async function startsAsPng(file: string): Promise<boolean> {
  const handle = await open(file)
  try {
    const head = Buffer.alloc(8)
    await handle.read(head, 0, 8, 0)
    return isPng(head)
  } finally {
    await handle.close()
  }
}

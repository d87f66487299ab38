import { open, readFile, stat } from 'node:fs/promises'
import { type Provenance, parseProvenance } from '@sdflow/nodes'
import { fail, isPng, readPngText, SdflowError } from '@sdflow/protocol'

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
  try {
    return { doc: JSON.parse(bytes.toString('utf8')), inputs: {}, from: 'json' }
  } catch (error) {
    throw fail('SDF_DOC_PARSE', `${file} is not valid JSON: ${(error as Error).message}`)
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
    throw fail(
      'SDF_PATH_NOT_FOUND',
      code === 'ENOENT' ? `${file}: no such file` : `${file}: ${code}`,
    )
  }
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

import { readFile } from 'node:fs/promises'
import { type Provenance, parseProvenance } from '@sdflow/nodes'
import { fail, isPng, readPngText } from '@sdflow/protocol'

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
  const bytes = await readBytes(file)
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

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw fail(
      'SDF_PATH_NOT_FOUND',
      code === 'ENOENT' ? `${file}: no such file` : `${file}: ${code}`,
    )
  }
}

import { readFile } from 'node:fs/promises'
import { fail } from '@sdflow/protocol'

/** Read a workflow file; a JSON syntax error becomes SDF_DOC_PARSE with its position. */
export async function loadWorkflow(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw fail(
      'SDF_PATH_NOT_FOUND',
      code === 'ENOENT' ? `${file}: no such file` : `${file}: ${code}`,
    )
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw fail('SDF_DOC_PARSE', `${file} is not valid JSON: ${(error as Error).message}`)
  }
}

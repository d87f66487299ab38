import { isPng, readPngText } from '@sdflow/protocol'

/**
 * The workflow a dropped file holds: a PNG written by sdflow (its `sdflow` text chunk is JSON
 * with a `workflow` field), or a workflow JSON file. Returns undefined when there is none.
 */
export function workflowFromFile(bytes: Uint8Array): unknown {
  if (isPng(bytes)) {
    const text = readPngText(bytes).sdflow
    if (text === undefined) return undefined
    const meta = JSON.parse(text) as unknown
    if (typeof meta === 'object' && meta !== null && 'workflow' in meta) return meta.workflow
    return undefined
  }
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown
}

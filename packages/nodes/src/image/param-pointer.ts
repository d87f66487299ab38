import { pointer } from '@sdflow/protocol'

/** The JSON pointer of one param of a node in the workflow document. */
export const paramPointer = (nodeId: string, param: string): string =>
  pointer('nodes', nodeId, 'params', param)

/** The JSON pointer of one input of a node in the workflow document. */
export const inputPointer = (nodeId: string, input: string): string =>
  pointer('nodes', nodeId, 'inputs', input)

import type { NodeInstance, WorkflowDocument } from '@sdflow/protocol'
import { GATEWAY_NODE } from './to-workflow.js'

type Body = Record<string, unknown>

const num = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback

/**
 * `POST /controlnet/detect` as a one-node workflow (`sd.controlnet-detect`), recorded and routed
 * like the generation calls. Omitted fields take ControlNet's `Body` defaults (module "none",
 * processor_res 512, thresholds 64), as the extension would; processor_res is an int there.
 */
export function detectWorkflow(body: Body, images: string[], masks: string[]): WorkflowDocument {
  const nodes: Record<string, NodeInstance> = {
    images: { type: 'image.artifact', params: { hashes: images } },
  }
  const inputs: NodeInstance['inputs'] = { image: { node: 'images', output: 'image' } }
  if (masks.length > 0) {
    nodes.masks = { type: 'image.artifact', params: { hashes: masks } }
    inputs.mask = { node: 'masks', output: 'mask' }
  }
  nodes[GATEWAY_NODE] = {
    type: 'sd.controlnet-detect',
    params: {
      module: typeof body.controlnet_module === 'string' ? body.controlnet_module : 'none',
      processor_res: Math.trunc(num(body.controlnet_processor_res, 512)),
      threshold_a: num(body.controlnet_threshold_a, 64),
      threshold_b: num(body.controlnet_threshold_b, 64),
    },
    inputs,
  }
  return {
    format: 'sdflow.workflow/1',
    name: 'a1111-controlnet-detect',
    description: 'A1111 API call (controlnet/detect) through sdflow',
    outputs: { image: { node: GATEWAY_NODE, output: 'image' } },
    nodes,
  }
}

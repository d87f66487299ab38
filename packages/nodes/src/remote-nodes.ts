import type { NodeSpec } from '@sdflow/protocol'

/**
 * CPU nodes heavy enough to send to workers in scale-out: decoding a QR code from a large
 * picture takes 100+ ms of a core. Resize, crop, composite and masks stay on the coordinator:
 * a libvips pass is cheaper than moving the image to a worker and back.
 */
export const REMOTE_CPU_NODE_TYPES: readonly string[] = ['image.qr-verify']

/**
 * Whether a node's work goes to a worker when the server coordinates (`sdflow serve --redis`):
 * every backend node (the backends are on the workers, sd.qr-illusion's scans included) and the
 * heavy CPU nodes above. Nodes that touch the coordinator's files (image.load, image.save) never.
 */
export function remoteNodeType(spec: Pick<NodeSpec, 'type' | 'resource'> | undefined): boolean {
  if (!spec) return false
  return spec.resource === 'backend' || REMOTE_CPU_NODE_TYPES.includes(spec.type)
}

import type { Operation } from '@sdflow/a1111'
import { type Issue, issue } from '@sdflow/protocol'
import type { NodeServices } from './services.js'

/**
 * A node whose operation no configured backend offers (img2img on a pool of RunPod worker-a1111
 * endpoints, which run txt2img only) fails validation instead of waiting for a backend that
 * will never come; so does a node pinned to a backend that cannot run it.
 */
export function checkOperation(
  operation: Operation,
  params: { backend?: string },
  services: NodeServices,
  at: string,
): Issue[] {
  const backends = services.backends?.list() ?? []
  if (backends.length === 0) return []
  const runs = (b: (typeof backends)[number]) => b.capabilities.operations.includes(operation)
  const what = (b: (typeof backends)[number]) =>
    `${b.id} runs ${b.capabilities.operations.join(', ')}`
  const pinned = params.backend ? backends.find((b) => b.id === params.backend) : undefined
  if (pinned && !runs(pinned)) {
    return [
      issue(
        'SDF_BACKEND_NONE_AVAILABLE',
        `${at}/backend`,
        `backend ${pinned.id} cannot run ${operation} (${what(pinned)})`,
      ),
    ]
  }
  if (backends.some(runs)) return []
  return [
    issue(
      'SDF_BACKEND_NONE_AVAILABLE',
      at.replace(/\/params$/, ''),
      `no configured backend can run ${operation}: ${backends.map(what).join('; ')}`,
    ),
  ]
}

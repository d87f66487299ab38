/**
 * How deep a JSON value may nest (objects and arrays). A workflow needs about ten levels; past
 * this a document is refused before anything recursive (structuredClone, ajv, a stack-bound
 * walk) sees it, so 2,000 levels in 4 KB answer 400, not a stack overflow.
 */
export const MAX_JSON_DEPTH = 64

/**
 * The pointer of the first value nested deeper than `max`, or undefined when none is. An
 * explicit stack, never recursion: it must not overflow on the input it guards against.
 */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  const stack: { value: unknown; depth: number; at: string }[] = [{ value, depth: 0, at: '' }]
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.value === null || typeof top.value !== 'object') continue
    if (top.depth >= max) return top.at
    const entries = Array.isArray(top.value)
      ? top.value.map((v, i) => [String(i), v] as const)
      : Object.entries(top.value)
    for (const [key, child] of entries) {
      if (child !== null && typeof child === 'object') {
        const token = key.replaceAll('~', '~0').replaceAll('/', '~1')
        stack.push({ value: child, depth: top.depth + 1, at: `${top.at}/${token}` })
      }
    }
  }
  return undefined
}

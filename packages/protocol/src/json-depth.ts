/**
 * How deep a JSON value may nest (objects and arrays). A workflow needs about ten levels; past
 * this a document is refused before anything recursive (structuredClone, ajv, a stack-bound
 * walk) sees it, so 2,000 levels in 4 KB answer 400, not a stack overflow.
 */
export const MAX_JSON_DEPTH = 64

/**
 * The pointer of the first value nested deeper than `max`, or undefined when none is. Never
 * deeper than `max` calls: it must not overflow on the input it guards against. Pointers are
 * only built once a value is known to be too deep (building one for every object of a
 * 10,000-node workflow cost more than the rest of the check).
 */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  return exceeds(value, max) ? locate(value, max) : undefined
}

/** Whether `value` holds an object `left` levels down or deeper; recursion stops there. */
function exceeds(value: unknown, left: number): boolean {
  if (value === null || typeof value !== 'object') return false
  if (left <= 0) return true
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (exceeds(value[i], left - 1)) return true
    return false
  }
  for (const key in value) {
    if (exceeds((value as Record<string, unknown>)[key], left - 1)) return true
  }
  return false
}

/** The pointer of the first object at depth `max`, depth first, with an explicit stack. */
function locate(value: unknown, max: number): string | undefined {
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

/**
 * The cycles of a directed graph: each strongly connected component of two or more nodes, or
 * of one node linked to itself. Tarjan's algorithm with an explicit stack, so a ring of any
 * length cannot overflow the call stack (graphlib's `findCycles` recurses once per node).
 */
export function findCycles(
  ids: Iterable<string>,
  successors: (id: string) => Iterable<string>,
): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const cycles: string[][] = []
  let counter = 0

  for (const root of ids) {
    if (index.has(root)) continue
    const frames: { id: string; next: Iterator<string> }[] = []
    const enter = (id: string) => {
      index.set(id, counter)
      low.set(id, counter)
      counter++
      stack.push(id)
      onStack.add(id)
      frames.push({ id, next: successors(id)[Symbol.iterator]() })
    }
    enter(root)
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as (typeof frames)[number]
      const step = frame.next.next()
      if (!step.done) {
        const to = step.value
        if (!index.has(to)) enter(to)
        else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id) ?? 0, index.get(to) ?? 0))
        }
        continue
      }
      frames.pop()
      const parent = frames[frames.length - 1]
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) ?? 0, low.get(frame.id) ?? 0))
      if (low.get(frame.id) !== index.get(frame.id)) continue
      const component: string[] = []
      for (;;) {
        const member = stack.pop() as string
        onStack.delete(member)
        component.push(member)
        if (member === frame.id) break
      }
      const selfLoop = component.length === 1 && [...successors(frame.id)].includes(frame.id)
      if (component.length > 1 || selfLoop) cycles.push(component)
    }
  }
  return cycles
}

// The minimal executor engine overhead is measured against (issue 16 goal 2): Kahn's order, two
// nodes in flight, an event object per start and finish, no validation, cache or records.
type Doc = {
  nodes: Record<string, { params: { value: number }; inputs: { in?: { node: string }[] } }>
}

export async function runMinimal(doc: Doc, onEvent: (e: object) => void): Promise<void> {
  const ids = Object.keys(doc.nodes)
  const waiting = new Map<string, number>()
  const dependents = new Map<string, string[]>()
  for (const id of ids) {
    const inputs = doc.nodes[id]?.inputs.in ?? []
    waiting.set(id, inputs.length)
    for (const link of inputs) {
      const list = dependents.get(link.node) ?? []
      list.push(id)
      dependents.set(link.node, list)
    }
  }
  const ready = ids.filter((id) => waiting.get(id) === 0)
  const outputs = new Map<string, number>()
  let running = 0
  let done = 0
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (running < 2 && ready.length > 0) {
        const id = ready.pop() as string
        running++
        void execute(id)
      }
      if (done === ids.length) resolve()
    }
    const execute = async (id: string) => {
      const node = doc.nodes[id]
      onEvent({ type: 'node.started', node: id, time: Date.now() })
      const inputs = (node?.inputs.in ?? []).map((l) => outputs.get(l.node) ?? 0)
      const out = await (async () => (node?.params.value ?? 0) + inputs.length)()
      outputs.set(id, out)
      onEvent({ type: 'node.finished', node: id, time: Date.now(), outputs: { out } })
      running--
      done++
      for (const next of dependents.get(id) ?? []) {
        const left = (waiting.get(next) ?? 0) - 1
        waiting.set(next, left)
        if (left === 0) ready.push(next)
      }
      pump()
    }
    pump()
  })
}

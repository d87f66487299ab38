import type { NodeSpec } from '@sdflow/protocol'
import { useMemo, useState } from 'react'
import { socketColour } from '../sockets.js'

/** Node types grouped by category, filtered by a search box; a click adds one. */
export function Palette({ specs, onAdd }: { specs: NodeSpec[]; onAdd(type: string): void }) {
  const [query, setQuery] = useState('')
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase()
    const out = new Map<string, NodeSpec[]>()
    for (const spec of specs) {
      const text = `${spec.title} ${spec.type} ${spec.category} ${spec.description}`.toLowerCase()
      if (q && !text.includes(q)) continue
      const list = out.get(spec.category) ?? []
      list.push(spec)
      out.set(spec.category, list)
    }
    return [...out.entries()]
  }, [specs, query])
  return (
    <aside className="palette" data-testid="palette">
      <input
        type="search"
        placeholder="Search nodes…"
        aria-label="Search nodes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          const first = groups[0]?.[1][0]
          if (e.key === 'Enter' && first) onAdd(first.type)
        }}
      />
      <div className="palette-groups">
        {groups.map(([category, list]) => (
          <section key={category}>
            <h3>{category}</h3>
            {list.map((spec) => (
              <button
                type="button"
                key={spec.type}
                className="palette-item"
                data-type={spec.type}
                title={spec.description}
                onClick={() => onAdd(spec.type)}
              >
                <span className="palette-title">{spec.title}</span>
                <span className="palette-kinds">
                  {Object.values(spec.outputs).map((o, i) => (
                    <span
                      // biome-ignore lint/suspicious/noArrayIndexKey: outputs have a fixed order
                      key={i}
                      className="kind-dot"
                      style={{ background: socketColour(o.kind) }}
                    />
                  ))}
                </span>
              </button>
            ))}
          </section>
        ))}
        {groups.length === 0 ? <p className="muted">No node type matches.</p> : null}
      </div>
    </aside>
  )
}

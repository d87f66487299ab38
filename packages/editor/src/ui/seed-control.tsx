import { useRef } from 'react'
import type { SdNode } from '../editor/schemes.js'
import type { NodeView } from '../run-state.js'
import { SEED_MODE_KEY, SEED_MODES, seedModeOf, usedSeed } from '../seed-mode.js'
import { useStopPointer } from './stop-pointer.js'

const LABELS = { fixed: 'fixed', increment: 'increment', randomize: 'randomize' } as const

/**
 * On a generation node: what the seed does after each run, the seed the last run used, and a
 * button that makes it the node's seed (to keep a picture one liked).
 */
export function SeedControl({ node, run }: { node: SdNode; run: NodeView }) {
  const box = useRef<HTMLDivElement>(null)
  useStopPointer(box)
  const mode = seedModeOf(node.ui)
  const used = usedSeed(run)
  return (
    <div className="sd-node-seed" ref={box}>
      <label>
        seed after run{' '}
        <select
          data-testid="seed-mode"
          value={mode}
          onChange={(e) =>
            node.env.setUi(
              node.id,
              SEED_MODE_KEY,
              e.target.value === 'fixed' ? undefined : e.target.value,
            )
          }
        >
          {SEED_MODES.map((m) => (
            <option key={m} value={m}>
              {LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      {used !== undefined ? (
        <span className="seed-used">
          used <span data-testid="seed-used">{used}</span>
          <button
            type="button"
            data-testid="seed-copy"
            title="Use this seed for the next runs"
            disabled={node.params.seed === used}
            onClick={() => {
              node.env.setParam(node.id, 'seed', used)
            }}
          >
            use
          </button>
        </span>
      ) : null}
    </div>
  )
}

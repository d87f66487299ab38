import { Presets } from 'rete-react-plugin'
import { socketColour } from '../sockets.js'
import type { SdConnection, SdNode } from './schemes.js'

/** A connection drawn in the colour of the kind it carries. */
export function ConnectionView({
  data,
}: {
  data: SdConnection<SdNode, SdNode> & { isLoop?: boolean }
}) {
  const { path } = Presets.classic.useConnection()
  if (!path) return null
  return (
    <svg className="sd-connection" data-testid="connection" data-kind={data.kind}>
      <title>{data.kind ?? 'link'}</title>
      <path d={path} fill="none" stroke={socketColour(data.kind ?? '')} strokeWidth={3} />
    </svg>
  )
}

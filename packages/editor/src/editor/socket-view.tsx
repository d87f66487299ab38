import type { ClassicPreset } from 'rete'
import { socketColour } from '../sockets.js'

/** A socket dot in its kind's colour. */
export function SocketView({ data }: { data: ClassicPreset.Socket }) {
  return (
    <span
      className="sd-socket"
      data-kind={data.name}
      title={data.name}
      style={{ background: socketColour(data.name) }}
    />
  )
}

import type { SocketKind } from '@sdflow/protocol'

/** One colour per socket kind, used by sockets, connections and the legend. */
export const socketColours: Readonly<Record<SocketKind, string>> = {
  image: '#4fa3ff',
  mask: '#c9c9c9',
  controlnet: '#e0a23c',
  string: '#58c27d',
  number: '#b78cf2',
  integer: '#8f6ae0',
  boolean: '#ef6f6c',
}

export function socketColour(kind: string): string {
  return (socketColours as Record<string, string>)[kind] ?? '#888'
}

/** The kinds of value that travel on an edge. Closed set: `Socket.Image`, `Socket.Mask`, ... */
export const Socket = {
  Image: 'image',
  Mask: 'mask',
  ControlNet: 'controlnet',
  String: 'string',
  Number: 'number',
  Integer: 'integer',
  Boolean: 'boolean',
} as const

export type SocketKind = (typeof Socket)[keyof typeof Socket]

export const socketKinds: readonly SocketKind[] = Object.values(Socket)

/** Widenings that lose nothing: every mask is an image, every integer a number. */
const widenings: Readonly<Record<SocketKind, readonly SocketKind[]>> = {
  image: [],
  mask: ['image'],
  controlnet: [],
  string: [],
  number: [],
  integer: ['number'],
  boolean: [],
}

export type ConnectVerdict = { ok: true } | { ok: false; reason: string }

/**
 * The one rule for socket compatibility. The engine's validator and the editor both call it,
 * so a connection the editor accepts is one the engine runs.
 */
export function canConnect(from: SocketKind, to: SocketKind): ConnectVerdict {
  if (from === to || widenings[from].includes(to)) return { ok: true }
  return { ok: false, reason: `an output of kind ${from} cannot feed an input of kind ${to}` }
}

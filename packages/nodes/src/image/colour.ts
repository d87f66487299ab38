import { Type } from 'typebox'

/** A colour param: `#rgb` or `#rrggbb`. */
export const Colour = (fallback: string, description: string) =>
  Type.String({ pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$', default: fallback, description })

export interface Rgb {
  r: number
  g: number
  b: number
}

/** Parse a colour the `Colour` schema accepted. */
export function colour(hex: string): Rgb {
  const digits = hex.slice(1)
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits
  const value = Number.parseInt(full, 16)
  return { r: (value >> 16) & 0xff, g: (value >> 8) & 0xff, b: value & 0xff }
}

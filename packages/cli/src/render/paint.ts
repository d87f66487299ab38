const codes = { dim: 2, red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, bold: 1 } as const

export function paint(enabled: boolean, style: keyof typeof codes, text: string): string {
  return enabled ? `\x1b[${codes[style]}m${text}\x1b[0m` : text
}

/**
 * Where a JSON text first breaks the grammar, and what was expected there. JSON.parse says
 * neither line nor column on Node 20 (and for some errors no position at all), so the text is
 * scanned again, iteratively (nesting depth costs no stack), once parsing has failed.
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  const n = text.length
  const stack: string[] = []
  let i = 0
  let mode: 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'after' = 'value'
  const at = (message: string) => ({ offset: i, message })
  const skipSpace = () => {
    while (i < n && ' \t\n\r'.includes(text[i] as string)) i++
  }
  for (;;) {
    skipSpace()
    if (i >= n) {
      if (mode === 'after' && stack.length === 0) return undefined
      return at(
        stack.length > 0
          ? `unexpected end of file: a '${stack.at(-1)}' is not closed`
          : 'unexpected end of file: expected a value',
      )
    }
    const c = text[i] as string
    if (mode === 'after') {
      const top = stack.at(-1)
      if (top === undefined) return at(`unexpected ${shown(c)} after the end of the JSON value`)
      const close = top === '{' ? '}' : ']'
      if (c === ',') {
        i++
        mode = top === '{' ? 'key' : 'value'
      } else if (c === close) {
        i++
        stack.pop()
      } else {
        return at(`expected ',' or '${close}', found ${shown(c)}`)
      }
      continue
    }
    if (mode === 'key' || mode === 'keyOrClose') {
      if (mode === 'keyOrClose' && c === '}') {
        i++
        stack.pop()
        mode = 'after'
        continue
      }
      if (c !== '"') {
        const hint =
          c === '}' ? ' (a trailing comma?)' : c === "'" ? ' (JSON needs double quotes)' : ''
        return at(`expected a double-quoted property name, found ${shown(c)}${hint}`)
      }
      const broken = scanString()
      if (broken) return broken
      skipSpace()
      if (text[i] !== ':')
        return at(`expected ':' after the property name, found ${shown(text[i])}`)
      i++
      mode = 'value'
      continue
    }
    // a value
    if (mode === 'valueOrClose' && c === ']') {
      i++
      stack.pop()
      mode = 'after'
      continue
    }
    if (c === '{' || c === '[') {
      stack.push(c)
      i++
      mode = c === '{' ? 'keyOrClose' : 'valueOrClose'
      continue
    }
    mode = 'after'
    if (c === '"') {
      const broken = scanString()
      if (broken) return broken
      continue
    }
    number.lastIndex = i
    const num = number.exec(text)
    if (num && num[0].length > 0 && (c === '-' || (c >= '0' && c <= '9'))) {
      i += num[0].length
      continue
    }
    word.lastIndex = i
    const w = word.exec(text)?.[0]
    if (w === 'true' || w === 'false' || w === 'null') {
      i += w.length
      continue
    }
    const hint =
      c === ']' || c === '}' ? ' (a trailing comma?)' : w ? ' (text needs double quotes)' : ''
    return at(`expected a value, found ${w ? `"${w}"` : shown(c)}${hint}`)
  }

  function scanString(): { offset: number; message: string } | undefined {
    const start = i
    i++
    while (i < n) {
      const c = text[i] as string
      if (c === '"') {
        i++
        return undefined
      }
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else return at(`bad escape ${shown(`\\${e ?? ''}`)} in a string`)
        continue
      }
      if (c < ' ') return at(`${shown(c)} inside a string (close the string on its line)`)
      i++
    }
    i = start
    return at('unterminated string')
  }
}

const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const word = /[A-Za-z_$][\w$]*/y

function shown(c: string | undefined): string {
  if (c === undefined) return 'the end of the file'
  if (c === '\n' || c === '\r') return 'a line break'
  if (c === '\t') return 'a tab'
  return `'${c}'`
}

/** 1-based line and column of `offset`, and that line, for `file:line:column` reports. */
export function lineAt(
  text: string,
  offset: number,
): { line: number; column: number; text: string } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const start = before.lastIndexOf('\n') + 1
  const end = text.indexOf('\n', offset)
  const full = text.slice(start, end < 0 ? undefined : end).replace(/\r$/, '')
  return { line, column: offset - start + 1, text: full }
}

/** The offending line with a caret under the column; long lines are cut around it. */
export function excerpt(where: { line: number; column: number; text: string }): string {
  const width = 100
  let from = 0
  if (where.text.length > width)
    from = Math.max(0, Math.min(where.column - 1 - width / 2, where.text.length - width))
  const shownText = where.text.slice(from, from + width)
  const lead = from > 0 ? '…' : ''
  const pad = shownText.slice(0, where.column - 1 - from).replace(/[^\t]/g, ' ')
  const gutter = String(where.line)
  return `  ${gutter} | ${lead}${shownText}\n  ${' '.repeat(gutter.length)} | ${' '.repeat(lead.length)}${pad}^`
}

// User-supplied names (node ids, input and output names, workflow inputs) are keys of plain
// objects; `constructor`, `toString` or `__proto__` must behave as any other name there.

/** `record[key]` only when it is the record's own: never a function from Object.prototype. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

/** An empty record with no prototype: a `__proto__` key is stored as data, not as a prototype. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

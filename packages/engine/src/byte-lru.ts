/** Least-recently-used buffers, bounded by their total size. */
export class ByteLru {
  private readonly entries = new Map<string, Buffer>()
  private bytes = 0

  constructor(private readonly capacity: number) {}

  get(key: string): Buffer | undefined {
    const value = this.entries.get(key)
    if (value) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.capacity) return
    const old = this.entries.get(key)
    if (old) {
      this.bytes -= old.length
      this.entries.delete(key)
    }
    this.entries.set(key, value)
    this.bytes += value.length
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.capacity) break
      this.entries.delete(k)
      this.bytes -= v.length
    }
  }
}

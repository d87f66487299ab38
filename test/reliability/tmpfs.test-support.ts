// Small tmpfs mounts for full-disk cases (root only). Tests skip with a message elsewhere.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const mounted = new Set<string>()

export function mountTmpfs(dir: string, bytes: number): void {
  mkdirSync(dir, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' })
  mounted.add(dir)
}

export function unmount(dir: string): void {
  if (!mounted.has(dir)) return
  execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
  mounted.delete(dir)
}

/** Unmount every mount made here (afterAll). */
export function unmountAll(): void {
  for (const dir of [...mounted]) unmount(dir)
}

/** Whether this process may mount a tmpfs (root, with mount(8)); probed once. */
export const canMountTmpfs: boolean = (() => {
  const probe = mkdtempSync(join(tmpdir(), 'sdflow-tmpfs-probe-'))
  try {
    mountTmpfs(probe, 64 * 1024)
    unmount(probe)
    return true
  } catch {
    return false
  } finally {
    rmSync(probe, { recursive: true, force: true })
  }
})()

export const tmpfsSkipReason =
  'skipped: mounting a tmpfs needs root and mount(8) (the full-disk cases run as root in CI)'

/** Write a filler file until the disk is full; returns its path (remove it to free the space). */
export function fill(dir: string): string {
  const file = join(dir, 'filler.bin')
  const fd = openSync(file, 'a')
  const chunk = Buffer.alloc(64 * 1024, 1)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  }
  // the last few bytes too, so not even a small write fits
  try {
    for (;;) writeSync(fd, Buffer.alloc(512, 1))
  } catch {
    // full
  } finally {
    closeSync(fd)
  }
  return file
}

import { useCallback, useEffect, useRef, useState } from 'react'
import { api, type RunEntry } from '../api.js'
import { watchRuns } from '../runs-socket.js'

/**
 * The server's runs (GET /api/runs), newest first, read while `active` and again whenever
 * any run starts or ends: the history and the gallery show server data, so a reload or a run
 * made elsewhere (the CLI, the A1111 face) shows too.
 */
export function useRuns(active: boolean): {
  runs: RunEntry[] | undefined
  error: string | undefined
  refresh(): void
} {
  const [runs, setRuns] = useState<RunEntry[]>()
  const [error, setError] = useState<string>()
  const reading = useRef<AbortController | undefined>(undefined)
  const refresh = useCallback(() => {
    reading.current?.abort()
    const controller = new AbortController()
    reading.current = controller
    api.runs(50, controller.signal).then(
      (list) => {
        setRuns(list)
        setError(undefined)
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e))
      },
    )
  }, [])
  useEffect(() => {
    if (!active) return
    refresh()
    let timer: ReturnType<typeof setTimeout> | undefined
    const watch = watchRuns(() => {
      clearTimeout(timer)
      timer = setTimeout(refresh, 200)
    })
    return () => {
      clearTimeout(timer)
      watch.close()
      reading.current?.abort()
    }
  }, [active, refresh])
  return { runs, error, refresh }
}

import type { RunEvent, RunSummary } from '@sdflow/protocol'
import type { Output } from '../output.js'
import { formatIssue } from '../output.js'
import { paint } from './paint.js'

type Row = {
  id: string
  type: string
  status: 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'skipped' | 'not run' | 'cancelled'
  detail: string
  step?: number
  total?: number
  eta?: number
}

const symbols: Record<Row['status'], string> = {
  queued: '·',
  running: '▸',
  done: '✓',
  cached: '≡',
  failed: '✗',
  skipped: '-',
  'not run': '○',
  cancelled: '■',
}
const colours: Record<Row['status'], 'dim' | 'cyan' | 'green' | 'blue' | 'red' | 'yellow'> = {
  queued: 'dim',
  running: 'cyan',
  done: 'green',
  cached: 'blue',
  failed: 'red',
  skipped: 'yellow',
  'not run': 'dim',
  cancelled: 'yellow',
}

/**
 * One line per node with its status and, while sampling, a progress bar. On a terminal the
 * block is redrawn in place (at most every 80 ms); in a pipe each change prints one line.
 */
export function liveDisplay(output: Output, nodeTypes: Map<string, string>) {
  const rows = new Map<string, Row>()
  let drawn = 0
  let timer: NodeJS.Timeout | undefined
  const width = Math.max(...[...nodeTypes.keys()].map((id) => id.length), 4)
  const typeWidth = Math.max(...[...nodeTypes.values()].map((t) => t.length), 4)

  const line = (row: Row) => {
    const head = `${paint(output.color, colours[row.status], symbols[row.status])} ${row.id.padEnd(width)}  ${paint(output.color, 'dim', row.type.padEnd(typeWidth))}  `
    if (row.status === 'running' && row.total) {
      const fraction = Math.min(1, (row.step ?? 0) / row.total)
      const filled = Math.round(fraction * 20)
      const bar = `${'█'.repeat(filled)}${'░'.repeat(20 - filled)}`
      const eta = row.eta !== undefined ? ` eta ${row.eta.toFixed(1)}s` : ''
      return `${head}${paint(output.color, 'cyan', bar)} ${row.step}/${row.total}${eta}`
    }
    return `${head}${row.status}${row.detail ? ` ${row.detail}` : ''}`
  }

  const redraw = () => {
    timer = undefined
    if (!output.isTty) return
    const lines = [...rows.values()].map(line)
    const up = drawn > 0 ? `\x1b[${drawn}A` : ''
    process.stdout.write(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`)
    drawn = lines.length
  }
  const schedule = (now = false) => {
    if (!output.isTty) return
    if (now) {
      if (timer) clearTimeout(timer)
      return redraw()
    }
    timer ??= setTimeout(redraw, 80)
  }
  const update = (id: string, change: Partial<Row>, announce: boolean) => {
    const row = rows.get(id)
    if (!row) return
    Object.assign(row, change)
    if (!output.isTty && announce) output.out(line(row))
    schedule()
  }

  return {
    onEvent(event: RunEvent) {
      switch (event.type) {
        case 'run.started':
          for (const id of event.nodes) {
            rows.set(id, { id, type: nodeTypes.get(id) ?? '?', status: 'queued', detail: '' })
          }
          schedule(true)
          break
        case 'node.started':
          update(
            event.nodeId,
            { status: 'running', detail: event.backend ? `on ${event.backend}` : '' },
            true,
          )
          break
        case 'node.progress':
          update(event.nodeId, { step: event.step, total: event.total, eta: event.eta }, false)
          break
        case 'node.retrying':
          update(
            event.nodeId,
            {
              detail: `retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)}s: ${event.issue.message}`,
            },
            true,
          )
          break
        case 'node.cached':
          update(event.nodeId, { status: 'cached', detail: '' }, true)
          break
        case 'node.finished':
          update(
            event.nodeId,
            {
              status: 'done',
              detail: `${ms(event.durationMs)}${event.backend ? ` on ${event.backend}` : ''}`,
            },
            true,
          )
          break
        case 'node.failed':
          update(event.nodeId, { status: 'failed', detail: event.issue.code }, true)
          break
        case 'node.skipped':
          if (event.issue.code === 'SDF_RUN_NOT_PLANNED') {
            const type = nodeTypes.get(event.nodeId) ?? '?'
            rows.set(event.nodeId, { id: event.nodeId, type, status: 'not run', detail: '' })
            update(event.nodeId, { detail: event.issue.message }, true)
          } else update(event.nodeId, { status: 'skipped', detail: '' }, true)
          break
        case 'run.cancelled':
          for (const row of rows.values()) {
            if (row.status === 'queued' || row.status === 'running') row.status = 'cancelled'
          }
          schedule(true)
          break
        default:
          schedule(true)
      }
    },
    close() {
      if (timer) clearTimeout(timer)
      if (output.isTty) redraw()
    },
  }
}

export function summaryLine(summary: RunSummary): string {
  const parts = [`${summary.ran} ran`, `${summary.cached} cached`, `${summary.failed} failed`]
  if (summary.skipped) parts.push(`${summary.skipped} skipped`)
  if (summary.notPlanned) parts.push(`${summary.notPlanned} not run`)
  const nodes = summary.planned + (summary.notPlanned ?? 0)
  return `${nodes} nodes: ${parts.join(', ')} in ${ms(summary.durationMs)}`
}

function ms(value: number): string {
  return value < 1000 ? `${value}ms` : `${(value / 1000).toFixed(1)}s`
}

export { formatIssue }

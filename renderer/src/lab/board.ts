/** The board's status (CAPS, health, run) and the deploy state, kept current from the main side's pushes. */
import { reactive } from 'vue'
import type { BoardOutput, BoardStatus, DeployHistoryRow, DeployProgress, PendingConfirm } from '../../../common/contract/schemas'
import { lab } from './lab'

export const board = reactive({
  status: null as BoardStatus | null,
  output: null as BoardOutput | null,
  progress: null as DeployProgress | null,
  pending: null as PendingConfirm | null,
  history: [] as DeployHistoryRow[],
  busy: false,
  error: null as string | null,
})

function refresh(): void {
  void lab.request('board.status', {}).then((s) => (board.status = s))
  void lab.request('deploy.pending', {}).then((p) => (board.pending = p))
  void loadHistory()
}

export async function loadHistory(): Promise<void> {
  board.history = await lab.request('deploy.history', { limit: 50 })
}

lab.on('board.status', (s) => (board.status = s))
lab.on('board.output', (o) => (board.output = o))
lab.on('deploy.progress', (p) => (board.progress = p))
lab.on('deploy.pending', (p) => (board.pending = p))
lab.on('deploy.history', (row) => {
  const i = board.history.findIndex((r) => r.id === row.id)
  if (i >= 0) board.history.splice(i, 1, row)
  else board.history.unshift(row)
})
lab.onConnection((state) => {
  if (state === 'open') refresh()
})
if (lab.connection() === 'open') refresh()

async function act(work: () => Promise<void>): Promise<void> {
  board.busy = true
  board.error = null
  try {
    await work()
  } catch (err) {
    board.error = err instanceof Error ? err.message : String(err)
  } finally {
    board.busy = false
  }
}

export function connectBoard(device: string): Promise<void> {
  return act(async () => {
    board.status = await lab.request('board.connect', { device })
  })
}

export function disconnectBoard(): Promise<void> {
  return act(async () => {
    board.status = await lab.request('board.disconnect', {})
  })
}

export function shortHash(sha: string | null | undefined): string {
  return sha ? `${sha.slice(0, 12)}…` : '—'
}

export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${Math.round(n)} B`
}

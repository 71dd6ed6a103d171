/** Short messages for things a person should notice (a failed job, a lost connection), with the detail one click away. */
import { reactive } from 'vue'
import { lab } from './lab'

export interface Toast {
  readonly id: number
  readonly kind: 'error' | 'info'
  readonly text: string
  readonly detail: string | null
}

export const toasts = reactive<Toast[]>([])
let nextId = 1

export function showToast(kind: Toast['kind'], text: string, detail: string | null = null, timeoutMs = 8000): void {
  const id = nextId++
  toasts.push({ id, kind, text, detail })
  if (toasts.length > 5) toasts.shift()
  if (timeoutMs > 0) setTimeout(() => dismissToast(id), timeoutMs)
}

export function dismissToast(id: number): void {
  const i = toasts.findIndex((t) => t.id === id)
  if (i >= 0) toasts.splice(i, 1)
}

lab.on('jobs.update', (job) => {
  if (job.state === 'failed') showToast('error', `${job.title} failed`, job.error, 0)
})
let wasOpen = false
lab.onConnection((state) => {
  if (state === 'closed' && wasOpen) showToast('error', 'Lost the connection to Spikelab — reconnecting…', null, 5000)
  if (state === 'open' && wasOpen === false && toasts.length) showToast('info', 'Connected again', null, 3000)
  wasOpen = state === 'open' ? true : wasOpen
})

/** Display formatting shared by the views. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

export function formatDurationUs(us: number): string {
  if (us < 1000) return `${us} µs`
  if (us < 1e6) return `${(us / 1000).toFixed(1)} ms`
  if (us < 60e6) return `${(us / 1e6).toFixed(2)} s`
  const s = Math.round(us / 1e6)
  return `${Math.floor(s / 60)} min ${s % 60} s`
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return ''
  if (seconds < 60) return `${Math.ceil(seconds)} s left`
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s left`
}

export function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p
}

/** Human-readable numbers for CLI output. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

export function formatDurationUs(us: number): string {
  if (us < 1000) return `${us} µs`
  if (us < 1e6) return `${(us / 1000).toFixed(1)} ms`
  if (us < 60e6) return `${(us / 1e6).toFixed(3)} s`
  const s = Math.round(us / 1e6)
  return `${Math.floor(s / 3600) ? `${Math.floor(s / 3600)} h ` : ''}${Math.floor((s % 3600) / 60)} min ${s % 60} s`
}

export function formatRate(eventsPerSecond: number): string {
  if (eventsPerSecond >= 1e6) return `${(eventsPerSecond / 1e6).toFixed(2)} M ev/s`
  if (eventsPerSecond >= 1e3) return `${(eventsPerSecond / 1e3).toFixed(1)} k ev/s`
  return `${eventsPerSecond.toFixed(0)} ev/s`
}

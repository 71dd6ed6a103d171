/** Cluster colours shared by every Analysis panel (cluster c always has the same colour). */
export const CLUSTER_COLOURS = ['#4ea1ff', '#ff8c3c', '#3fb950', '#d2a8ff', '#f85149', '#e3b341', '#56d4dd', '#ff7ab6', '#a5d6a7', '#b0b8c4']

export function clusterColour(c: number): string {
  return CLUSTER_COLOURS[((c % CLUSTER_COLOURS.length) + CLUSTER_COLOURS.length) % CLUSTER_COLOURS.length]
}

/** The muted grey used for axes and text drawn on canvases. */
export const AXIS_GREY = '#9aa1ad'

export function rgbOf(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16)
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255]
}

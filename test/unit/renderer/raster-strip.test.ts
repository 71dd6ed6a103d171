// Raster rows sorted by address, rate or first-spike time; counts stay in address order.
import { describe, expect, it } from 'vitest'
import { RasterStrip } from '../../../renderer/src/live/raster-strip.js'
import { firstIndexAtOrAfter } from '../../../renderer/src/live/time-index.js'

const BG = 0xff1a1614

/** Events as (t µs, neuron) pairs. */
function feed(strip: RasterStrip, events: Array<[number, number]>): void {
  strip.add(Float64Array.from(events.map((e) => e[0])), Uint16Array.from(events.map((e) => e[1])))
}

/** Columns of a display row that are not background. */
function litColumns(strip: RasterStrip, row: number): number[] {
  const out: number[] = []
  for (let c = 0; c < strip.columns; c++) if (strip.pixels[row * strip.columns + c] !== BG) out.push(c)
  return out
}

// Neuron 0 fires last (t = 3000) once; neuron 1 fires first (t = 1000) and three times; neuron 2
// twice starting at 2000; neuron 3 never.
const EVENTS: Array<[number, number]> = [
  [1000, 1], [2000, 2], [2500, 1], [3000, 0], [3500, 2], [4000, 1],
]

describe('RasterStrip sorting', () => {
  it('by address keeps neuron n on row n', () => {
    const s = new RasterStrip(10, 4, 1000)
    feed(s, EVENTS)
    s.render()
    expect(s.rowOrder()).toEqual([0, 1, 2, 3])
    // Newest column (9) holds t = 4000..4999; neuron 1 fired at 1000, 2500, 4000 → columns 6, 7, 9.
    expect(litColumns(s, 1)).toEqual([6, 7, 9])
  })

  it('by rate puts the busiest neuron on top and draws its events on that row', () => {
    const s = new RasterStrip(10, 4, 1000)
    s.setSort('rate')
    feed(s, EVENTS)
    s.render()
    expect(s.rowOrder()).toEqual([1, 2, 0, 3])
    expect(litColumns(s, 0)).toEqual([6, 7, 9]) // neuron 1's spikes
    expect(litColumns(s, 3)).toEqual([]) // the silent neuron
  })

  it('by first spike orders by the earliest event, silent neurons last', () => {
    const s = new RasterStrip(10, 4, 1000)
    s.setSort('first-spike')
    feed(s, EVENTS)
    s.render()
    expect(s.rowOrder()).toEqual([1, 2, 0, 3])
    s.clear()
    feed(s, [[10_000, 3], [10_500, 0]])
    s.setSort('address')
    s.setSort('first-spike')
    s.render()
    expect(s.rowOrder()).toEqual([3, 0, 1, 2])
  })

  it('advanceTo puts a given time in the newest column (playback: the right edge is the position)', () => {
    const s = new RasterStrip(10, 2, 1000)
    s.advanceTo(20_500)
    feed(s, [[20_100, 0], [15_000, 1], [5_000, 1]])
    s.render()
    expect(litColumns(s, 0)).toEqual([9])
    expect(litColumns(s, 1)).toEqual([4]) // 15 000 µs is 5 columns before 20 000; 5 000 is outside
    expect(s.endUs).toBe(21_000)
  })

  it('firstIndexAtOrAfter finds the window start in time-ordered events', () => {
    const t = Float64Array.of(10, 20, 20, 30, 40)
    expect(firstIndexAtOrAfter(t, 20)).toBe(1)
    expect(firstIndexAtOrAfter(t, 21)).toBe(3)
    expect(firstIndexAtOrAfter(t, 0)).toBe(0)
    expect(firstIndexAtOrAfter(t, 41)).toBe(5)
  })
})

import { describe, expect, it } from 'vitest'
import { Rp1Engine, decodeModelBlob, encodeModelBlob, runSelfTest } from '../../../native-bridge/engine/index.js'
import { demoBarPositionModel } from '../../../main/lab/board/demo-model.js'
import { modelFacts } from '../../../main/lab/board/blob-store.js'

/** 128×128 DVS address (board-link §9.3): x | y<<7 | p<<14. */
const addr = (x: number, y: number, p: number) => x | (y << 7) | (p << 14)

describe('the built-in demo model (bar position)', () => {
  it('is a canonical RP1 blob whose SELFTEST matches the host engine', () => {
    const model = demoBarPositionModel()
    const blob = encodeModelBlob(model)
    const { model: decoded } = decodeModelBlob(blob)
    expect(decoded.nInputs).toBe(64) // 128/16 × 128/16, polarities together (DVS_POOL, §14.2)
    expect(decoded.outputMap).toHaveLength(8)
    const st = decoded.selfTest!
    const run = runSelfTest(decoded, st.nTicks, st.tUs, st.addr)
    expect(run.spikeCount).toBe(st.expectedSpikeCount)
    expect(Buffer.from(run.spikeHash).toString('hex')).toBe(Buffer.from(st.spikeHash).toString('hex'))
    // Equal models give byte-identical blobs (§14.2), so the same demo always has the same deploy id.
    expect(encodeModelBlob(demoBarPositionModel())).toEqual(blob)
  })

  it('the output that fires is the column band the events fall in', () => {
    const model = demoBarPositionModel()
    for (const band of [0, 3, 7]) {
      const engine = new Rp1Engine(model)
      const counts = new Array<number>(8).fill(0)
      for (let tick = 0; tick < 20; tick++) {
        // 24 events per tick spread over the band's 16 columns and all rows, both polarities.
        for (let j = 0; j < 24; j++) engine.applyEvent(addr(band * 16 + (j % 16), (j * 29 + tick * 7) % 128, j & 1))
        const spiking = engine.step(false)
        for (const id of spiking) counts[id]++
      }
      const winner = counts.indexOf(Math.max(...counts))
      expect(winner).toBe(band)
      expect(counts.filter((c, i) => i !== band && c > 0)).toEqual([])
    }
  })

  it('carries its labels in METADATA', () => {
    const facts = modelFacts(encodeModelBlob(demoBarPositionModel()))
    expect(facts.labels).toEqual(['x 0–15', 'x 16–31', 'x 32–47', 'x 48–63', 'x 64–79', 'x 80–95', 'x 96–111', 'x 112–127'])
    expect(facts.tickUs).toBe(1000)
    expect(facts.inputMap.kind).toBe('dvs-pool')
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { BoardLinkClient, MsgType, createMemoryDuplexPair, encodeRun } from '../../../native-bridge/board-link/index.js'
import type { SpikesEvent } from '../../../native-bridge/board-link/index.js'
import { Rp1Engine, encodeModelBlob, toHex } from '../../../native-bridge/engine/index.js'
import type { Rp1Model } from '../../../native-bridge/engine/index.js'
import type { SimBoardOptions } from '../../../native-bridge/sim-board/index.js'
import { SimBoard } from '../../../native-bridge/sim-board/index.js'
import { lcg, randomEvents, randomModel } from './random-model.js'
import { TV1_EXPECTED, tv1Model } from './tv1-model.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function rig(opts: SimBoardOptions = {}) {
  const pair = createMemoryDuplexPair()
  const board = new SimBoard({ linkBaud: 0, flashTimeScale: 0, ...opts })
  board.attach(pair.device)
  const client = new BoardLinkClient(pair.host)
  cleanups.push(() => {
    client.close()
    board.close()
  })
  return { pair, board, client }
}

/** Collects SPIKES_OUT until a FINAL frame. */
function collectSpikes(client: BoardLinkClient): Promise<{ spikes: [number, number][]; frames: SpikesEvent[] }> {
  return new Promise((resolve) => {
    const spikes: [number, number][] = []
    const frames: SpikesEvent[] = []
    const on = (s: SpikesEvent) => {
      frames.push(s)
      for (let i = 0; i < s.tick.length; i++) spikes.push([s.tick[i], s.id[i]])
      if (s.final) {
        client.off('spikes', on)
        resolve({ spikes, frames })
      }
    }
    client.on('spikes', on)
  })
}

/** The host-side emulator run ("preview on board"): events applied in tick floor(t / tick_us). */
function emulate(model: Rp1Model, ticks: number, tUs: ArrayLike<number>, addr: ArrayLike<number>, monitorAll = false) {
  const e = new Rp1Engine(model)
  const out: [number, number][] = []
  let i = 0
  for (let k = 0; k < ticks; k++) {
    while (i < tUs.length && tUs[i] < (k + 1) * model.tickUs) e.applyEvent(addr[i++])
    for (const id of e.step(monitorAll)) out.push([k, id])
  }
  return { out, state: e.stateBytes() }
}

describe('running a model over the link', () => {
  it('TV1 stepped over the link gives the TV1 spike train and state', async () => {
    const { client } = rig()
    const model = tv1Model()
    await client.deploy(encodeModelBlob(model))
    const st = model.selfTest!
    const done = collectSpikes(client)
    await client.run({ stepped: true, resetFirst: true, stopAfter: 12 })
    await client.sendEvents(st.tUs, st.addr, 12_000)
    const { spikes } = await done
    expect(spikes).toEqual(TV1_EXPECTED.spikes)
    const state = await client.readState(5)
    expect(state.tick).toBe(12)
    expect(toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', state.bytes)))).toBe(TV1_EXPECTED.stateHash)
  })

  it('host engine and simulated board give identical spikes and state, with credit flow control', async () => {
    const inQueue = 256
    const { client } = rig({ inQueue })
    const model = randomModel(7)
    await client.deploy(encodeModelBlob(model))
    const nAddr = (model.inputMap as { channels: Uint16Array }).channels.length
    const ticks = 400
    const ev = randomEvents(lcg(99), 6000, ticks, model.tickUs, nAddr)
    const expected = emulate(model, ticks, ev.tUs, ev.addr)
    expect(expected.out.length).toBeGreaterThan(100) // the comparison is not vacuous

    const done = collectSpikes(client)
    await client.run({ stepped: true, resetFirst: true, stopAfter: ticks })
    await client.sendEvents(ev.tUs, ev.addr, ticks * model.tickUs)
    const { spikes } = await done
    expect(spikes).toEqual(expected.out)
    const state = await client.readState(160)
    expect(Array.from(state.bytes)).toEqual(Array.from(expected.state))
    const hb = await new Promise<{ counters: { inDropped: number; inLost: number; inUnmapped: number } }>((r) => client.once('heartbeat', r))
    expect(hb.counters.inDropped).toBe(0) // credits kept the host within the 256-event queue
    expect(hb.counters.inLost).toBe(0)
    const unmapped = Array.from(ev.addr).filter((a) => a >= model.nInputs).length
    expect(hb.counters.inUnmapped).toBe(unmapped)
  })

  it('RESET_FIRST on a second run reproduces the first run exactly', async () => {
    const { client } = rig()
    const model = tv1Model()
    await client.deploy(encodeModelBlob(model))
    const st = model.selfTest!
    for (let round = 0; round < 2; round++) {
      const done = collectSpikes(client)
      await client.run({ stepped: true, resetFirst: true, stopAfter: 12 })
      await client.sendEvents(st.tUs, st.addr, 12_000)
      expect((await done).spikes).toEqual(TV1_EXPECTED.spikes)
    }
  })

  it('MONITOR_ALL reports every spiking neuron by global index', async () => {
    const { client } = rig()
    const model = tv1Model()
    await client.deploy(encodeModelBlob(model))
    const st = model.selfTest!
    const done = collectSpikes(client)
    await client.run({ stepped: true, resetFirst: true, monitorAll: true, stopAfter: 12 })
    await client.sendEvents(st.tUs, st.addr, 12_000)
    const { spikes, frames } = await done
    expect(frames.every((f) => f.globalIds)).toBe(true)
    expect(spikes).toEqual(emulate(model, 12, st.tUs, st.addr, true).out)
  })

  it('realtime run paces ticks on the wall clock and stops after stop_after with a FINAL frame', async () => {
    const { client } = rig()
    await client.deploy(encodeModelBlob(tv1Model()))
    const done = collectSpikes(client)
    const t0 = Date.now()
    await client.run({ tickUs: 2000, resetFirst: true, stopAfter: 100 })
    const { frames } = await done
    const elapsed = Date.now() - t0
    expect(elapsed).toBeGreaterThanOrEqual(180) // 100 ticks × 2 ms
    expect(elapsed).toBeLessThan(2000)
    expect(frames.at(-1)!.final).toBe(true)
    const covered = frames.reduce((a, f) => a + (f.tick.length || f.tickSpan ? f.tickSpan : 0), 0)
    expect(covered).toBeGreaterThanOrEqual(100)
    const caps = await client.getCaps()
    expect(caps.runState).toBe(1)
  })

  it('a full out_queue on a slow link drops spikes in realtime and counts them', async () => {
    // 10 kbaud = 1 kB/s each way; MONITOR_ALL spikes of 10 ticks (one flush period) overflow a 4-spike out_queue.
    const { client } = rig({ outQueue: 4, linkBaud: 10_000 })
    const model = tv1Model()
    await client.deploy(encodeModelBlob(model))
    const st = model.selfTest!
    const done = collectSpikes(client)
    // Queued while STOPPED (a fresh activation is in reset state), then consumed by the run.
    await client.sendEvents(st.tUs, st.addr, 12_000)
    await client.run({ monitorAll: true, stopAfter: 12 })
    const { frames } = await done
    const dropped = frames.at(-1)!.outDropped
    expect(dropped).toBeGreaterThan(0)
    const delivered = frames.reduce((a, f) => a + f.tick.length, 0)
    expect(delivered + dropped).toBe(emulate(model, 12, st.tUs, st.addr, true).out.length)
  }, 20_000)

  it('over-budget ticks STRETCH: counted and reported, numerics unchanged (§17 item 2)', async () => {
    const { client } = rig({ budgetPerMs: 10 })
    const model = tv1Model()
    await client.deploy(encodeModelBlob(model))
    const errors: string[] = []
    client.on('deviceError', (e: { name: string }) => errors.push(e.name))
    const st = model.selfTest!
    await client.sendEvents(st.tUs, st.addr, 12_000)
    const done = collectSpikes(client)
    const t0 = Date.now()
    await client.run({ stopAfter: 12 })
    const { spikes } = await done
    // Every tick costs at least 2·5 neurons = 10 ≥ budget 10; ticks with input or spikes cost more,
    // so they take ≥ 2 tick periods each.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20)
    expect(spikes).toEqual(TV1_EXPECTED.spikes)
    const hb = await new Promise<{ counters: { tickOverruns: number } }>((r) => client.once('heartbeat', r))
    expect(hb.counters.tickOverruns).toBeGreaterThan(0)
    expect(errors).toContain('TICK_OVERRUN')
  })

  it('DROP policy: over-budget ticks lose their latest events (counted), within-budget runs are untouched', async () => {
    const model = tv1Model()
    const st = model.selfTest!
    const runWith = async (budgetPerMs: number) => {
      const { client } = rig({ budgetPerMs, overrunPolicy: 'drop' })
      await client.deploy(encodeModelBlob(model))
      await client.sendEvents(st.tUs, st.addr, 12_000)
      const done = collectSpikes(client)
      await client.run({ stopAfter: 12 })
      const { spikes } = await done
      const hb = await new Promise<{ counters: { inDropped: number; tickOverruns: number } }>((r) => client.once('heartbeat', r))
      return { spikes, ...hb.counters }
    }
    const roomy = await runWith(250_000)
    expect(roomy.spikes).toEqual(TV1_EXPECTED.spikes)
    expect(roomy.inDropped).toBe(0)
    // Budget 40 per 1 ms tick: base 2·5 neurons = 10, each input event adds 2 + 3 synaptic ops (3 rows),
    // each spike 4 plus its fan-out, so the busiest TV1 ticks (up to 6 events) exceed it.
    const tight = await runWith(40)
    expect(tight.inDropped).toBeGreaterThan(0)
    expect(tight.tickOverruns).toBeGreaterThan(0)
    expect(tight.inDropped).toBeLessThanOrEqual(27) // 28 events, one unmapped (never queued)
  })

  it('run control errors: RUN twice is BAD_STATE, RESET_STATE while running is BAD_STATE', async () => {
    const { client } = rig()
    await client.connect()
    await expect(client.run()).rejects.toMatchObject({ code: 'BAD_STATE' }) // NO_MODEL
    await client.deploy(encodeModelBlob(tv1Model()))
    await client.run({ stepped: true })
    await expect(client.request(MsgType.RUN, encodeRun({ tickUs: 0, flags: 0, stopAfter: 0 }))).rejects.toMatchObject({ code: 'BAD_STATE' })
    await expect(client.resetState()).rejects.toMatchObject({ code: 'BAD_STATE' })
    await expect(client.readState(5)).rejects.toMatchObject({ code: 'BAD_STATE' })
    const ok = await client.stop()
    expect(ok.runState).toBe(1)
  })

  it('a device that lost its session answers NO_SESSION; the host re-handshakes by itself', async () => {
    const { client, board } = rig()
    await client.connect()
    const reboots: string[] = []
    client.on('rebooted', (w: string) => reboots.push(w))
    board.powerCut()
    await expect(client.getCaps()).rejects.toMatchObject({ code: 'DEVICE_RESET' })
    await new Promise((r) => setTimeout(r, 50))
    expect(reboots.length).toBe(1)
    expect(client.state).toBe('CONNECTED')
    expect((await client.getCaps()).bootCount).toBe(2)
  })
})

import { describe, expect, it } from 'vitest'
import {
  Chan, ErrorCode, Flag, FrameDecoder, HeartbeatFlag, MsgType, decodeCaps, decodeDeviceHeartbeat, decodeError,
  decodeLog, decodeOk, encodeHello, encodeWire,
} from '../../../native-bridge/board-link/index.js'
import type { Frame } from '../../../native-bridge/board-link/index.js'
import { SimBoard, SimFlash } from '../../../native-bridge/sim-board/index.js'
import { ManualClock } from './manual-clock.js'

/** Drives a board byte by byte on a manual clock: transport-agnostic, no timers of its own. */
function harness(flash?: SimFlash) {
  const clock = new ManualClock()
  const board = new SimBoard({ clock, linkBaud: 0, flashTimeScale: 0, flash })
  const frames: Frame[] = []
  const dec = new FrameDecoder((f) => frames.push(f), 1024)
  board.onTransmit((b) => dec.push(b))
  const send = (type: number, chan: number, seq: number, ack: number, corr: number, payload: Uint8Array = new Uint8Array(0), flags = 0) =>
    board.receive(encodeWire({ type, flags, chan, seq, ack, corr }, payload))
  const hello = (corr = 7) =>
    send(MsgType.HELLO, 0, 0, 0, corr, encodeHello({ protoMin: 1, protoMax: 1, hostNonce: 0xabcdef01, hostMaxFrame: 1024, hostCtrlWindow: 4, flags: 0, hostName: 't' }))
  return { clock, board, frames, send, hello }
}

describe('simulated board device state machine (manual clock, raw frames)', () => {
  it('answers HELLO with an unsequenced CAPS echoing nonce and corr (124 B + strings)', () => {
    const { frames, hello } = harness()
    hello()
    const caps = frames.find((f) => f.header.type === MsgType.CAPS)!
    expect(caps.header).toMatchObject({ seq: 0, ack: 0, corr: 7, flags: Flag.RESPONSE, chan: 0 })
    const c = decodeCaps(caps.payload)
    expect(c.hostNonce).toBe(0xabcdef01)
    expect(caps.payload.length).toBe(124 + 3 + c.fwVer.length + c.boardId.length + c.serial.length)
    expect(Number(c.caps) & (1 << 10)).not.toBe(0) // SIMULATED
  })

  it('without a session: sequenced frames get ERROR NO_SESSION (unsequenced, corr echoed); others ignored', () => {
    const { frames, send } = harness()
    send(MsgType.GET_CAPS, 0, 1, 1, 42)
    send(MsgType.EVENTS_IN, 2, 0, 0, 0, new Uint8Array(24))
    expect(frames).toHaveLength(1)
    expect(frames[0].header).toMatchObject({ type: MsgType.ERROR, seq: 0, ack: 0, corr: 42 })
    expect(decodeError(frames[0].payload).code).toBe(ErrorCode.NO_SESSION)
  })

  it('a request is executed once even when resent; the duplicate is acknowledged at once', () => {
    const { frames, send, hello } = harness()
    hello()
    frames.length = 0
    send(MsgType.STOP, 0, 1, 1, 5)
    send(MsgType.STOP, 0, 1, 1, 5, new Uint8Array(0), Flag.ACK_REQ)
    const oks = frames.filter((f) => f.header.type === MsgType.OK)
    expect(oks).toHaveLength(1)
    expect(oks[0].header).toMatchObject({ seq: 1, ack: 2, corr: 5 })
    expect(decodeOk(oks[0].payload)).toMatchObject({ runState: 0, activeSlot: 0xff })
    expect(frames.some((f) => f.header.type === MsgType.NOP && f.header.ack === 2)).toBe(true)
  })

  it('unknown request types get UNKNOWN_TYPE; the OK response is retransmitted until acknowledged', () => {
    const { frames, send, hello, clock } = harness()
    hello()
    frames.length = 0
    send(0x2e, 0, 1, 1, 9)
    const err = frames.find((f) => f.header.type === MsgType.ERROR)!
    expect(decodeError(err.payload).code).toBe(ErrorCode.UNKNOWN_TYPE)
    frames.length = 0
    clock.advance(260) // RTO_INIT 250 ms without an ack: Go-Back-N resend with ACK_REQ
    const again = frames.filter((f) => f.header.type === MsgType.ERROR)
    expect(again).toHaveLength(1)
    expect(again[0].header.seq).toBe(err.header.seq)
    expect(again[0].header.flags & Flag.ACK_REQ).toBe(Flag.ACK_REQ)
    send(MsgType.NOP, 0, 2, 2, 0) // acknowledges seq 1
    frames.length = 0
    clock.advance(3000)
    expect(frames.filter((f) => f.header.type === MsgType.ERROR)).toHaveLength(0)
  })

  it('heartbeats every 250 ms (80 B, SESSION flag), and the session ends after 3 s of host silence', () => {
    const { frames, hello, clock, send } = harness()
    hello()
    frames.length = 0
    clock.advance(1000)
    const hbs = frames.filter((f) => f.header.type === MsgType.HEARTBEAT)
    expect(hbs).toHaveLength(4)
    expect(hbs[0].payload.length).toBe(80)
    expect(decodeDeviceHeartbeat(hbs[0].payload).flags & HeartbeatFlag.SESSION).toBe(HeartbeatFlag.SESSION)
    clock.advance(2100)
    frames.length = 0
    clock.advance(250)
    const hb = frames.find((f) => f.header.type === MsgType.HEARTBEAT)!
    expect(decodeDeviceHeartbeat(hb.payload).flags & HeartbeatFlag.SESSION).toBe(0)
    send(MsgType.STOP, 0, 1, 1, 3)
    expect(decodeError(frames.at(-1)!.payload).code).toBe(ErrorCode.NO_SESSION)
  })

  it('corrupt metadata with no verifiable image boots into FAULT and says why in a LOG', () => {
    const flash = new SimFlash(2 * 1024 * 1024)
    flash.writeRecord({
      recSeq: 1, modelSeq: 1, slot: 0, mode: 1, size: 704, sha256: new Uint8Array(32).fill(1),
      prevSlot: 0xff, prevModelSeq: 0, prevSize: 0, prevSha256: new Uint8Array(32),
    })
    const { frames, hello, board } = harness(flash)
    expect(board.state.runState).toBe(3) // FAULT
    hello()
    const logs = frames.filter((f) => f.header.chan === Chan.LOG).map((f) => decodeLog(f.payload).text)
    expect(logs.some((t) => t.includes('METADATA_CORRUPT'))).toBe(true)
  })
})

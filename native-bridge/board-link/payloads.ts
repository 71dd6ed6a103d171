import { ByteReader, ByteWriter } from './bytes.js'

/** Payload codecs of the message catalogue (§7.2, §8.1, §9). Decoders throw BAD_FRAME when short. */

const rd = (p: Uint8Array, what: string) => new ByteReader(p, 0, what, 'BAD_FRAME')

export interface Hello {
  protoMin: number
  protoMax: number
  hostNonce: number
  hostMaxFrame: number
  hostCtrlWindow: number
  flags: number
  hostName: string
}
export function encodeHello(m: Hello): Uint8Array {
  return new ByteWriter().u16(m.protoMin).u16(m.protoMax).u32(m.hostNonce).u16(m.hostMaxFrame)
    .u8(m.hostCtrlWindow).u8(m.flags).str8(m.hostName, 32).finish()
}
export function decodeHello(p: Uint8Array): Hello {
  const r = rd(p, 'HELLO')
  return {
    protoMin: r.u16('proto_min'), protoMax: r.u16('proto_max'), hostNonce: r.u32('host_nonce'),
    hostMaxFrame: r.u16('host_max_frame'), hostCtrlWindow: r.u8('host_ctrl_window'), flags: r.u8('flags'),
    hostName: r.str8('host_name'),
  }
}

export interface Caps {
  protoVer: number; maxFrame: number; hostNonce: number; bootCount: number; tickUsDefault: number
  caps: bigint; maxNeurons: number; maxSynapseBytes: number; slotSize: number; inQueue: number; outQueue: number
  maxFanin: number; maxFanout: number; maxLayers: number; maxInputs: number; maxOutputs: number
  chunkMax: number; pageSize: number; bulkWindow: number; ctrlWindow: number; nSlots: number
  activeSlot: number; activeMode: number; runState: number; activeModelSeq: number; activeSha256: Uint8Array
  partialValid: number; profiles: number; partialDeployId: bigint; partialVerifiedOffset: number
  partialTotalSize: number; linkBaud: number; fwVer: string; boardId: string; serial: string
}
export function encodeCaps(c: Caps): Uint8Array {
  return new ByteWriter(160).u16(c.protoVer).u16(c.maxFrame).u32(c.hostNonce).u32(c.bootCount).u32(c.tickUsDefault)
    .u64(c.caps).u32(c.maxNeurons).u32(c.maxSynapseBytes).u32(c.slotSize).u32(c.inQueue).u32(c.outQueue)
    .u16(c.maxFanin).u16(c.maxFanout).u16(c.maxLayers).u16(c.maxInputs).u16(c.maxOutputs).u16(c.chunkMax)
    .u16(c.pageSize).u8(c.bulkWindow).u8(c.ctrlWindow).u8(c.nSlots).u8(c.activeSlot).u8(c.activeMode)
    .u8(c.runState).u32(c.activeModelSeq).bytes(fixed32(c.activeSha256)).u8(c.partialValid).u8(c.profiles).u16(0)
    .u64(c.partialDeployId).u32(c.partialVerifiedOffset).u32(c.partialTotalSize).u32(c.linkBaud)
    .str8(c.fwVer, 32).str8(c.boardId, 32).str8(c.serial, 32).finish()
}
export function decodeCaps(p: Uint8Array): Caps {
  const r = rd(p, 'CAPS')
  const c = {
    protoVer: r.u16('proto_ver'), maxFrame: r.u16('max_frame'), hostNonce: r.u32('host_nonce'),
    bootCount: r.u32('boot_count'), tickUsDefault: r.u32('tick_us_default'), caps: r.u64('caps'),
    maxNeurons: r.u32('max_neurons'), maxSynapseBytes: r.u32('max_synapse_bytes'), slotSize: r.u32('slot_size'),
    inQueue: r.u32('in_queue'), outQueue: r.u32('out_queue'), maxFanin: r.u16('max_fanin'),
    maxFanout: r.u16('max_fanout'), maxLayers: r.u16('max_layers'), maxInputs: r.u16('max_inputs'),
    maxOutputs: r.u16('max_outputs'), chunkMax: r.u16('chunk_max'), pageSize: r.u16('page_size'),
    bulkWindow: r.u8('bulk_window'), ctrlWindow: r.u8('ctrl_window'), nSlots: r.u8('n_slots'),
    activeSlot: r.u8('active_slot'), activeMode: r.u8('active_mode'), runState: r.u8('run_state'),
    activeModelSeq: r.u32('active_model_seq'), activeSha256: r.bytesOf(32, 'active_sha256'),
    partialValid: r.u8('partial_valid'), profiles: r.u8('profiles'),
    partialDeployId: (r.skip(2, 'rsv'), r.u64('partial_deploy_id')),
    partialVerifiedOffset: r.u32('partial_verified_offset'), partialTotalSize: r.u32('partial_total_size'),
    linkBaud: r.u32('link_baud'), fwVer: '', boardId: '', serial: '',
  }
  c.fwVer = r.str8('fw_ver')
  c.boardId = r.str8('board_id')
  c.serial = r.str8('serial')
  return c
}

function fixed32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  out.set(b.subarray(0, 32))
  return out
}

export interface OkStatus {
  runState: number; activeSlot: number; activeMode: number; deployState: number; activeModelSeq: number; tick: number
}
export function encodeOk(m: OkStatus): Uint8Array {
  return new ByteWriter(12).u8(m.runState).u8(m.activeSlot).u8(m.activeMode).u8(m.deployState)
    .u32(m.activeModelSeq).u32(m.tick).finish()
}
export function decodeOk(p: Uint8Array): OkStatus {
  const r = rd(p, 'OK')
  return {
    runState: r.u8('run_state'), activeSlot: r.u8('active_slot'), activeMode: r.u8('active_mode'),
    deployState: r.u8('deploy_state'), activeModelSeq: r.u32('active_model_seq'), tick: r.u32('tick'),
  }
}

export const DEVICE_COUNTERS = [
  'rxFrames', 'rxBadFrames', 'rxSeqGaps', 'inLost', 'inDropped', 'inUnmapped', 'inLate', 'outDropped',
  'tickOverruns', 'txFrames', 'retransmits', 'bootCount',
] as const
export type DeviceCounters = Record<(typeof DEVICE_COUNTERS)[number], number>

export interface DeviceHeartbeat {
  uptimeMs: number; deviceUs: bigint; tick: number; runState: number; deployState: number; flags: number
  activeSlot: number; activeModelSeq: number; creditLimit: number; outFill: number; counters: DeviceCounters
}
export function encodeDeviceHeartbeat(m: DeviceHeartbeat): Uint8Array {
  const w = new ByteWriter(80).u32(m.uptimeMs).u64(m.deviceUs).u32(m.tick).u8(m.runState).u8(m.deployState)
    .u8(m.flags).u8(m.activeSlot).u32(m.activeModelSeq).u32(m.creditLimit).u32(m.outFill)
  for (const k of DEVICE_COUNTERS) w.u32(m.counters[k])
  return w.finish()
}
export function decodeDeviceHeartbeat(p: Uint8Array): DeviceHeartbeat {
  const r = rd(p, 'HEARTBEAT')
  const m = {
    uptimeMs: r.u32('uptime_ms'), deviceUs: r.u64('device_us'), tick: r.u32('tick'), runState: r.u8('run_state'),
    deployState: r.u8('deploy_state'), flags: r.u8('flags'), activeSlot: r.u8('active_slot'),
    activeModelSeq: r.u32('active_model_seq'), creditLimit: r.u32('credit_limit'), outFill: r.u32('out_fill'),
  }
  const counters = {} as DeviceCounters
  for (const k of DEVICE_COUNTERS) counters[k] = r.u32(k)
  return { ...m, counters }
}

export interface HostHeartbeat { uptimeMs: number; hostUs: bigint; rxFrames: number; rxBadFrames: number; rxSeqGaps: number }
export function encodeHostHeartbeat(m: HostHeartbeat): Uint8Array {
  return new ByteWriter(24).u32(m.uptimeMs).u64(m.hostUs).u32(m.rxFrames).u32(m.rxBadFrames).u32(m.rxSeqGaps).finish()
}
export function decodeHostHeartbeat(p: Uint8Array): HostHeartbeat {
  const r = rd(p, 'HEARTBEAT')
  return { uptimeMs: r.u32('uptime_ms'), hostUs: r.u64('host_us'), rxFrames: r.u32('rx_frames'),
    rxBadFrames: r.u32('rx_bad_frames'), rxSeqGaps: r.u32('rx_seq_gaps') }
}

export interface LinkError { code: number; refType: number; refChan: number; refSeq: number; detail: number; msg: string }
export function encodeError(m: LinkError): Uint8Array {
  let msg = new TextEncoder().encode(m.msg)
  if (msg.length > 96) msg = msg.subarray(0, 96)
  return new ByteWriter(16 + msg.length).u16(m.code).u8(m.refType).u8(m.refChan).u16(m.refSeq).u16(0)
    .u32(m.detail).u16(msg.length).bytes(msg).finish()
}
export function decodeError(p: Uint8Array): LinkError {
  const r = rd(p, 'ERROR')
  const m = { code: r.u16('code'), refType: r.u8('ref_type'), refChan: r.u8('ref_chan'), refSeq: r.u16('ref_seq'),
    detail: (r.skip(2, 'rsv'), r.u32('detail')), msg: '' }
  m.msg = new TextDecoder().decode(r.bytesOf(r.u16('msg_len'), 'msg'))
  return m
}

export interface LogMsg { level: number; uptimeMs: number; text: string }
export function encodeLog(m: LogMsg): Uint8Array {
  return new ByteWriter().u8(m.level).u8(0).u16(0).u32(m.uptimeMs).bytes(new TextEncoder().encode(m.text)).finish()
}
export function decodeLog(p: Uint8Array): LogMsg {
  const r = rd(p, 'LOG')
  const level = r.u8('level')
  r.skip(3, 'rsv')
  return { level, uptimeMs: r.u32('uptime_ms'), text: new TextDecoder().decode(p.subarray(r.pos)) }
}

export interface DeployBegin {
  deployId: bigint; totalSize: number; chunkSize: number; flags: number; sha256: Uint8Array; modelHeader: Uint8Array
}
export function encodeDeployBegin(m: DeployBegin): Uint8Array {
  const hdr = new Uint8Array(64)
  hdr.set(m.modelHeader.subarray(0, 64))
  return new ByteWriter(112).u64(m.deployId).u32(m.totalSize).u16(m.chunkSize).u16(m.flags).bytes(fixed32(m.sha256))
    .bytes(hdr).finish()
}
export function decodeDeployBegin(p: Uint8Array): DeployBegin {
  const r = rd(p, 'DEPLOY_BEGIN')
  return { deployId: r.u64('deploy_id'), totalSize: r.u32('total_size'), chunkSize: r.u16('chunk_size'),
    flags: r.u16('flags'), sha256: r.bytesOf(32, 'sha256'), modelHeader: r.bytesOf(64, 'model_header') }
}

export interface DeployReady { deployId: bigint; resumeOffset: number; eraseMsEstimate: number }
export function encodeDeployReady(m: DeployReady): Uint8Array {
  return new ByteWriter(16).u64(m.deployId).u32(m.resumeOffset).u32(m.eraseMsEstimate).finish()
}
export function decodeDeployReady(p: Uint8Array): DeployReady {
  const r = rd(p, 'DEPLOY_READY')
  return { deployId: r.u64('deploy_id'), resumeOffset: r.u32('resume_offset'), eraseMsEstimate: r.u32('erase_ms_estimate') }
}

export interface Chunk { deployId: bigint; offset: number; dataCrc32: number; data: Uint8Array }
export function encodeChunk(m: Chunk): Uint8Array {
  return new ByteWriter(16 + m.data.length).u64(m.deployId).u32(m.offset).u32(m.dataCrc32).bytes(m.data).finish()
}
export function decodeChunk(p: Uint8Array): Chunk {
  const r = rd(p, 'CHUNK')
  return { deployId: r.u64('deploy_id'), offset: r.u32('offset'), dataCrc32: r.u32('data_crc32'), data: p.slice(16) }
}

export interface ChunkAck { deployId: bigint; nextOffset: number; sack: number; status: number }
export function encodeChunkAck(m: ChunkAck): Uint8Array {
  return new ByteWriter(20).u64(m.deployId).u32(m.nextOffset).u32(m.sack).u16(m.status).u16(0).finish()
}
export function decodeChunkAck(p: Uint8Array): ChunkAck {
  const r = rd(p, 'CHUNK_ACK')
  return { deployId: r.u64('deploy_id'), nextOffset: r.u32('next_offset'), sack: r.u32('sack'), status: r.u16('status') }
}

export interface DeployCommit { deployId: bigint; sha256: Uint8Array; flags: number; confirmTimeoutS: number }
export function encodeDeployCommit(m: DeployCommit): Uint8Array {
  return new ByteWriter(44).u64(m.deployId).bytes(fixed32(m.sha256)).u8(m.flags).u8(0).u16(m.confirmTimeoutS).finish()
}
export function decodeDeployCommit(p: Uint8Array): DeployCommit {
  const r = rd(p, 'DEPLOY_COMMIT')
  return { deployId: r.u64('deploy_id'), sha256: r.bytesOf(32, 'sha256'), flags: r.u8('flags'),
    confirmTimeoutS: (r.skip(1, 'rsv'), r.u16('confirm_timeout_s')) }
}

export interface CommitResult {
  status: number; slot: number; mode: number; modelSeq: number; sha256: Uint8Array; stSpikeHash: Uint8Array
  stStateHash: Uint8Array; stSpikeCount: number; stMs: number; detail: number
}
export function encodeCommitResult(m: CommitResult): Uint8Array {
  return new ByteWriter(116).u16(m.status).u8(m.slot).u8(m.mode).u32(m.modelSeq).bytes(fixed32(m.sha256))
    .bytes(fixed32(m.stSpikeHash)).bytes(fixed32(m.stStateHash)).u32(m.stSpikeCount).u32(m.stMs).u32(m.detail).finish()
}
export function decodeCommitResult(p: Uint8Array): CommitResult {
  const r = rd(p, 'COMMIT_RESULT')
  return { status: r.u16('status'), slot: r.u8('slot'), mode: r.u8('mode'), modelSeq: r.u32('model_seq'),
    sha256: r.bytesOf(32, 'sha256'), stSpikeHash: r.bytesOf(32, 'st_spike_hash'),
    stStateHash: r.bytesOf(32, 'st_state_hash'), stSpikeCount: r.u32('st_spike_count'), stMs: r.u32('st_ms'),
    detail: r.u32('detail') }
}

export function encodeConfirm(modelSeq: number): Uint8Array { return new ByteWriter(4).u32(modelSeq).finish() }
export function decodeConfirm(p: Uint8Array): number { return rd(p, 'CONFIRM').u32('model_seq') }
export function encodeDeployAbort(deployId: bigint): Uint8Array { return new ByteWriter(8).u64(deployId).finish() }
export function decodeDeployAbort(p: Uint8Array): bigint { return rd(p, 'DEPLOY_ABORT').u64('deploy_id') }

export interface Activate { slot: number; flags: number; confirmTimeoutS: number; sha256: Uint8Array }
export function encodeActivate(m: Activate): Uint8Array {
  return new ByteWriter(36).u8(m.slot).u8(m.flags).u16(m.confirmTimeoutS).bytes(fixed32(m.sha256)).finish()
}
export function decodeActivate(p: Uint8Array): Activate {
  const r = rd(p, 'ACTIVATE')
  return { slot: r.u8('slot'), flags: r.u8('flags'), confirmTimeoutS: r.u16('confirm_timeout_s'), sha256: r.bytesOf(32, 'sha256') }
}

export interface Readback { space: number; slot: number; offset: number; len: number }
export function encodeReadback(m: Readback): Uint8Array {
  return new ByteWriter(12).u8(m.space).u8(m.slot).u16(0).u32(m.offset).u16(m.len).finish()
}
export function decodeReadback(p: Uint8Array): Readback {
  const r = rd(p, 'READBACK')
  return { space: r.u8('space'), slot: r.u8('slot'), offset: (r.skip(2, 'rsv'), r.u32('offset')), len: r.u16('len') }
}
export interface ReadbackData { space: number; slot: number; offset: number; tick: number; data: Uint8Array }
export function encodeReadbackData(m: ReadbackData): Uint8Array {
  return new ByteWriter(16 + m.data.length).u8(m.space).u8(m.slot).u16(0).u32(m.offset).u32(m.tick)
    .u16(m.data.length).bytes(m.data).finish()
}
export function decodeReadbackData(p: Uint8Array): ReadbackData {
  const r = rd(p, 'READBACK_DATA')
  const m = { space: r.u8('space'), slot: r.u8('slot'), offset: (r.skip(2, 'rsv'), r.u32('offset')), tick: r.u32('tick') }
  return { ...m, data: r.bytesOf(r.u16('len'), 'data') }
}

export interface RunCmd { tickUs: number; flags: number; stopAfter: number }
export function encodeRun(m: RunCmd): Uint8Array { return new ByteWriter(12).u32(m.tickUs).u32(m.flags).u32(m.stopAfter).finish() }
export function decodeRun(p: Uint8Array): RunCmd {
  const r = rd(p, 'RUN')
  return { tickUs: r.u32('tick_us'), flags: r.u32('flags'), stopAfter: r.u32('stop_after') }
}

/** EVENTS_IN (§9.3) with absolute event times; the codec handles the delta encoding. */
export interface EventsIn { evIndex: number; horizonUs: bigint; fmt: 0 | 1; tUs: Float64Array; addr: Uint32Array }
export function encodeEventsIn(m: EventsIn): Uint8Array {
  const n = m.tUs.length
  // The wire carries whole microseconds; fractional times are floored consistently.
  const base = n > 0 ? Math.floor(m.tUs[0]) : 0
  const w = new ByteWriter(24 + n * (m.fmt === 0 ? 4 : 8)).u32(m.evIndex).u64(BigInt(base)).u64(m.horizonUs)
    .u16(n).u8(m.fmt).u8(0)
  let prev = base
  for (let i = 0; i < n; i++) {
    const t = Math.floor(m.tUs[i])
    const dt = t - prev
    prev = t
    if (m.fmt === 0) w.u16(m.addr[i]).u16(dt)
    else w.u32(m.addr[i]).u32(dt)
  }
  return w.finish()
}
export function decodeEventsIn(p: Uint8Array): EventsIn {
  const r = rd(p, 'EVENTS_IN')
  const evIndex = r.u32('ev_index')
  const tBase = Number(r.u64('t_base_us'))
  const horizonUs = r.u64('horizon_us')
  const n = r.u16('n')
  const fmt = r.u8('fmt')
  r.skip(1, 'rsv')
  if (fmt !== 0 && fmt !== 1) throw new ByteReader(p, p.length, 'EVENTS_IN').need(1, `fmt ${fmt}`)
  const tUs = new Float64Array(n)
  const addr = new Uint32Array(n)
  let t = tBase
  for (let i = 0; i < n; i++) {
    addr[i] = fmt === 0 ? r.u16('addr') : r.u32('addr')
    t += fmt === 0 ? r.u16('dt_us') : r.u32('dt_us')
    tUs[i] = t
  }
  return { evIndex, horizonUs, fmt, tUs, addr }
}

/** SPIKES_OUT (§9.4), record format 0; records are (absolute tick, id). */
export interface SpikesOut {
  tickBase: number; tickSpan: number; flags: number; outDropped: number; creditLimit: number
  tick: Uint32Array; id: Uint16Array
}
export function encodeSpikesOut(m: SpikesOut): Uint8Array {
  const n = m.id.length
  const w = new ByteWriter(20 + 4 * n).u32(m.tickBase).u16(m.tickSpan).u16(n).u8(0).u8(m.flags).u16(0)
    .u32(m.outDropped).u32(m.creditLimit)
  for (let i = 0; i < n; i++) w.u16(m.tick[i] - m.tickBase).u16(m.id[i])
  return w.finish()
}
export function decodeSpikesOut(p: Uint8Array): SpikesOut {
  const r = rd(p, 'SPIKES_OUT')
  const tickBase = r.u32('tick_base')
  const tickSpan = r.u16('tick_span')
  const n = r.u16('n')
  const fmt = r.u8('fmt')
  const flags = r.u8('flags')
  r.skip(2, 'rsv')
  const outDropped = r.u32('out_dropped')
  const creditLimit = r.u32('credit_limit')
  if (fmt !== 0) throw new ByteReader(p, p.length, 'SPIKES_OUT (only fmt 0 is supported)').need(1, 'fmt')
  const tick = new Uint32Array(n)
  const id = new Uint16Array(n)
  for (let i = 0; i < n; i++) {
    tick[i] = (tickBase + r.u16('dtick')) >>> 0
    id[i] = r.u16('id')
  }
  return { tickBase, tickSpan, flags, outDropped, creditLimit, tick, id }
}

/** Message catalogue (§7.1), error codes (§11) and enumerations (§7.2). */

export const MsgType = {
  NOP: 0x00,
  HELLO: 0x01,
  CAPS: 0x02,
  GET_CAPS: 0x03,
  OK: 0x05,
  DEPLOY_BEGIN: 0x10,
  DEPLOY_READY: 0x11,
  CHUNK: 0x12,
  CHUNK_ACK: 0x13,
  DEPLOY_COMMIT: 0x14,
  COMMIT_RESULT: 0x15,
  CONFIRM: 0x16,
  DEPLOY_ABORT: 0x17,
  READBACK: 0x18,
  READBACK_DATA: 0x19,
  ACTIVATE: 0x1a,
  RUN: 0x20,
  STOP: 0x21,
  RESET_STATE: 0x22,
  EVENTS_IN: 0x30,
  SPIKES_OUT: 0x31,
  HEARTBEAT: 0x40,
  ERROR: 0x7e,
  LOG: 0x7f,
} as const

export const ErrorCode = {
  OK: 0x0000,
  UNSUPPORTED_VERSION: 0x0101,
  BAD_FRAME: 0x0102,
  UNKNOWN_TYPE: 0x0103,
  NO_SESSION: 0x0104,
  BUSY: 0x0105,
  BAD_STATE: 0x0106,
  BAD_PARAM: 0x0107,
  TIMEOUT: 0x0108,
  UNKNOWN_DEPLOY: 0x0201,
  OFFSET_OUT_OF_RANGE: 0x0203,
  CHUNK_CRC: 0x0204,
  CHUNK_SIZE: 0x0205,
  INCOMPLETE: 0x0206,
  HASH_MISMATCH: 0x0207,
  HEADER_INVALID: 0x0301,
  SECTION_INVALID: 0x0302,
  UNSUPPORTED_PROFILE: 0x0303,
  UNSUPPORTED_MODEL: 0x0304,
  UNSUPPORTED_QUANT: 0x0305,
  CAPACITY_NEURONS: 0x0306,
  CAPACITY_SYNAPSES: 0x0307,
  CAPACITY_FANIN: 0x0308,
  CAPACITY_FANOUT: 0x0309,
  CAPACITY_LAYERS: 0x030a,
  CAPACITY_IO: 0x030b,
  CAPACITY_STORAGE: 0x030c,
  SELFTEST_FAIL: 0x030d,
  SIGNATURE_INVALID: 0x030e,
  FLASH_ERASE: 0x0401,
  FLASH_WRITE: 0x0402,
  FLASH_READ: 0x0403,
  NO_IMAGE: 0x0404,
  CONFIRM_TIMEOUT: 0x0405,
  METADATA_CORRUPT: 0x0406,
  QUEUE_OVERFLOW: 0x0501,
  TICK_OVERRUN: 0x0502,
  INTERNAL: 0xffff,
} as const

export type ErrorCodeName = keyof typeof ErrorCode

const NAMES = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([k, v]) => [v, k as ErrorCodeName]),
)

/** Name of a wire error code; unknown codes read as INTERNAL (§11). */
export function errorCodeName(code: number): ErrorCodeName {
  return NAMES.get(code) ?? 'INTERNAL'
}

export const RunState = { NO_MODEL: 0, STOPPED: 1, RUNNING: 2, FAULT: 3 } as const
export const DeployState = { IDLE: 0, ERASING: 1, RECEIVING: 2, COMMITTING: 3 } as const
export const SlotMode = { TEST: 0, CONFIRMED: 1, STAGED: 2, NONE: 0xff } as const

export const CapsBit = {
  HOT_DEPLOY: 1 << 0,
  SPARSE_CSR: 1 << 1,
  SELFTEST: 1 << 2,
  READBACK_SLOT: 1 << 3,
  READBACK_STATE: 1 << 4,
  STEPPED: 1 << 5,
  MONITOR_ALL: 1 << 6,
  EVENTS_FMT1: 1 << 7,
  SPIKES_BITMAP: 1 << 8,
  SIGNATURE: 1 << 9,
  SIMULATED: 1 << 10,
  PROGRESSIVE_ERASE: 1 << 11,
} as const

export const CommitFlag = { SELFTEST: 1, ACTIVATE: 2, PERMANENT: 4 } as const
export const RunFlag = { STEPPED: 1, MONITOR_ALL: 2, RESET_FIRST: 4 } as const
export const HeartbeatFlag = { SESSION: 1, TEST_PENDING: 2, OVERRUN: 4, WAITING_HORIZON: 8 } as const
export const SpikesFlag = { GLOBAL_IDS: 1, FINAL: 2 } as const

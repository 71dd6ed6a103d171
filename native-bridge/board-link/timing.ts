/** Timing constants of §13, in milliseconds. */
export const T = {
  HB: 250,
  SUSPECT: 600,
  LOST: 1000,
  SESSION: 3000,
  ACK: 20,
  RTO_INIT: 250,
  RTO_MIN: 50,
  RTO_MAX: 2000,
  HELLO: 250,
  HANDSHAKE: 3000,
  RESP: 1000,
  COMMIT: 30_000,
  CHUNK_ACK: 20,
  DEPLOY_IDLE: 30_000,
  CONFIRM_S: 60,
  SPIKE_FLUSH: 10,
  SPIKE_IDLE: 100,
} as const

export const N_RETX = 5

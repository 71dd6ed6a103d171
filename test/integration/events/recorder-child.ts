// Child process for recorder.test.ts: records a deterministic event stream until killed.
// Event i: t = 1_700_000_000_000_000 + 10·i, x = i mod 640, y = (i >> 3) mod 480, p = i mod 2.
import { Aedat4Recorder } from '../../../main/events/recorder.js'

const file = process.argv[2]
const compression = (process.argv[3] ?? 'none') as 'none' | 'lz4' | 'zstd'
const recorder = await Aedat4Recorder.open(file, { geometry: { width: 640, height: 480 }, compression, flushIntervalMs: 50 })
let next = 0
const PER_TICK = 200
setInterval(() => {
  const n = PER_TICK
  const t = new Float64Array(n)
  const x = new Uint16Array(n)
  const y = new Uint16Array(n)
  const p = new Uint8Array(n)
  for (let k = 0; k < n; k++) {
    const i = next + k
    t[k] = 1_700_000_000_000_000 + 10 * i
    x[k] = i % 640
    y[k] = (i >> 3) % 480
    p[k] = i % 2
  }
  recorder.append({ t, x, y, p })
  next += n
  process.stdout.write(`appended ${next} ${Date.now()}\n`)
}, 5)

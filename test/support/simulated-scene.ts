// What the simulated eDVS sends, regenerated independently of the process that sent it, and the
// digest the simulator prints for it, so a recording can be checked event for event.
import { concatEventBatches, createEventBatch, type EventBatch } from '../../common/event-batch.js'
import { EventStreamHasher } from '../../native-bridge/sim-edvs/event-hash.js'
import { randomEvents } from '../../native-bridge/sim-edvs/scenes.js'

/** The first `n` events the simulator's random scene sends for `seed`. */
export async function randomSceneEvents(n: number, seed: number): Promise<EventBatch> {
  const parts: EventBatch[] = []
  for await (const b of randomEvents({ count: n, seed })) parts.push(b)
  return parts.length ? concatEventBatches(parts) : createEventBatch(0)
}

/** The event-stream digest (count and hash of every field) the simulator reports. */
export function eventDigest(b: EventBatch): string {
  const h = new EventStreamHasher(true)
  h.add(b)
  return h.digest()
}

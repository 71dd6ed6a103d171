import { describe, expect, it } from 'vitest'
import { BoardLinkClient, duplexFromByteLink } from '../../../native-bridge/board-link/index.js'
import type { ByteLinkLike } from '../../../native-bridge/board-link/index.js'
import { SimBoard } from '../../../native-bridge/sim-board/index.js'

/** A promise-writing link pair like the serial transport's (asynchronous, backpressured writes). */
function linkPair(): [ByteLinkLike, ByteLinkLike] {
  const ls: ((c: Uint8Array) => void)[][] = [[], []]
  const end = (me: 0 | 1): ByteLinkLike => ({
    write: (b) => new Promise<void>((resolve) => setTimeout(() => {
      for (const l of ls[1 - me]) l(b)
      resolve()
    }, 0)),
    onData: (l) => ls[me].push(l),
  })
  return [end(0), end(1)]
}

describe('ByteLink adapter', () => {
  it('runs the handshake over promise-writing links, in order', async () => {
    const [h, d] = linkPair()
    const board = new SimBoard({ linkBaud: 0, flashTimeScale: 0 })
    board.attach(duplexFromByteLink(d))
    const client = new BoardLinkClient(duplexFromByteLink(h))
    const caps = await client.connect()
    expect(caps.nSlots).toBe(2)
    client.close()
    board.close()
  })

  it('a failing write reports the link closed', async () => {
    const errs: (Error | undefined)[] = []
    const dup = duplexFromByteLink({ write: () => Promise.reject(new Error('EIO')), onData: () => {} })
    dup.onClose((e) => errs.push(e))
    dup.write(new Uint8Array([1]))
    await new Promise((r) => setTimeout(r, 5))
    expect(errs.map((e) => e?.message)).toEqual(['EIO'])
  })
})

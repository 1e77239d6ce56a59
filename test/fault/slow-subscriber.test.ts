/**
 * A slow subscriber: one PUB, two SUBs; the fast one connects directly, the
 * slow one through the proxy, which stalls everything the PUB sends it.
 * 100k messages of 1 KiB are published in batches of 500 (half the
 * high-water mark), each batch once the fast subscriber has received the
 * previous one, so that the fast subscriber is never the one left behind.
 *
 * The fast subscriber must receive every message, in order; the publisher
 * must never block (every send with sendTimeout 0 resolves); memory
 * (heapUsed + arrayBuffers after a forced GC, sampled during the run) must
 * stay bounded although the slow subscriber takes nothing. When the stall
 * ends, the slow one gets an in-order subset, then new messages.
 *
 * zmq-ts on both ends, then a `zeromq` PUB with zmq-ts SUBs and a zmq-ts PUB
 * with `zeromq` SUBs.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { guarded, IMPL_PAIRS, indexOf, joinSubscribers, liveMemory, MiB, mib, nextTurn, numbered } from "./support.js"
import { scaled } from "../helpers/time.js"

const COUNT = 100_000
const SIZE = 1024
const BATCH = 500
const SAMPLE_EVERY = 20_000
/** The slow subscriber's queue (1000 messages) plus what the engine lets the stream hold, with room to spare. */
const MEMORY_BOUND = 24 * MiB

for (const [pubImpl, subImpl] of IMPL_PAIRS) {
  void describe(`${pubImpl} PUB, two ${subImpl} SUBs, one of them stalled`, () => {
    void test("the fast subscriber gets everything, the publisher never blocks, memory stays bounded", { timeout: scaled(40_000) }, (t) =>
      guarded(30_000, async (r) => {
        const pub = r.sock(pubImpl, "PUB")
        const endpoint = await pub.bind()
        const proxy = await r.proxy(endpoint)
        const fast = r.sock(subImpl, "SUB")
        const slow = r.sock(subImpl, "SUB")
        fast.subscribe()
        slow.subscribe()
        fast.connect(endpoint)
        slow.connect(proxy.endpoint)
        await Promise.all([pub.log.wait("handshake", { count: 2 }), fast.log.wait("handshake"), slow.log.wait("handshake")])
        await joinSubscribers(pub, [fast, slow], "warm")

        proxy.stall("s2c")
        // The fast subscriber checks order as it goes and reports progress.
        let received = 0
        const progress: { waiter: { target: number; resolve: () => void } | null } = { waiter: null }
        const fastReader = (async () => {
          while (received < COUNT) {
            const frame = (await fast.receive())[0]!
            if (frame.length !== SIZE) continue // leftover warm-ups
            const i = indexOf(frame)
            if (i !== received) assert.fail(`fast subscriber: got ${i}, expected ${received} (lost, reordered or duplicated)`)
            received++
            const w = progress.waiter
            if (w !== null && received >= w.target) {
              progress.waiter = null
              w.resolve()
            }
          }
        })()
        const fastReached = (target: number): Promise<void> =>
          received >= target ? Promise.resolve() : new Promise((resolve) => (progress.waiter = { target, resolve }))

        pub.sendTimeout = 0
        const start = performance.now()
        const base = liveMemory()
        let maxGrowth = 0
        for (let i = 0; i < COUNT; i++) {
          await pub.send(numbered(i, SIZE)) // rejects (EAGAIN) if the publisher would block
          if ((i + 1) % BATCH === 0) await Promise.race([fastReached(i + 1), fastReader])
          if ((i + 1) % SAMPLE_EVERY === 0) maxGrowth = Math.max(maxGrowth, liveMemory() - base)
        }
        await fastReader
        const ms = performance.now() - start
        t.diagnostic(`${COUNT} published in ${ms.toFixed(0)} ms, all received by the fast subscriber; max heapUsed+arrayBuffers growth ${mib(maxGrowth)} (bound ${mib(MEMORY_BOUND)})`)
        assert.equal(received, COUNT)
        assert.ok(maxGrowth < MEMORY_BOUND, `memory grew by ${mib(maxGrowth)}`)
        assert.ok(proxy.stats.forwarded.s2c < COUNT * SIZE, "the slow subscriber's connection was stalled")

        // The stall ends: the slow subscriber gets an in-order subset, then new messages.
        proxy.unstall("s2c")
        const got: number[] = []
        let caughtUp = false
        const slowReader = (async () => {
          for (;;) {
            const frame = (await slow.receive())[0]!
            if (frame.length !== SIZE) continue
            const i = indexOf(frame)
            if (i >= COUNT) break
            if (got.length > 0 && i <= got.at(-1)!) assert.fail(`slow subscriber: ${i} after ${got.at(-1)} (reordered or duplicated)`)
            got.push(i)
          }
          caughtUp = true
        })()
        for (let k = 0; !caughtUp; k++) {
          await Promise.race([pub.send(numbered(COUNT + k, SIZE)), slowReader])
          await nextTurn()
        }
        await slowReader
        assert.ok(got.length < COUNT, "the slow subscriber missed messages")
        t.diagnostic(`slow subscriber: ${got.length} of ${COUNT} received (in order, no duplicates), then new messages`)
      }),
    )
  })
}

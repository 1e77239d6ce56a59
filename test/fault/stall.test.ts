/**
 * One direction stalled: the proxy stops reading what a zmq-ts sender writes
 * (the receiver, or the network, stopped taking bytes). 100k messages of
 * 1 KiB are then attempted with sendTimeout 0, yielding to the event loop
 * every 1000 so that the engine keeps writing until every buffer on the way
 * is full:
 *
 * - PUSH and DEALER block at the high-water mark: sends fail with EAGAIN,
 *   `writable` turns false, a send with a timeout fails with EAGAIN after it,
 *   a send without one stays pending until the stall ends, and then every
 *   accepted message arrives, once and in order;
 * - PUB never blocks: every send resolves, the stalled subscriber misses
 *   messages, and what it does get is in order, without duplicates;
 * - in every case the sender's memory (heapUsed + arrayBuffers after a forced
 *   GC, sampled during the attempts) grows by less than MEMORY_BOUND, when
 *   the 100k messages themselves take about 100 MiB.
 *
 * The sender is zmq-ts (the subject); the receiver is zmq-ts or a `zeromq`
 * peer, and the sender connects through the proxy or binds behind it.
 */
import assert from "node:assert/strict"
import { describe, test, type TestContext } from "node:test"
import { ZmqError } from "../../src/util.js"
import type { Direction } from "./proxy.js"
import { guarded, indexOf, joinSubscribers, liveMemory, MiB, mib, nextTurn, numbered, type Impl, type Resources, type Sock, type SockType } from "./support.js"
import { scaled } from "../helpers/time.js"

const ATTEMPTS = 100_000
const SIZE = 1024
/**
 * Growth allowed while the stall lasts: the send high-water mark (1000
 * messages, ~1 MiB) plus what the engine lets Node's stream hold, with room
 * to spare; unbounded queueing would take ~100 MiB.
 */
const MEMORY_BOUND = 24 * MiB
const SAMPLE_EVERY = 20_000

interface Flood {
  accepted: number[]
  eagain: number
  maxGrowth: number
  ms: number
}

const isEagain = (err: unknown): boolean => err instanceof ZmqError && err.code === "EAGAIN"

/** Attempts ATTEMPTS sends with sendTimeout 0, yielding every 1000; samples memory growth. */
async function flood(sender: Sock): Promise<Flood> {
  sender.sendTimeout = 0
  // Tens of thousands of EAGAIN rejections: skip capturing their stack traces.
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return await attempt(sender)
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

async function attempt(sender: Sock): Promise<Flood> {
  const start = performance.now()
  const base = liveMemory()
  let maxGrowth = 0
  const accepted: number[] = []
  let eagain = 0
  for (let i = 0; i < ATTEMPTS; i++) {
    try {
      await sender.send(numbered(i, SIZE))
      accepted.push(i)
    } catch (err) {
      if (!isEagain(err)) throw err
      eagain++
    }
    if (i % 1000 === 999) await nextTurn()
    if (i % SAMPLE_EVERY === SAMPLE_EVERY - 1) maxGrowth = Math.max(maxGrowth, liveMemory() - base)
  }
  return { accepted, eagain, maxGrowth, ms: performance.now() - start }
}

interface Setup {
  sender: Sock
  receiver: Sock
  direction: Direction
  stall(): void
  unstall(): void
}

async function connectThroughProxy(r: Resources, senderType: SockType, receiverType: SockType, receiverImpl: Impl, senderRole: Role): Promise<Setup> {
  const sender = r.sock("zmq-ts", senderType, { reconnectInterval: 20 })
  const receiver = r.sock(receiverImpl, receiverType, { reconnectInterval: 20 })
  const [binder, connecter] = senderRole === "binds" ? [sender, receiver] : [receiver, sender]
  const proxy = await r.proxy(await binder.bind())
  if (receiverType === "SUB") receiver.subscribe()
  connecter.connect(proxy.endpoint)
  await Promise.all([sender.log.wait("handshake"), receiver.log.wait("handshake")])
  const direction: Direction = senderRole === "connects" ? "c2s" : "s2c"
  return { sender, receiver, direction, stall: () => proxy.stall(direction), unstall: () => proxy.unstall(direction) }
}

function report(t: TestContext, f: Flood): void {
  t.diagnostic(
    `${ATTEMPTS} attempts in ${f.ms.toFixed(0)} ms: ${f.accepted.length} accepted, ${f.eagain} EAGAIN; ` +
      `max heapUsed+arrayBuffers growth ${mib(f.maxGrowth)} (bound ${mib(MEMORY_BOUND)})`,
  )
}

type Role = "connects" | "binds"
const EVERY: readonly (readonly [Impl, Role])[] = [
  ["zmq-ts", "connects"],
  ["zmq-ts", "binds"],
  ["zeromq", "connects"],
  ["zeromq", "binds"],
]

/**
 * Receiver library and sender role per case. PUSH gets every combination;
 * DEALER shares PUSH's load balancer and PUB is also covered by the slow
 * subscriber test, so they get fewer (keeping test/fault within its time).
 */
const BLOCKING: readonly { sender: SockType; receiver: SockType; cases: readonly (readonly [Impl, Role])[] }[] = [
  { sender: "PUSH", receiver: "PULL", cases: EVERY },
  {
    sender: "DEALER",
    receiver: "ROUTER",
    cases: [
      ["zmq-ts", "connects"],
      ["zeromq", "binds"],
    ],
  },
]
const PUB_CASES: readonly (readonly [Impl, Role])[] = [
  ["zmq-ts", "connects"],
  ["zmq-ts", "binds"],
  ["zeromq", "connects"],
]

for (const pair of BLOCKING) {
  for (const [receiverImpl, senderRole] of pair.cases) {
    void describe(`stalled: zmq-ts ${pair.sender} ${senderRole} → ${receiverImpl} ${pair.receiver}`, () => {
      void test(`${pair.sender} blocks at the high-water mark, memory stays bounded, nothing is lost`, { timeout: scaled(40_000) }, (t) =>
        guarded(30_000, async (r) => {
          const s = await connectThroughProxy(r, pair.sender, pair.receiver, receiverImpl, senderRole)
          await s.sender.send(numbered(0xffffffff, 8))
          assert.equal(indexOf((await s.receiver.receive()).at(-1)!), 0xffffffff, "warm-up")

          s.stall()
          const f = await flood(s.sender)
          report(t, f)
          assert.ok(f.eagain > 0, "sends failed with EAGAIN once every queue was full")
          assert.ok(f.maxGrowth < MEMORY_BOUND, `memory grew by ${mib(f.maxGrowth)}`)
          assert.equal(s.sender.writable, false, "not writable while blocked")

          // With a timeout, a send waits that long and fails; without one it waits for the stall to end.
          s.sender.sendTimeout = 50
          await assert.rejects(s.sender.send(numbered(ATTEMPTS, SIZE)), isEagain)
          s.sender.sendTimeout = -1
          let settled = false
          const last = s.sender.send(numbered(ATTEMPTS + 1, SIZE)).then(() => (settled = true))
          await nextTurn()
          assert.equal(settled, false, "send is pending while the path is stalled")

          // Receive while the pending send waits: it may need the receiver to make room.
          s.unstall()
          const expected = [...f.accepted, ATTEMPTS + 1]
          const receiving = (async () => {
            for (let k = 0; k < expected.length; k++) {
              const got = indexOf((await s.receiver.receive()).at(-1)!)
              if (got !== expected[k]) assert.fail(`message ${k}: got index ${got}, expected ${expected[k]} (lost, reordered or duplicated)`)
            }
          })()
          await Promise.all([last, receiving])
          t.diagnostic(`after the stall: all ${expected.length} accepted messages received once, in order`)
        }),
      )
    })
  }
}

for (const [receiverImpl, senderRole] of PUB_CASES) {
  void describe(`stalled: zmq-ts PUB ${senderRole} → ${receiverImpl} SUB`, () => {
    void test("PUB never blocks and drops for the stalled subscriber, memory stays bounded", { timeout: scaled(40_000) }, (t) =>
      guarded(30_000, async (r) => {
        const s = await connectThroughProxy(r, "PUB", "SUB", receiverImpl, senderRole)
        await joinSubscribers(s.sender, [s.receiver], "warm")

        s.stall()
        const f = await flood(s.sender)
        report(t, f)
        assert.equal(f.eagain, 0, "a PUB send never fails with EAGAIN")
        assert.equal(f.accepted.length, ATTEMPTS)
        assert.ok(f.maxGrowth < MEMORY_BOUND, `memory grew by ${mib(f.maxGrowth)}`)
        assert.equal(s.sender.writable, true, "PUB stays writable")

        // Flow again: the subscriber gets an in-order subset, then new messages.
        s.unstall()
        const got: number[] = []
        let caughtUp = false
        const reading = (async () => {
          for (;;) {
            const frame = (await s.receiver.receive())[0]!
            if (frame.length !== SIZE) continue // leftover warm-ups
            const i = indexOf(frame)
            if (i >= ATTEMPTS) break
            if (got.length > 0 && i <= got.at(-1)!) assert.fail(`index ${i} after ${got.at(-1)} (reordered or duplicated)`)
            got.push(i)
          }
          caughtUp = true
        })()
        // New messages until one arrives (PUB drops while the subscriber's queue is still full).
        for (let k = 0; !caughtUp; k++) {
          await s.sender.send(numbered(ATTEMPTS + k, SIZE))
          await nextTurn()
        }
        await reading
        assert.ok(got.length < ATTEMPTS, "the stalled subscriber missed messages")
        t.diagnostic(`stalled subscriber received ${got.length} of ${ATTEMPTS} (in order, no duplicates), then new messages`)
      }),
    )
  })
}

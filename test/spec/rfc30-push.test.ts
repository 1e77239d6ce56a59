/**
 * RFC 30/PIPELINE, "The PUSH Socket Type": one test per SHALL clause, each
 * run over tcp, ipc and inproc.
 * https://rfc.zeromq.org/spec/30/
 */
import assert from "node:assert/strict"
import { setImmediate as nextTurn } from "node:timers/promises"
import { Pull, Push } from "../../src/index.js"
import {
  PAD,
  bindFresh,
  disconnects,
  eachTransport,
  fillUntilBlocked,
  handshakes,
  labels,
  receiveLabels,
  rejectsWith,
  sockets,
  text,
  track,
  unboundEndpoint,
} from "../helpers/transports.js"
import { alsoOverWs } from "../helpers/transports.js"

// ws:// (RFC 45) runs this family too.
alsoOverWs()

/** true if T has a member K: compile-time checks that a socket type lacks a method. */
type Has<T, K extends PropertyKey> = K extends keyof T ? true : false

eachTransport("RFC 30 PUSH: MAY be connected to any number of PULL peers, and SHALL only send messages", async (t, ctx) => {
  const own = sockets(ctx)
  const pushCanReceive: Has<Push, "receive"> = false
  const pushIsIterable: Has<Push, typeof Symbol.asyncIterator> = false
  assert.equal(pushCanReceive || pushIsIterable, false)

  const push = own(new Push({ linger: 0 }))
  // As in zeromq.js, every socket object has receive() and async iteration at run time (typings say PUSH has none).
  assert.equal(typeof (push as unknown as Record<string, unknown>).receive, "function")
  assert.equal(typeof push.send, "function")

  const endpoint = await bindFresh(push, t)
  const pulls = [0, 1, 2, 3, 4].map(() => own(new Pull({ linger: 0 })))
  const ready = handshakes(push, t, pulls.length)
  for (const pull of pulls) pull.connect(endpoint)
  await ready
  for (let i = 0; i < pulls.length; i++) await push.send(`m${i}`)
  const got = await Promise.all(pulls.map(async (pull) => text(await pull.receive())[0]!))
  assert.deepEqual([...got].sort(), labels("m", 5), "one message reached each of the five peers")
  assert.equal(push.readable, false, "a PUSH socket never has anything to read")
})

eachTransport("RFC 30 PUSH: SHALL not filter or modify outgoing messages in any way", async (t, ctx) => {
  const own = sockets(ctx)
  const push = own(new Push({ linger: 0 }))
  const endpoint = await bindFresh(push, t)
  const a = own(new Pull({ linger: 0 }))
  const b = own(new Pull({ linger: 0 }))
  const ready = handshakes(push, t, 2)
  a.connect(endpoint)
  b.connect(endpoint)
  await ready

  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
  const big = Buffer.alloc(300_000)
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff
  // Multipart messages of different shapes; each must arrive whole, at one peer.
  const sent: Buffer[][] = [
    [Buffer.from("single")],
    [Buffer.alloc(0)],
    [Buffer.from("head"), Buffer.alloc(0), Buffer.from("tail")],
    [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)],
    [allBytes, Buffer.from("ünïcødé ✓")],
    [Buffer.from("big"), big, Buffer.alloc(0)],
    Array.from({ length: 40 }, (_, i) => Buffer.from(`frame-${i}`)),
    [Buffer.from("last")],
  ]
  for (const msg of sent) await push.send(msg)
  // Round-robin over two peers: a gets the even ones and b the odd ones, or the reverse.
  const receiveAll = async (pull: Pull, n: number): Promise<Buffer[][]> => {
    const out: Buffer[][] = []
    for (let i = 0; i < n; i++) out.push(await pull.receive())
    return out
  }
  const fromA = await receiveAll(a, sent.length / 2)
  const fromB = await receiveAll(b, sent.length / 2)
  const key = (m: Buffer[]): string => m.map((f) => f.toString("hex")).join("|")
  const evens = sent.filter((_, i) => i % 2 === 0).map(key)
  const odds = sent.filter((_, i) => i % 2 === 1).map(key)
  const got = [fromA.map(key), fromB.map(key)]
  assert.ok(
    (JSON.stringify(got) === JSON.stringify([evens, odds])) || (JSON.stringify(got) === JSON.stringify([odds, evens])),
    "every message arrives whole and unchanged, frames in order, at exactly one peer",
  )
})

eachTransport("RFC 30 PUSH: SHALL maintain an outgoing message queue for each connected peer", async (t, ctx) => {
  const own = sockets(ctx)
  const push = own(new Push({ linger: 0 }))
  const endpoint = await bindFresh(push, t)
  const a = own(new Pull({ linger: 0 }))
  const b = own(new Pull({ linger: 0 }))
  const ready = handshakes(push, t, 2)
  a.connect(endpoint)
  b.connect(endpoint)
  await ready

  // Neither peer reads yet: each message waits in its own peer's queue.
  for (let i = 0; i < 20; i++) await push.send(`m${i}`)
  // Losing b (and its queue) leaves a's queue untouched: a gets exactly its
  // ten, and none of b's are moved over to it.
  const gone = disconnects(push, t)
  b.close()
  await gone
  await push.send("after")
  const got = await receiveLabels(a, 11)
  assert.equal(got[10], "after")
  const nums = got.slice(0, 10).map((l) => Number(l.slice(1)))
  const parity = nums[0]! % 2
  assert.deepEqual(nums, Array.from({ length: 10 }, (_, i) => parity + 2 * i), `a kept its own queue, in order: ${got.join(",")}`)
})

eachTransport(
  "RFC 30 PUSH: SHALL create this queue when initiating an outgoing connection to a peer, and SHALL maintain the queue whether or not the connection is established (connect before bind)",
  async (t, ctx) => {
    const own = sockets(ctx)
    const endpoint = await unboundEndpoint(t)
    const push = own(new Push({ linger: 0, reconnectInterval: 20 }))
    push.connect(endpoint)
    // Nothing listens yet, but the queue exists: these sends are accepted.
    for (let i = 0; i < 3; i++) await push.send(`early${i}`)
    const pull = own(new Pull({ linger: 0 }))
    await pull.bind(endpoint)
    assert.deepEqual(await receiveLabels(pull, 3), labels("early", 3))
  },
)

eachTransport(
  "RFC 30 PUSH: SHALL create this queue when initiating an outgoing connection to a peer, and SHALL maintain the queue whether or not the connection is established (reconnect)",
  async (t, ctx) => {
    const own = sockets(ctx)
    const first = own(new Pull({ linger: 0 }))
    const endpoint = await bindFresh(first, t)
    const push = own(new Push({ linger: 0, reconnectInterval: 20 }))
    const ready = handshakes(push, t)
    push.connect(endpoint)
    await ready
    await push.send("warm-up")
    assert.deepEqual(text(await first.receive()), ["warm-up"])

    // The bind side goes away; the connecting PUSH keeps its queue and accepts messages.
    const gone = disconnects(push, t)
    first.close()
    await gone
    for (let i = 0; i < 3; i++) await push.send(`queued${i}`)

    // A new peer binds the same endpoint (tcp: same port, ipc: same path).
    const second = own(new Pull({ linger: 0 }))
    await second.bind(endpoint)
    assert.equal(second.lastEndpoint, endpoint)
    assert.deepEqual(await receiveLabels(second, 3), labels("queued", 3))
  },
  { skip: { inproc: "libzmq does not re-establish inproc connections when the binder closes and a new socket binds the name" } },
)

eachTransport("RFC 30 PUSH: SHALL create this queue when a peer connects to it", async (t, ctx) => {
  const own = sockets(ctx)
  const push = own(new Push({ linger: 0, sendTimeout: 0 }))
  const endpoint = await bindFresh(push, t)
  assert.equal(push.writable, false, "no peer, no queue")
  await rejectsWith(push.send("no-queue"), "EAGAIN")

  const pull = own(new Pull({ linger: 0 }))
  const ready = handshakes(push, t)
  pull.connect(endpoint)
  await ready
  assert.equal(push.writable, true, "the connecting peer got a queue")
  await push.send("queued") // sendTimeout 0: succeeds only if a queue has room now
  assert.deepEqual(text(await pull.receive()), ["queued"])
})

eachTransport(
  "RFC 30 PUSH: If this peer disconnects, the PUSH socket SHALL destroy its queue and SHALL discard any messages it contains",
  async (t, ctx) => {
    const own = sockets(ctx)
    const push = own(new Push({ linger: 0 }))
    const endpoint = await bindFresh(push, t)
    const first = own(new Pull({ linger: 0, receiveHighWaterMark: 1 }))
    const ready = handshakes(push, t)
    first.connect(endpoint)
    await ready
    for (let i = 0; i < 5; i++) await push.send(`old${i}`)

    const gone = disconnects(push, t)
    first.close()
    await gone
    // The queue is gone with the peer: there is nowhere to send.
    push.sendTimeout = 0
    await rejectsWith(push.send("nowhere"), "EAGAIN")
    push.sendTimeout = -1

    const second = own(new Pull({ linger: 0 }))
    const again = handshakes(push, t)
    second.connect(endpoint)
    await again
    await push.send("new0")
    await push.send("new1")
    // Nothing queued for the first peer is handed to the second one.
    assert.deepEqual(await receiveLabels(second, 2), ["new0", "new1"])
  },
)

eachTransport("RFC 30 PUSH: SHALL consider a peer as available only when it has a outgoing queue that is not full", async (t, ctx) => {
  const own = sockets(ctx)
  const push = own(new Push({ linger: 0, sendHighWaterMark: 4 }))
  const endpoint = await bindFresh(push, t)
  const stuck = own(new Pull({ linger: 0, receiveHighWaterMark: 4 }))
  const first = handshakes(push, t)
  stuck.connect(endpoint)
  await first
  // `stuck` never reads until the end: fill everything up to it.
  const accepted = await fillUntilBlocked(push, t, (i) => `m${i}`)
  assert.ok(accepted > 0)

  const reader = own(new Pull({ linger: 0, receiveHighWaterMark: 4 }))
  const second = handshakes(push, t)
  reader.connect(endpoint)
  await second
  // The full peer is skipped: every new message goes to `reader`, none waits for `stuck`.
  const received = receiveLabels(reader, 20)
  for (let i = 0; i < 20; i++) await push.send([`n${i}`, PAD])
  assert.deepEqual(await received, labels("n", 20))
  // The full peer still gets exactly what it had accepted, in order.
  assert.deepEqual(await receiveLabels(stuck, accepted), labels("m", accepted))
})

eachTransport("RFC 30 PUSH: SHALL route outgoing messages to available peers using a round-robin strategy", async (t, ctx) => {
  const own = sockets(ctx)
  const push = own(new Push({ linger: 0 }))
  const endpoint = await bindFresh(push, t)
  const pulls = [0, 1, 2].map(() => own(new Pull({ linger: 0 })))
  const ready = handshakes(push, t, 3)
  for (const pull of pulls) pull.connect(endpoint)
  await ready

  for (let i = 0; i < 30; i++) await push.send(String(i))
  const got = await Promise.all(pulls.map(async (pull) => (await receiveLabels(pull, 10)).map(Number)))
  // Exactly 10 each, and each peer sees every third message: k, k+3, k+6, ...
  const starts = got.map((nums) => nums[0]!)
  assert.deepEqual([...starts].sort(), [0, 1, 2], `peers start at distinct offsets: ${JSON.stringify(got)}`)
  for (const nums of got) {
    assert.deepEqual(nums, Array.from({ length: 10 }, (_, i) => nums[0]! + 3 * i))
  }
})

eachTransport(
  "RFC 30 PUSH: SHALL block on sending, or return a suitable error, when it has no available peers (EAGAIN after sendTimeout)",
  async (t, ctx) => {
    const own = sockets(ctx)
    const push = own(new Push({ linger: 0, sendTimeout: 0 }))
    await bindFresh(push, t)
    await rejectsWith(push.send("now"), "EAGAIN")
    push.sendTimeout = 50
    const started = performance.now()
    await rejectsWith(push.send("later"), "EAGAIN")
    assert.ok(performance.now() - started >= 45, "EAGAIN only once sendTimeout has passed")
  },
)

eachTransport(
  "RFC 30 PUSH: SHALL block on sending, or return a suitable error, when it has no available peers (blocks until a peer connects)",
  async (t, ctx) => {
    const own = sockets(ctx)
    const push = own(new Push({ linger: 0 }))
    const endpoint = await bindFresh(push, t)
    const send = track(push.send("waiting"))
    await nextTurn()
    await nextTurn()
    assert.equal(send.settled, false, "send() waits while there is no peer")

    const pull = own(new Pull({ linger: 0 }))
    pull.connect(endpoint)
    await send.promise
    assert.deepEqual(text(await pull.receive()), ["waiting"])
  },
)

eachTransport("RFC 30 PUSH: SHALL not accept further messages when it has no available peers", async (t, ctx) => {
  const own = sockets(ctx)
  const push = own(new Push({ linger: 0, sendTimeout: 0 }))
  const endpoint = await bindFresh(push, t)
  // Refused at once (sendTimeout 0), multipart or not.
  await rejectsWith(push.send(["refused", "multi", "part"]), "EAGAIN")
  push.sendTimeout = -1
  const pending = track(push.send("pending"))
  // While one send waits, a second one is not taken either.
  assert.throws(() => push.send("busy"), { code: "EBUSY" })
  assert.equal(pending.settled, false)

  const pull = own(new Pull({ linger: 0 }))
  pull.connect(endpoint)
  await pending.promise
  await push.send("after")
  // Only what was accepted arrives; "refused" and "busy" never do.
  assert.deepEqual(text(await pull.receive()), ["pending"])
  assert.deepEqual(text(await pull.receive()), ["after"])
})

eachTransport("RFC 30 PUSH: SHALL NOT discard messages that it cannot queue", async (t, ctx) => {
  const own = sockets(ctx)
  const push = own(new Push({ linger: 0, sendHighWaterMark: 4 }))
  const endpoint = await bindFresh(push, t)
  const pull = own(new Pull({ linger: 0, receiveHighWaterMark: 4 }))
  const ready = handshakes(push, t)
  pull.connect(endpoint)
  await ready

  const accepted = await fillUntilBlocked(push, t, (i) => `m${i}`)
  // Everything up to the peer is full: the next send blocks instead of dropping.
  const blocked = track(push.send([`m${accepted}`, PAD]))
  const firstFew = await receiveLabels(pull, 2)
  assert.deepEqual(firstFew, ["m0", "m1"])
  assert.equal(blocked.settled, false, "the blocked send is still waiting after the reader has taken two messages")
  // Reading on frees room; the blocked send completes and nothing is lost.
  const rest = await receiveLabels(pull, accepted - 1)
  await blocked.promise
  assert.deepEqual([...firstFew, ...rest], labels("m", accepted + 1))
})

/**
 * RFC 29/PUBSUB, "The PUB Socket Type": one test per SHALL clause (plus the
 * libzmq option ZMQ_XPUB_NODROP, which PUB has too), each run over tcp, ipc
 * and inproc.
 * https://rfc.zeromq.org/spec/29/
 *
 * A PUB tells nobody when a subscription has arrived, so these tests use
 * probe() from pattern-helpers.ts (publish a probe topic until it arrives)
 * as a readiness check before the messages under test are sent once.
 */
import assert from "node:assert/strict"
import { Publisher, Subscriber, XSubscriber } from "../../src/index.js"
import { PAD, bindFresh, eachTransport, fillUntilBlocked, labels, sockets, track, unboundEndpoint } from "../helpers/transports.js"
import {
  allStrings,
  assertOrderedSubset,
  drainUntilEnd,
  endMarker,
  probe,
  probeTopic,
  receiveData,
  receiveUntilEnd,
} from "./pattern-helpers.js"
import { alsoOverWs } from "../helpers/transports.js"

// ws:// (RFC 45) runs this family too.
alsoOverWs()

/** true if T has a member K: compile-time check that a socket type lacks a method. */
type Has<T, K extends PropertyKey> = K extends keyof T ? true : false

/** Subscribes `sub` to `topics` and a fresh probe topic, and waits until `pub` has them all. */
async function subscribed(pub: Publisher, sub: Subscriber, ...topics: (string | Buffer)[]): Promise<string> {
  const p = probeTopic()
  sub.subscribe(...topics, p)
  await probe(pub, [sub], p)
  return p
}

eachTransport("RFC 29 PUB: MAY be connected to any number of SUB or XSUB subscribers, and SHALL only send messages", async (t, ctx) => {
  const own = sockets(ctx)
  const pubCanReceive: Has<Publisher, "receive"> = false
  assert.equal(pubCanReceive, false)
  const pub = own(new Publisher({ linger: 0 }))
  assert.equal(pub.readable, false)
  const endpoint = await bindFresh(pub, t)

  const subs = [own(new Subscriber({ linger: 0 })), own(new Subscriber({ linger: 0 }))]
  const xsub = own(new XSubscriber({ linger: 0 }))
  const p = probeTopic()
  for (const sub of subs) {
    sub.subscribe("news", p)
    sub.connect(endpoint)
  }
  await xsub.send("\x01news")
  await xsub.send(`\x01${p}`)
  xsub.connect(endpoint)
  await probe(pub, [...subs, xsub], p)

  await pub.send(["news", "1"])
  await pub.send(endMarker(p))
  for (const sub of [...subs, xsub]) assert.deepEqual(allStrings(await receiveUntilEnd(sub, p)), [["news", "1"]])
})

eachTransport("RFC 29 PUB: SHALL perform a binary comparison of the subscription against the start of the first frame of the message", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0 }))
  const endpoint = await bindFresh(pub, t)
  const sub = own(new Subscriber({ linger: 0 }))
  sub.connect(endpoint)
  const p = await subscribed(pub, sub, "ab", Buffer.from([0xff, 0x00]), "A")

  const sent: (string | Buffer)[][] = [
    ["a"], // shorter than the prefix
    ["ab"], // equal
    ["abc"], // longer
    ["xab"], // contains it, not at the start
    ["b"],
    [Buffer.from([0xff, 0x00, 0x01])], // binary prefix, zero byte included
    [Buffer.from([0xff])],
    [Buffer.from([0xff, 0x01])],
    ["Ab"], // case matters: "A" matches, "ab" does not
    ["aB"],
    ["zz", "ab"], // only the first frame counts
  ]
  for (const msg of sent) await pub.send(msg)
  await pub.send(endMarker(p))
  const got = await receiveUntilEnd(sub, p)
  assert.deepEqual(got, [[Buffer.from("ab")], [Buffer.from("abc")], [Buffer.from([0xff, 0x00, 0x01])], [Buffer.from("Ab")]])
})

eachTransport(
  "RFC 29 PUB: SHALL perform a binary comparison of the subscription against the start of the first frame — the empty subscription matches every message",
  async (t, ctx) => {
    const own = sockets(ctx)
    const pub = own(new Publisher({ linger: 0 }))
    const endpoint = await bindFresh(pub, t)
    const explicit = own(new Subscriber({ linger: 0 }))
    const noArgument = own(new Subscriber({ linger: 0 }))
    const p = probeTopic()
    explicit.subscribe("")
    noArgument.subscribe() // zeromq.js: no argument subscribes to everything
    for (const sub of [explicit, noArgument]) sub.connect(endpoint)
    await probe(pub, [explicit, noArgument], p)

    const sent = [[Buffer.alloc(0)], [Buffer.alloc(0), Buffer.from("x")], [Buffer.from("anything")], [Buffer.from([0, 1, 2])]]
    for (const msg of sent) await pub.send(msg)
    await pub.send(endMarker(p))
    for (const sub of [explicit, noArgument]) assert.deepEqual(await receiveUntilEnd(sub, p), sent)
  },
)

eachTransport("RFC 29 PUB: SHALL perform a binary comparison … — a message matching overlapping subscriptions is delivered once", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0 }))
  const endpoint = await bindFresh(pub, t)
  const sub = own(new Subscriber({ linger: 0 }))
  sub.connect(endpoint)
  const p = await subscribed(pub, sub, "a", "ab", "abc")

  for (const label of ["abcd", "ab", "a", "ax", "b"]) await pub.send(label)
  await pub.send(endMarker(p))
  assert.deepEqual(allStrings(await receiveUntilEnd(sub, p)), [["abcd"], ["ab"], ["a"], ["ax"]])
})

eachTransport("RFC 29 PUB: SHALL not modify outgoing messages in any way (multipart messages are filtered on the first frame and delivered whole)", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0 }))
  const endpoint = await bindFresh(pub, t)
  const sub = own(new Subscriber({ linger: 0 }))
  sub.connect(endpoint)
  const p = await subscribed(pub, sub, "t")

  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
  const big = Buffer.alloc(300_000, 0xa5)
  const wanted = [
    [Buffer.from("t1"), Buffer.from("x"), Buffer.alloc(0), allBytes],
    [Buffer.from("t2")],
    [Buffer.from("t"), Buffer.alloc(0)],
    [Buffer.from("t3"), big, Buffer.from("after big")],
  ]
  await pub.send(wanted[0]!)
  await pub.send(["u", "t"]) // the second frame does not count
  await pub.send(wanted[1]!)
  await pub.send(wanted[2]!)
  await pub.send(["", "t"])
  await pub.send(wanted[3]!)
  await pub.send(endMarker(p))
  assert.deepEqual(await receiveUntilEnd(sub, p), wanted)
})

eachTransport("RFC 29 PUB: SHALL silently drop the message if the queue for a subscriber is full", async (t, ctx) => {
  const own = sockets(ctx)
  const N = 300
  const BATCH = 10
  const pub = own(new Publisher({ linger: 0, sendHighWaterMark: 20 }))
  const endpoint = await bindFresh(pub, t)
  const fast = own(new Subscriber({ linger: 0 }))
  const slow = own(new Subscriber({ linger: 0, receiveHighWaterMark: 10 }))
  const p = probeTopic()
  for (const sub of [fast, slow]) {
    sub.subscribe("d", p)
    sub.connect(endpoint)
  }
  await probe(pub, [fast, slow], p)

  // 64 KiB messages, so that on tcp/ipc the kernel buffers towards the slow
  // subscriber fill up too. The fast subscriber reads each batch before the
  // next is published; the slow one reads nothing until the end.
  const fastGot: Buffer[][] = []
  for (let i = 0; i < N; i += BATCH) {
    for (let j = i; j < i + BATCH; j++) {
      await pub.send([`d${j}`, PAD]) // never waits: resolves at once, full queue or not
      assert.equal(pub.writable, true)
    }
    for (let j = i; j < i + BATCH; j++) fastGot.push(await receiveData(fast))
  }
  assert.deepEqual(
    fastGot.map((m) => m[0]!.toString()),
    labels("d", N),
    "the fast subscriber gets everything: another subscriber's full queue does not affect it",
  )
  const slowGot = await drainUntilEnd(pub, slow, p)
  const nums = assertOrderedSubset(slowGot, "d", 0, "the slow subscriber")
  assert.ok(nums.length < N, `the slow subscriber missed messages (got ${nums.length} of ${N})`)
})

eachTransport("RFC 29 PUB: SHALL NOT block on sending", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0, sendHighWaterMark: 4 }))
  const endpoint = await bindFresh(pub, t)
  // No subscriber at all.
  for (let i = 0; i < 1000; i++) await pub.send(`nobody${i}`)
  assert.equal(pub.writable, true)
  // A subscriber that never reads.
  const stuck = own(new Subscriber({ linger: 0, receiveHighWaterMark: 4 }))
  stuck.connect(endpoint)
  await subscribed(pub, stuck, "s")
  for (let i = 0; i < 500; i++) await pub.send([`s${i}`, PAD])
  assert.equal(pub.writable, true)
})

eachTransport("RFC 29 PUB: noDrop (ZMQ_XPUB_NODROP) blocks, or fails with EAGAIN, at a full subscriber instead of dropping", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0, noDrop: true, sendHighWaterMark: 4 }))
  const endpoint = await bindFresh(pub, t)
  const sub = own(new Subscriber({ linger: 0, receiveHighWaterMark: 4 }))
  sub.connect(endpoint)
  await subscribed(pub, sub, "m")

  // EAGAIN (after sendTimeout) once the path to the subscriber is full.
  const accepted = await fillUntilBlocked(pub, t, (i) => `m${i}`)
  // Without a timeout, send() waits for room; then nothing is lost.
  const blocked = track(pub.send([`m${accepted}`, PAD]))
  const got: string[] = []
  for (let i = 0; i <= accepted; i++) got.push((await receiveData(sub))[0]!.toString())
  await blocked.promise
  assert.deepEqual(got, labels("m", accepted + 1))
})

eachTransport(
  "RFC 29 PUB: SHALL create a queue when initiating an outgoing connection to a subscriber, and SHALL maintain the queue whether or not the connection is established",
  async (t, ctx) => {
    const own = sockets(ctx)
    const endpoint = await unboundEndpoint(t)
    const pub = own(new Publisher({ linger: 0, reconnectInterval: 20 }))
    pub.connect(endpoint)
    // Nobody there yet: publishing works (and goes nowhere, as nobody has subscribed).
    for (let i = 0; i < 10; i++) await pub.send(`early${i}`)

    const sub = own(new Subscriber({ linger: 0 }))
    const p = probeTopic()
    sub.subscribe("late", p)
    await sub.bind(endpoint)
    await probe(pub, [sub], p)
    await pub.send("late1")
    await pub.send(endMarker(p))
    assert.deepEqual(allStrings(await receiveUntilEnd(sub, p)), [["late1"]])
  },
)

eachTransport("RFC 29 PUB: SHALL silently discard any messages that subscribers send it", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0 }))
  const endpoint = await bindFresh(pub, t)
  const xsub = own(new XSubscriber({ linger: 0 }))
  xsub.connect(endpoint)
  // Messages that are not (un)subscriptions go upstream; a PUB drops them.
  await xsub.send("hello")
  await xsub.send(["multi", "part"])
  await xsub.send("")
  const p = probeTopic()
  await xsub.send("\x01t")
  await xsub.send(`\x01${p}`)
  await probe(pub, [xsub], p)
  await pub.send("t1")
  await pub.send(endMarker(p))
  assert.deepEqual(allStrings(await receiveUntilEnd(xsub, p)), [["t1"]])
})

eachTransport(
  "RFC 29 PUB: SHALL receive subscribe and unsubscribe requests from subscribers, and SHALL NOT deliver these commands to its calling application",
  async (t, ctx) => {
    const own = sockets(ctx)
    const pub = own(new Publisher({ linger: 0 }))
    const endpoint = await bindFresh(pub, t)
    const sub = own(new Subscriber({ linger: 0 }))
    sub.connect(endpoint)
    const p1 = await subscribed(pub, sub, "a", "b")
    assert.equal(pub.readable, false, "nothing for the application to read")
    await pub.send("a1")
    await pub.send("b1")
    await pub.send(endMarker(p1))
    assert.deepEqual(allStrings(await receiveUntilEnd(sub, p1)), [["a1"], ["b1"]])

    sub.unsubscribe("a")
    const p2 = await subscribed(pub, sub) // a fresh probe: the unsubscription has arrived too
    assert.equal(pub.readable, false)
    await pub.send("a2")
    await pub.send("b2")
    await pub.send(endMarker(p2))
    assert.deepEqual(allStrings(await receiveUntilEnd(sub, p2)), [["b2"]])
  },
)

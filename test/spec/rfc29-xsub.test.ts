/**
 * RFC 29/PUBSUB, "The XSUB Socket Type": one test per SHALL clause, each
 * run over tcp, ipc and inproc.
 * https://rfc.zeromq.org/spec/29/
 *
 * An XSUB subscribes by sending "\x01prefix" (and cancels with
 * "\x00prefix"); anything else it sends goes upstream as a message.
 */
import assert from "node:assert/strict"
import { Publisher, XPublisher, XSubscriber } from "../../src/index.js"
import { PAD, bindFresh, eachTransport, handshakes, sockets } from "../helpers/transports.js"
import { allStrings, assertOrderedSubset, drainUntilEnd, endMarker, probe, probeTopic, receiveData, receiveUntilEnd, strings } from "./pattern-helpers.js"

async function nextCommand(xpub: XPublisher): Promise<string> {
  const msg = await xpub.receive()
  assert.equal(msg.length, 1)
  return msg[0]!.toString("latin1")
}

eachTransport("RFC 29 XSUB: MAY be connected to any number of PUB or XPUB publishers, and MAY both send and receive messages", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0 }))
  const xpub = own(new XPublisher({ linger: 0 }))
  const xsub = own(new XSubscriber({ linger: 0 }))
  const p = probeTopic()
  xsub.connect(await bindFresh(pub, t))
  xsub.connect(await bindFresh(xpub, t))
  await xsub.send("\x01t")
  await xsub.send(`\x01${p}`)
  assert.equal(await nextCommand(xpub), "\x01t")
  assert.equal(await nextCommand(xpub), `\x01${p}`)
  await probe(pub, [xsub], p)

  await pub.send(["t", "from pub"])
  await xpub.send(["t", "from xpub"])
  const got = [strings(await receiveData(xsub)), strings(await receiveData(xsub))]
  assert.deepEqual(got.map((m) => m.join("|")).sort(), ["t|from pub", "t|from xpub"])
  await xsub.send("upstream")
  assert.deepEqual(strings(await xpub.receive()), ["upstream"])
})

eachTransport(
  "RFC 29 XSUB: SHALL accept subscription commands from its calling application (and MAY filter messages according to subscriptions)",
  async (t, ctx) => {
    const own = sockets(ctx)
    const xpub = own(new XPublisher({ linger: 0 }))
    const xsub = own(new XSubscriber({ linger: 0 }))
    xsub.connect(await bindFresh(xpub, t))
    await xsub.send("\x01a")
    await xsub.send(Buffer.from([1, 0xff, 0]))
    await xsub.send("\x01end")
    assert.equal(await nextCommand(xpub), "\x01a")
    assert.deepEqual(await xpub.receive(), [Buffer.from([1, 0xff, 0])])
    assert.equal(await nextCommand(xpub), "\x01end")

    for (const m of ["a1", "b1", "ab"]) await xpub.send(m)
    await xpub.send(Buffer.from([0xff, 0, 1]))
    await xpub.send(Buffer.from([0xff, 1]))
    await xpub.send(["end", "end"])
    // libzmq's XSUB filters what it receives by its own subscriptions too.
    assert.deepEqual(await receiveUntilEnd(xsub, "end"), [[Buffer.from("a1")], [Buffer.from("ab")], [Buffer.from([0xff, 0, 1])]])
  },
)

eachTransport("RFC 29 XSUB: SHALL send subscribe and unsubscribe requests to publishers depending on the transport protocol used", async (t, ctx) => {
  const own = sockets(ctx)
  // A verbose XPUB passes up every subscribe it receives, duplicates too.
  const xpub = own(new XPublisher({ linger: 0, verbosity: "allSubsUnsubs" }))
  const xsub = own(new XSubscriber({ linger: 0 }))
  xsub.connect(await bindFresh(xpub, t))

  // libzmq: subscribes are all forwarded (XPUB does the de-duplication);
  // a cancel is forwarded only when the last matching subscribe is undone,
  // and a cancel of something never subscribed is not forwarded at all.
  for (const cmd of ["\x01a", "\x01a", "\x00a", "\x00never", "\x00a", "\x01z"]) await xsub.send(cmd)
  const got: string[] = []
  for (let i = 0; i < 4; i++) got.push(await nextCommand(xpub))
  assert.deepEqual(got, ["\x01a", "\x01a", "\x00a", "\x01z"])
})

eachTransport("RFC 29 XSUB: SHALL send all messages to all connected publishers", async (t, ctx) => {
  const own = sockets(ctx)
  const xpubs = [own(new XPublisher({ linger: 0 })), own(new XPublisher({ linger: 0 }))]
  const xsub = own(new XSubscriber({ linger: 0 }))
  const ready = handshakes(xsub, t, 2)
  for (const xpub of xpubs) xsub.connect(await bindFresh(xpub, t))
  await ready

  await xsub.send("\x01s")
  await xsub.send("hello")
  await xsub.send(["multi", "", "part"])
  for (const xpub of xpubs) {
    assert.equal(await nextCommand(xpub), "\x01s")
    assert.deepEqual(strings(await xpub.receive()), ["hello"])
    assert.deepEqual(strings(await xpub.receive()), ["multi", "", "part"])
  }
})

eachTransport("RFC 29 XSUB: SHALL not modify incoming messages in any way", async (t, ctx) => {
  const own = sockets(ctx)
  const xpub = own(new XPublisher({ linger: 0 }))
  const xsub = own(new XSubscriber({ linger: 0 }))
  xsub.connect(await bindFresh(xpub, t))
  await xsub.send("\x01")
  assert.equal(await nextCommand(xpub), "\x01")

  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
  const sent = [[allBytes], [Buffer.alloc(0), Buffer.alloc(0)], [Buffer.from("big"), Buffer.alloc(500_000, 0x77), Buffer.from("tail")]]
  for (const msg of sent) await xpub.send(msg)
  for (const msg of sent) assert.deepEqual(await xsub.receive(), msg)
})

eachTransport("RFC 29 XSUB: SHALL silently drop the message if the outgoing queue for a publisher is full", async (t, ctx) => {
  const own = sockets(ctx)
  const N = 300
  const xpub = own(new XPublisher({ linger: 0, receiveHighWaterMark: 4 }))
  const xsub = own(new XSubscriber({ linger: 0, sendHighWaterMark: 4 }))
  const ready = handshakes(xpub, t)
  xsub.connect(await bindFresh(xpub, t))
  await ready

  // The XPUB reads nothing while 300 messages of 64 KiB go upstream (enough
  // to fill the kernel buffers on tcp/ipc): what does not fit is dropped,
  // and every send resolves at once.
  for (let i = 0; i < N; i++) await xsub.send([`u${i}`, PAD])
  const got = await drainUntilEnd(xsub, xpub, probeTopic())
  const nums = assertOrderedSubset(got, "u", 0, "the XPUB")
  assert.ok(nums.length < N, `messages were dropped (got ${nums.length} of ${N})`)
})

eachTransport("RFC 29 XSUB: SHALL NOT block on sending", async (t, ctx) => {
  const own = sockets(ctx)
  const xsub = own(new XSubscriber({ linger: 0, sendHighWaterMark: 4 }))
  // No publisher at all: sends (and subscriptions) resolve.
  assert.equal(xsub.writable, true)
  for (let i = 0; i < 100; i++) await xsub.send(`nowhere${i}`)
  await xsub.send("\x01t")
  // A publisher that never reads.
  const xpub = own(new XPublisher({ linger: 0, receiveHighWaterMark: 4 }))
  const ready = handshakes(xsub, t)
  xsub.connect(await bindFresh(xpub, t))
  await ready
  for (let i = 0; i < 500; i++) {
    await xsub.send([`u${i}`, PAD])
    assert.equal(xsub.writable, true)
  }
  // The subscription sent before the connection was replayed to it.
  assert.equal(await nextCommand(xpub), "\x01t")
  await xpub.send("t1")
  await xpub.send(endMarker("t"))
  assert.deepEqual(allStrings(await receiveUntilEnd(xsub, "t")), [["t1"]])
})

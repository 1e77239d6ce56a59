/**
 * RFC 29/PUBSUB, "The XPUB Socket Type": one test per SHALL clause (plus the
 * libzmq options ZMQ_XPUB_VERBOSE/VERBOSER, ZMQ_XPUB_WELCOME_MSG and
 * ZMQ_INVERT_MATCHING), each run over tcp, ipc and inproc.
 * https://rfc.zeromq.org/spec/29/
 *
 * An XPUB shows each subscription to the application as a message
 * ("\x01topic", "\x00topic" to cancel); the tests wait on those instead of
 * probing.
 */
import assert from "node:assert/strict"
import { Subscriber, XPublisher, XSubscriber } from "../../src/index.js"
import { bindFresh, disconnects, eachTransport, handshakes, sockets } from "../helpers/transports.js"
import { allStrings, quiet, receiveUntilEnd, strings } from "./pattern-helpers.js"

/** The next message an XPUB hands the application, as one string. */
async function nextCommand(xpub: XPublisher): Promise<string> {
  const msg = await xpub.receive()
  assert.equal(msg.length, 1, "subscriptions are single-frame messages")
  return msg[0]!.toString("latin1")
}

eachTransport("RFC 29 XPUB: MAY be connected to any number of SUB or XSUB subscribers, and MAY both send and receive messages", async (t, ctx) => {
  const own = sockets(ctx)
  const xpub = own(new XPublisher({ linger: 0 }))
  const endpoint = await bindFresh(xpub, t)
  const sub = own(new Subscriber({ linger: 0 }))
  const xsub = own(new XSubscriber({ linger: 0 }))
  sub.subscribe("a")
  sub.connect(endpoint)
  assert.equal(await nextCommand(xpub), "\x01a")
  xsub.connect(endpoint)
  await xsub.send("\x01b")
  assert.equal(await nextCommand(xpub), "\x01b")
  await xsub.send(["up", "stream"])
  assert.deepEqual(strings(await xpub.receive()), ["up", "stream"])

  await xpub.send("a1")
  await xpub.send("b1")
  assert.deepEqual(strings(await sub.receive()), ["a1"])
  assert.deepEqual(strings(await xsub.receive()), ["b1"])
})

eachTransport(
  "RFC 29 XPUB: SHALL receive subscribe and unsubscribe requests from subscribers, and SHALL deliver these commands to its calling application",
  async (t, ctx) => {
    const own = sockets(ctx)
    const xpub = own(new XPublisher({ linger: 0 }))
    const endpoint = await bindFresh(xpub, t)
    const sub = own(new Subscriber({ linger: 0 }))
    sub.connect(endpoint)

    sub.subscribe("topic")
    assert.equal(await nextCommand(xpub), "\x01topic")
    sub.subscribe(Buffer.from([0, 0xff]))
    assert.deepEqual(await xpub.receive(), [Buffer.from([1, 0, 0xff])], "binary topics pass through as they are")
    sub.subscribe()
    assert.equal(await nextCommand(xpub), "\x01", "the empty subscription")
    sub.unsubscribe("topic")
    assert.equal(await nextCommand(xpub), "\x00topic")
    sub.unsubscribe()
    assert.equal(await nextCommand(xpub), "\x00")
    assert.equal(xpub.readable, false)
  },
)

eachTransport(
  "RFC 29 XPUB: MAY, depending on configuration, normalize commands delivered to its calling application so that multiple identical subscriptions result in a single command only",
  async (t, ctx) => {
    const own = sockets(ctx)
    const seen: Record<string, string[]> = {}
    for (const verbosity of [null, "allSubs", "allSubsUnsubs"] as const) {
      const xpub = own(new XPublisher({ linger: 0, verbosity }))
      const endpoint = await bindFresh(xpub, t)
      const [s1, s2] = [own(new Subscriber({ linger: 0 })), own(new Subscriber({ linger: 0 }))]
      const ready = handshakes(xpub, t, 2)
      s1.connect(endpoint)
      s2.connect(endpoint)
      await ready
      const log: string[] = []
      // Each step ends with a marker subscription, so that we know when the
      // XPUB has processed it and can tell what (if anything) it passed up.
      const step = async (action: () => void, marker: string): Promise<void> => {
        action()
        for (;;) {
          const cmd = await nextCommand(xpub)
          log.push(cmd)
          if (cmd === `\x01${marker}`) return
        }
      }
      await step(() => s1.subscribe("a", "m1"), "m1")
      await step(() => s2.subscribe("a", "m2"), "m2") // a duplicate of s1's "a"
      await step(() => {
        s1.unsubscribe("a") // s2 still wants "a"
        s1.subscribe("m3")
      }, "m3")
      await step(() => {
        s2.unsubscribe("a") // nobody wants "a" now
        s2.subscribe("m4")
      }, "m4")
      seen[String(verbosity)] = log
    }
    // Default: one subscribe and one cancel per topic, whoever sends them.
    assert.deepEqual(seen.null, ["\x01a", "\x01m1", "\x01m2", "\x01m3", "\x00a", "\x01m4"])
    // ZMQ_XPUB_VERBOSE: every subscribe is passed up, cancels as by default.
    assert.deepEqual(seen.allSubs, ["\x01a", "\x01m1", "\x01a", "\x01m2", "\x01m3", "\x00a", "\x01m4"])
    // ZMQ_XPUB_VERBOSER: every subscribe and every cancel.
    assert.deepEqual(seen.allSubsUnsubs, ["\x01a", "\x01m1", "\x01a", "\x01m2", "\x00a", "\x01m3", "\x00a", "\x01m4"])
  },
)

eachTransport(
  "RFC 29 XPUB: SHALL, if the subscriber peer disconnects prematurely, generate a suitable unsubscribe request for the calling application",
  async (t, ctx) => {
    const own = sockets(ctx)
    const xpub = own(new XPublisher({ linger: 0 }))
    const endpoint = await bindFresh(xpub, t)
    const leaving = own(new Subscriber({ linger: 0 }))
    const staying = own(new Subscriber({ linger: 0 }))
    leaving.subscribe("q", "r")
    leaving.connect(endpoint)
    assert.deepEqual([await nextCommand(xpub), await nextCommand(xpub)].sort(), ["\x01q", "\x01r"])
    staying.subscribe("q")
    staying.connect(endpoint)
    // "q" is already wanted: nothing is passed up for it. Mark the point with "s".
    staying.subscribe("s")
    assert.equal(await nextCommand(xpub), "\x01s")

    const gone = disconnects(xpub, t)
    leaving.close()
    await gone
    // Only "r" lost its last subscriber.
    assert.equal(await nextCommand(xpub), "\x00r")
    const alsoGone = disconnects(xpub, t)
    staying.close()
    await alsoGone
    assert.deepEqual([await nextCommand(xpub), await nextCommand(xpub)].sort(), ["\x00q", "\x00s"])

    // Nothing else was generated: the next command is a new subscriber's.
    const late = own(new Subscriber({ linger: 0 }))
    late.subscribe("z")
    late.connect(endpoint)
    assert.equal(await nextCommand(xpub), "\x01z")
  },
)

eachTransport("RFC 29 XPUB: SHALL deliver these messages (from its subscribers) to its calling application", async (t, ctx) => {
  const own = sockets(ctx)
  const xpub = own(new XPublisher({ linger: 0 }))
  const endpoint = await bindFresh(xpub, t)
  const xsubs = [own(new XSubscriber({ linger: 0 })), own(new XSubscriber({ linger: 0 }))]
  const ready = handshakes(xpub, t, 2)
  for (const xsub of xsubs) xsub.connect(endpoint)
  await ready

  for (const [i, xsub] of xsubs.entries()) {
    await xsub.send([`from${i}`, "", Buffer.from([2, 0, 255])])
    await xsub.send(`again${i}`)
  }
  const got: string[] = []
  for (let i = 0; i < 4; i++) got.push((await xpub.receive()).map((f) => f.toString("hex")).join("|"))
  const hex = (s: string): string => Buffer.from(s).toString("hex")
  const expected = [0, 1].flatMap((i) => [`${hex(`from${i}`)}||0200ff`, hex(`again${i}`)])
  assert.deepEqual([...got].sort(), [...expected].sort(), "every message, whole and unchanged")
  // Each subscriber's messages in the order it sent them.
  for (const i of [0, 1]) assert.ok(got.indexOf(expected[2 * i]!) < got.indexOf(expected[2 * i + 1]!))
})

eachTransport(
  "RFC 29 XPUB: SHALL maintain a double queue for each connected subscriber, allowing outgoing and incoming messages to be queued independently",
  async (t, ctx) => {
    const own = sockets(ctx)
    const xpub = own(new XPublisher({ linger: 0 }))
    const endpoint = await bindFresh(xpub, t)
    const xsub = own(new XSubscriber({ linger: 0 }))
    xsub.connect(endpoint)
    await xsub.send("\x01d")
    assert.equal(await nextCommand(xpub), "\x01d")

    // Both directions at once; neither side reads yet.
    for (let i = 0; i < 10; i++) {
      await xpub.send(`d${i}`)
      await xsub.send(`u${i}`)
    }
    for (let i = 0; i < 10; i++) assert.deepEqual(strings(await xsub.receive()), [`d${i}`])
    for (let i = 0; i < 10; i++) assert.deepEqual(strings(await xpub.receive()), [`u${i}`])
  },
)

eachTransport("RFC 29 XPUB: welcomeMessage (ZMQ_XPUB_WELCOME_MSG) is sent to each new subscriber", async (t, ctx) => {
  const own = sockets(ctx)
  const xpub = own(new XPublisher({ linger: 0, welcomeMessage: "WELCOME" }))
  const endpoint = await bindFresh(xpub, t)
  // A SUB filters on its side too: it must subscribe to the welcome message to see it.
  for (const name of ["first", "second"]) {
    const sub = own(new Subscriber({ linger: 0 }))
    sub.subscribe("WELCOME", name)
    const welcome = quiet(sub.receive())
    sub.connect(endpoint)
    if (name === "first") assert.equal(await nextCommand(xpub), "\x01WELCOME")
    // (the second "WELCOME" subscription is a duplicate: not passed up)
    assert.equal(await nextCommand(xpub), `\x01${name}`)
    assert.deepEqual(strings(await welcome), ["WELCOME"], `${name} is welcomed first`)
    await xpub.send(name)
    assert.deepEqual(strings(await sub.receive()), [name])
  }
})

eachTransport(
  "RFC 29 XPUB: SHALL perform a binary comparison of the subscription against the start of the first frame — inverted by invertMatching (ZMQ_INVERT_MATCHING)",
  async (t, ctx) => {
    const own = sockets(ctx)
    const xpub = own(new XPublisher({ linger: 0, invertMatching: true }))
    const endpoint = await bindFresh(xpub, t)
    // libzmq: with invertMatching on the publisher, the SUB must set it too,
    // as it filters on its side as well.
    const sub = own(new Subscriber({ linger: 0, invertMatching: true }))
    sub.subscribe("a")
    sub.connect(endpoint)
    assert.equal(await nextCommand(xpub), "\x01a")

    for (const m of ["a1", "b1", "ab", "", "xa"]) await xpub.send(m)
    await xpub.send(["z-end", "end"])
    // Everything that does NOT start with "a".
    assert.deepEqual(allStrings(await receiveUntilEnd(sub, "z-end")), [["b1"], [""], ["xa"]])
  },
)

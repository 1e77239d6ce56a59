/**
 * RFC 28/REQREP, "The REP Socket Type": one test per SHALL clause, each run
 * over tcp, ipc and inproc.
 * https://rfc.zeromq.org/spec/28/
 */
import assert from "node:assert/strict"
import { Dealer, Reply, Request } from "../../src/index.js"
import { PAD, bindFresh, disconnects, eachTransport, handshakes, refusedInState, sockets, text } from "../helpers/transports.js"
import { assertNotStarved } from "./pattern-helpers.js"
import { alsoOverWs } from "../helpers/transports.js"

// ws:// (RFC 45) runs this family too.
alsoOverWs()

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

eachTransport("RFC 28 REP: MAY be connected to any number of REQ or DEALER peers", async (t, ctx) => {
  const own = sockets(ctx)
  const rep = own(new Reply({ linger: 0 }))
  const endpoint = await bindFresh(rep, t)
  const a = own(new Request({ linger: 0 }))
  const b = own(new Request({ linger: 0 }))
  const d = own(new Dealer({ linger: 0 }))
  const ready = handshakes(rep, t, 3)
  for (const peer of [a, b, d]) peer.connect(endpoint)
  await ready

  await a.send("a")
  await b.send("b")
  await d.send(["", "d"]) // a DEALER writes the delimiter itself
  for (let i = 0; i < 3; i++) {
    const [body] = await rep.receive()
    await rep.send(`re:${body!.toString()}`)
  }
  assert.deepEqual(text(await a.receive()), ["re:a"])
  assert.deepEqual(text(await b.receive()), ["re:b"])
  assert.deepEqual(text(await d.receive()), ["", "re:d"])
})

eachTransport("RFC 28 REP: SHALL not filter or modify outgoing or incoming messages in any way", async (t, ctx) => {
  const own = sockets(ctx)
  const rep = own(new Reply({ linger: 0 }))
  const endpoint = await bindFresh(rep, t)
  const dealer = own(new Dealer({ linger: 0 }))
  dealer.connect(endpoint)

  const reversed = Buffer.from(allBytes).reverse()
  // Only the envelope (up to the first empty frame) is REP's; empty frames after it are data.
  await dealer.send([Buffer.alloc(0), Buffer.from("a"), Buffer.alloc(0), allBytes, Buffer.from("ünïcødé")])
  assert.deepEqual(await rep.receive(), [Buffer.from("a"), Buffer.alloc(0), allBytes, Buffer.from("ünïcødé")])
  await rep.send([Buffer.alloc(0), reversed, Buffer.alloc(0)])
  assert.deepEqual(await dealer.receive(), [Buffer.alloc(0), Buffer.alloc(0), reversed, Buffer.alloc(0)])
})

eachTransport("RFC 28 REP: SHALL receive and then send exactly one message at a time (EFSM otherwise)", async (t, ctx) => {
  const own = sockets(ctx)
  const rep = own(new Reply({ linger: 0 }))
  const endpoint = await bindFresh(rep, t)
  const req = own(new Request({ linger: 0 }))
  const ready = handshakes(rep, t)
  req.connect(endpoint)
  await ready

  assert.equal(rep.writable, false)
  await refusedInState(rep, () => rep.send("unasked"), "EFSM")
  await req.send("q1")
  assert.deepEqual(text(await rep.receive()), ["q1"])
  assert.equal(rep.readable, false, "no next request before the reply")
  await refusedInState(rep, () => rep.receive(), "EFSM")
  assert.equal(rep.writable, true)
  await rep.send("r1")
  await refusedInState(rep, () => rep.send("r1 again"), "EFSM")
  assert.deepEqual(text(await req.receive()), ["r1"])

  // The refused sends never reached the requester: its next reply is the next one.
  await req.send("q2")
  assert.deepEqual(text(await rep.receive()), ["q2"])
  await rep.send("r2")
  assert.deepEqual(text(await req.receive()), ["r2"])
})

eachTransport("RFC 28 REP: SHALL receive incoming messages from its peers using a fair-queuing strategy", async (t, ctx) => {
  const own = sockets(ctx)
  const FLOOD = 1000
  const EACH = 5
  const rep = own(new Reply({ linger: 0, receiveHighWaterMark: 8 }))
  const endpoint = await bindFresh(rep, t)
  const flooder = own(new Dealer({ linger: 0, sendHighWaterMark: 8 }))
  const others = [own(new Dealer({ linger: 0 })), own(new Dealer({ linger: 0 }))]
  const ready = handshakes(rep, t, 3)
  for (const peer of [flooder, ...others]) peer.connect(endpoint)
  await ready

  // The flooder keeps its queue full for the whole test (its sends wait at
  // the high-water mark); b and c each send a few requests once.
  const flood = (async () => {
    for (let i = 0; i < FLOOD; i++) await flooder.send(["", `a:${i}`])
  })()
  for (const [k, peer] of others.entries()) {
    for (let i = 0; i < EACH; i++) await peer.send(["", `${"bc"[k]}:${i}`])
  }
  const received: string[] = []
  for (let n = 0; n < FLOOD + others.length * EACH; n++) {
    const [label] = await rep.receive()
    received.push(label!.toString())
    await rep.send("ok")
  }
  await flood
  assertNotStarved(received, "a", FLOOD, ["b", "c"], EACH)
})

eachTransport(
  "RFC 28 REP: SHALL remove and store the address envelope, including the delimiter, and SHALL pass the remaining data frames to its calling application",
  async (t, ctx) => {
    const own = sockets(ctx)
    const rep = own(new Reply({ linger: 0 }))
    const endpoint = await bindFresh(rep, t)
    // A DEALER in front of the REP can write any envelope, as a proxy does:
    // here two hops. (libzmq does not let a ROUTER talk to a REP over tcp or
    // ipc: the handshake refuses the pair, so a ROUTER needs a DEALER between.)
    const dealer = own(new Dealer({ linger: 0 }))
    dealer.connect(endpoint)
    await dealer.send(["hop1", "hop2", "", "body", "", "tail"])
    assert.deepEqual(text(await rep.receive()), ["body", "", "tail"])

    // A request with no envelope but the delimiter (as a REQ sends it).
    await rep.send("r1")
    assert.deepEqual(text(await dealer.receive()), ["hop1", "hop2", "", "r1"])
    await dealer.send(["", "plain"])
    assert.deepEqual(text(await rep.receive()), ["plain"])
    await rep.send("r2")
    assert.deepEqual(text(await dealer.receive()), ["", "r2"])
  },
)

eachTransport("RFC 28 REP: SHALL prepend the address envelope and delimiter", async (t, ctx) => {
  const own = sockets(ctx)
  const rep = own(new Reply({ linger: 0 }))
  const endpoint = await bindFresh(rep, t)
  const dealer = own(new Dealer({ linger: 0 }))
  dealer.connect(endpoint)

  const envelope = [Buffer.from("hop1"), Buffer.from([0, 1, 2, 255]), Buffer.from("hop3")]
  await dealer.send([...envelope, Buffer.alloc(0), Buffer.from("request")])
  assert.deepEqual(text(await rep.receive()), ["request"])
  await rep.send(["reply", "two frames"])
  // The envelope comes back intact, byte for byte, in front of the reply.
  assert.deepEqual(await dealer.receive(), [...envelope, Buffer.alloc(0), Buffer.from("reply"), Buffer.from("two frames")])
})

eachTransport("RFC 28 REP: SHALL deliver this message back to the originating peer", async (t, ctx) => {
  const own = sockets(ctx)
  const rep = own(new Reply({ linger: 0 }))
  const endpoint = await bindFresh(rep, t)
  const reqs = [0, 1, 2, 3].map(() => own(new Request({ linger: 0 })))
  const ready = handshakes(rep, t, reqs.length)
  for (const req of reqs) req.connect(endpoint)
  await ready

  for (const [i, req] of reqs.entries()) await req.send(`from${i}`)
  // Served in whatever order the REP takes them; each reply names its request.
  for (let n = 0; n < reqs.length; n++) {
    const [body] = await rep.receive()
    await rep.send(`re:${body!.toString()}`)
  }
  for (const [i, req] of reqs.entries()) assert.deepEqual(text(await req.receive()), [`re:from${i}`])
})

eachTransport(
  "RFC 28 REP: SHALL silently discard the reply, or return an error, if the originating peer is no longer connected",
  async (t, ctx) => {
    const own = sockets(ctx)
    const rep = own(new Reply({ linger: 0 }))
    const endpoint = await bindFresh(rep, t)
    const gone = own(new Request({ linger: 0 }))
    const stays = own(new Request({ linger: 0 }))
    const ready = handshakes(rep, t, 2)
    gone.connect(endpoint)
    stays.connect(endpoint)
    await ready

    await gone.send("from gone")
    assert.deepEqual(text(await rep.receive()), ["from gone"])
    const left = disconnects(rep, t)
    gone.close()
    await left
    // libzmq discards it silently: the send succeeds.
    await rep.send("reply to nobody")

    // And the REP goes on serving the others.
    await stays.send("from stays")
    assert.deepEqual(text(await rep.receive()), ["from stays"])
    await rep.send("re:stays")
    assert.deepEqual(text(await stays.receive()), ["re:stays"])
  },
)

eachTransport("RFC 28 REP: SHALL not block on sending", async (t, ctx) => {
  const own = sockets(ctx)
  const N = 300
  const rep = own(new Reply({ linger: 0, sendHighWaterMark: 2 }))
  const endpoint = await bindFresh(rep, t)
  // A requester that never reads its replies: its queue fills up.
  const greedy = own(new Dealer({ linger: 0, receiveHighWaterMark: 2 }))
  const ready = handshakes(rep, t)
  greedy.connect(endpoint)
  await ready
  for (let i = 0; i < N; i++) await greedy.send(["", `q${i}`])

  // Every reply (64 KiB each, far more than the kernel buffers hold on tcp)
  // is taken at once: replies that do not fit are dropped, the REP never waits.
  for (let i = 0; i < N; i++) {
    assert.deepEqual(text(await rep.receive()), [`q${i}`])
    assert.equal(rep.writable, true)
    await rep.send([`r${i}`, PAD])
  }
  const other = own(new Request({ linger: 0 }))
  other.connect(endpoint)
  await other.send("still there?")
  assert.deepEqual(text(await rep.receive()), ["still there?"])
  await rep.send("yes")
  assert.deepEqual(text(await other.receive()), ["yes"])
})

eachTransport(
  "RFC 28 REP: the request SHALL have the format [address envelope, empty delimiter, data frames] — a request without the delimiter is discarded",
  async (t, ctx) => {
    const own = sockets(ctx)
    const rep = own(new Reply({ linger: 0 }))
    const endpoint = await bindFresh(rep, t)
    const dealer = own(new Dealer({ linger: 0 }))
    dealer.connect(endpoint)

    // libzmq's REP reads the envelope up to the first empty frame that has
    // more frames after it; a message that ends first is rolled back and
    // dropped, and the REP stays in its receiving state.
    await dealer.send("no delimiter")
    await dealer.send(["hop", "body"])
    await dealer.send("") // a lone empty frame: a delimiter with no data
    await dealer.send(["hop", ""]) // the same, after an envelope
    await dealer.send(["", "good"])
    assert.deepEqual(text(await rep.receive()), ["good"])
    await rep.send("re:good")
    // The dealer gets exactly one reply: nothing was answered for the malformed ones.
    assert.deepEqual(text(await dealer.receive()), ["", "re:good"])
    await dealer.send(["", "next"])
    assert.deepEqual(text(await rep.receive()), ["next"])
  },
)

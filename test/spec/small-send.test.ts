/**
 * Small one-frame messages (up to 128 octets) skip the pipe's queue when the
 * connection can take them at once: they are copied straight into its
 * outgoing batch at send() (Pipe.writeSmall). These tests mix them with
 * messages that take the queue (multipart, larger than 128 octets, and every
 * message sent while the queue holds some) and check that each peer gets
 * every message, in order, with the bytes it had at send(): the application
 * reuses one buffer for all small messages, as zeromq.js allows.
 */
import assert from "node:assert/strict"
import { Dealer, Pair, Publisher, Pull, Push, Router, Subscriber } from "../../src/index.js"
import { bindFresh, eachTransport, handshakes, sockets } from "../helpers/transports.js"
import { scaled } from "../helpers/time.js"
import { PROBE_PREFIX, probe, probeTopic } from "./pattern-helpers.js"

const N = 4000

/**
 * Message i: its frames' sizes; every octet of it is i & 0xff. Runs of
 * queued messages (multipart, large) come between long runs of small ones:
 * once one message is queued, the small ones after it are queued too until
 * the connection has taken the queue, so both paths are exercised.
 */
function shapeOf(i: number): number[] {
  const phase = i % 1000
  if (phase >= 700 && phase < 740) return i % 2 === 0 ? [i % 50, 1 + (i % 20)] : [129 + (i % 300)]
  return [i % 129]
}

/** Sends message i, small ones from the one reused buffer, refilled at once after send(). */
async function sendNth(sock: { send(msg: Buffer | Buffer[]): Promise<void> }, i: number, reused: Buffer): Promise<void> {
  const fill = i & 0xff
  const sizes = shapeOf(i)
  if (sizes.length === 1 && sizes[0]! <= 128) {
    const view = reused.subarray(0, sizes[0])
    view.fill(fill)
    await sock.send(view)
    // The message must already be ours: scribbling over it now changes nothing sent.
    reused.fill(0xee)
  } else {
    await sock.send(sizes.map((n) => Buffer.alloc(n, fill)))
  }
}

function check(msg: Buffer[], i: number, who: string): void {
  const sizes = shapeOf(i)
  assert.deepEqual(
    msg.map((f) => f.length),
    sizes,
    `${who}: message ${i} has the frame sizes it was sent with`,
  )
  for (const f of msg) assert.ok(f.every((b) => b === (i & 0xff)), `${who}: message ${i} has the bytes it was sent with`)
}

eachTransport("small messages: PUSH delivers all, in order, small ones copied at send()", async (t, ctx) => {
  const own = sockets(ctx)
  const pull = own(new Pull({ linger: 0 }))
  // A small high-water mark: sends also take the queue and the deferred path.
  const push = own(new Push({ linger: 0, sendHighWaterMark: 50 }))
  const endpoint = await bindFresh(pull, t)
  const ready = handshakes(push, t)
  push.connect(endpoint)
  await ready
  const received = (async () => {
    for (let i = 0; i < N; i++) check(await pull.receive(), i, "PULL")
  })()
  const reused = Buffer.alloc(128)
  for (let i = 0; i < N; i++) await sendNth(push, i, reused)
  await received
}, { timeout: scaled(30_000) })

eachTransport("small messages: DEALER delivers all, in order, small ones copied at send()", async (t, ctx) => {
  const own = sockets(ctx)
  const router = own(new Router({ linger: 0 }))
  const dealer = own(new Dealer({ linger: 0, routingId: "d" }))
  const endpoint = await bindFresh(router, t)
  const ready = handshakes(dealer, t)
  dealer.connect(endpoint)
  await ready
  const received = (async () => {
    for (let i = 0; i < N; i++) {
      const [id, ...rest] = await router.receive()
      assert.equal(id!.toString(), "d")
      check(rest, i, "ROUTER")
    }
  })()
  const reused = Buffer.alloc(128)
  for (let i = 0; i < N; i++) await sendNth(dealer, i, reused)
  await received
}, { timeout: scaled(30_000) })

eachTransport("small messages: PAIR delivers all, in order, small ones copied at send()", async (t, ctx) => {
  const own = sockets(ctx)
  const a = own(new Pair({ linger: 0 }))
  const b = own(new Pair({ linger: 0 }))
  const endpoint = await bindFresh(a, t)
  const ready = handshakes(b, t)
  b.connect(endpoint)
  await ready
  const received = (async () => {
    for (let i = 0; i < N; i++) check(await a.receive(), i, "PAIR")
  })()
  const reused = Buffer.alloc(128)
  for (let i = 0; i < N; i++) await sendNth(b, i, reused)
  await received
}, { timeout: scaled(30_000) })

eachTransport("small messages: PUB delivers each message once to each matching SUB, in order", async (t, ctx) => {
  const own = sockets(ctx)
  const pub = own(new Publisher({ linger: 0, sendHighWaterMark: 0 }))
  const all = own(new Subscriber({ linger: 0, receiveHighWaterMark: 0 }))
  const some = own(new Subscriber({ linger: 0, receiveHighWaterMark: 0 }))
  const endpoint = await bindFresh(pub, t)
  all.connect(endpoint)
  some.connect(endpoint)
  const p = probeTopic()
  all.subscribe("")
  some.subscribe(Buffer.from([7]), Buffer.from([9, 9]), p)
  await probe(pub, [all, some], p)
  const wanted = (i: number): boolean => {
    const first = shapeOf(i)[0]!
    const fill = i & 0xff
    return (fill === 7 && first >= 1) || (fill === 9 && first >= 2)
  }
  const receiveAll = async (sub: Subscriber, who: string, match: (i: number) => boolean): Promise<void> => {
    for (let i = 0; i < N; i++) {
      if (!match(i)) continue
      let msg = await sub.receive()
      // Probes sent before the last one arrived may still be in flight.
      while (msg[0]!.toString("latin1").startsWith(PROBE_PREFIX)) msg = await sub.receive()
      check(msg, i, who)
    }
  }
  const received = Promise.all([receiveAll(all, "SUB ''", () => true), receiveAll(some, "SUB [7], [9, 9]", wanted)])
  const reused = Buffer.alloc(128)
  for (let i = 0; i < N; i++) await sendNth(pub, i, reused)
  await received
  // Nothing else came: a closing message goes to both, and is the next one each gets.
  await pub.send(Buffer.from([7, 7, 7]))
  for (const sub of [all, some]) {
    let msg = await sub.receive()
    while (msg[0]!.toString("latin1").startsWith(PROBE_PREFIX)) msg = await sub.receive()
    assert.deepEqual([...msg[0]!], [7, 7, 7])
  }
}, { timeout: scaled(30_000) })

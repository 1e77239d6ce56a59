/**
 * RFC 29/PUBSUB: "For many-to-many use-cases the pattern provides raw socket
 * types (XPUB, XSUB) to construct distribution proxies". An XSUB facing the
 * publishers and an XPUB facing the subscribers, with the application
 * forwarding both ways, run over tcp, ipc and inproc.
 * https://rfc.zeromq.org/spec/29/
 */
import assert from "node:assert/strict"
import { Publisher, Subscriber, XPublisher, XSubscriber } from "../../src/index.js"
import { bindFresh, eachTransport, sockets } from "../helpers/transports.js"
import { allStrings, endMarker, probe, probeTopic, receiveUntilEnd } from "./pattern-helpers.js"

/** Forwards every message from `from` to `to` until either is closed; records the first frames. */
async function forward(from: XSubscriber | XPublisher, to: XSubscriber | XPublisher, log: string[]): Promise<void> {
  try {
    for await (const msg of from) {
      log.push(msg[0]!.toString("latin1"))
      await to.send(msg)
    }
  } catch {
    // one side was closed at the end of the test
  }
}

eachTransport("RFC 29 XPUB and XSUB: a proxy forwards messages downstream and (un)subscriptions upstream", async (t, ctx) => {
  const own = sockets(ctx)
  const frontend = own(new XSubscriber({ linger: 0 }))
  const backend = own(new XPublisher({ linger: 0 }))
  const frontendAt = await bindFresh(frontend, t)
  const backendAt = await bindFresh(backend, t)
  const upstream: string[] = []
  const downstream: string[] = []
  const running = Promise.all([forward(frontend, backend, downstream), forward(backend, frontend, upstream)])
  ctx.after(() => running)

  const pub = own(new Publisher({ linger: 0 }))
  const subs = [own(new Subscriber({ linger: 0 })), own(new Subscriber({ linger: 0 }))]
  pub.connect(frontendAt)
  const p1 = probeTopic()
  for (const sub of subs) {
    sub.subscribe("t", p1)
    sub.connect(backendAt)
  }
  // The subscriptions travel SUB → XPUB → proxy → XSUB → PUB; the probe
  // comes back PUB → XSUB → proxy → XPUB → SUB.
  await probe(pub, subs, p1)
  assert.deepEqual(upstream.slice(0, 2).sort(), ["\x01t", `\x01${p1}`].sort(), "the backend XPUB passed each subscription up once, for both subscribers")

  await pub.send(["t1", "multi", "part"])
  await pub.send("u1") // nobody subscribed
  await pub.send("t2")
  await pub.send(endMarker(p1))
  for (const sub of subs) assert.deepEqual(allStrings(await receiveUntilEnd(sub, p1)), [["t1", "multi", "part"], ["t2"]])

  // When the last subscriber to "t" cancels, the cancel travels upstream too.
  for (const sub of subs) sub.unsubscribe("t")
  const p2 = probeTopic()
  for (const sub of subs) sub.subscribe(p2)
  await probe(pub, subs, p2)
  assert.deepEqual(upstream.filter((c) => c === "\x00t"), ["\x00t"])
  const before = downstream.length
  await pub.send("t3")
  await pub.send(endMarker(p2))
  for (const sub of subs) assert.deepEqual(allStrings(await receiveUntilEnd(sub, p2)), [])
  assert.ok(!downstream.slice(before).includes("t3"), "after the cancel, the publisher no longer sends t3 into the proxy")
})

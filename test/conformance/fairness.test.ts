/**
 * Fairness: a tight `await send()` / `await receive()` / `for await` loop
 * lets timers and I/O run between batches, as zeromq.js does (it defers one
 * operation after a run of synchronous ones). Each case counts whether a
 * timer set before the loop fired before the loop ended.
 */
import { describe } from "node:test"
import { ALL_TRANSPORTS, conformEach } from "./harness.js"

const N = 20_000

/** Resolves when a timer (and setImmediate) has had a chance to run; `fired` tells whether it did. */
function watch(): { fired: () => boolean; immediate: () => boolean } {
  let timer = false
  let immediate = false
  setTimeout(() => (timer = true), 1)
  setImmediate(() => (immediate = true))
  return { fired: () => timer, immediate: () => immediate }
}

void describe("conformance: fairness", () => {
  conformEach(ALL_TRANSPORTS, "a timer fires during a long send loop", async (zmq, t, transport) => {
    const pull = t.track(new zmq.Pull())
    await pull.bind(t.endpoint(transport))
    const push = t.track(new zmq.Push({ linger: 0 }))
    push.connect(pull.lastEndpoint!)
    let received = 0
    const draining = (async () => {
      for await (const msg of pull) if (msg.length > 0 && ++received === N) return
    })()
    const w = watch()
    for (let i = 0; i < N; i++) await push.send("x")
    const during = { timer: w.fired(), immediate: w.immediate() }
    await draining
    return { during, received }
  }, { expect: { during: { timer: true, immediate: true }, received: N } })

  conformEach(ALL_TRANSPORTS, "a timer fires during a long receive loop", async (zmq, t, transport) => {
    const pull = t.track(new zmq.Pull())
    await pull.bind(t.endpoint(transport))
    const push = t.track(new zmq.Push({ linger: 0 }))
    push.connect(pull.lastEndpoint!)
    const sending = (async () => {
      for (let i = 0; i < N; i++) await push.send("x")
    })()
    await pull.receive()
    const w = watch()
    for (let i = 1; i < N; i++) await pull.receive()
    const during = { timer: w.fired(), immediate: w.immediate() }
    await sending
    return during
  }, { expect: { timer: true, immediate: true } })

  conformEach(ALL_TRANSPORTS, "a timer fires during a long send loop to a publisher without subscribers", async (zmq, t, transport) => {
    const pub = t.track(new zmq.Publisher({ linger: 0 }))
    await pub.bind(t.endpoint(transport))
    const w = watch()
    for (let i = 0; i < N; i++) await pub.send("x")
    return { timer: w.fired(), immediate: w.immediate() }
  }, { expect: { timer: true, immediate: true } })

  conformEach(ALL_TRANSPORTS, "I/O callbacks run during a long send loop (a peer's connection is accepted)", async (zmq, t, transport) => {
    const pub = t.track(new zmq.Publisher({ linger: 0 }))
    await pub.bind(t.endpoint(transport))
    const sub = t.track(new zmq.Subscriber())
    sub.subscribe()
    sub.connect(pub.lastEndpoint!)
    // Sends until the subscriber gets one: its connection and subscription
    // must be handled in the middle of the loop.
    let got = false
    const receiving = sub.receive().then(() => (got = true))
    let sent = 0
    while (!got && sent < 5_000_000) {
      await pub.send("x")
      sent++
    }
    await receiving
    return got
  }, { expect: true, timeout: 20_000 })
})

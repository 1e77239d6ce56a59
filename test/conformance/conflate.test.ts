/**
 * ZMQ_CONFLATE on the sending types libzmq applies it to (DEALER, PUSH; see
 * get_effective_conflate_option): messages queued while no peer takes them
 * collapse into the newest one. Connect-before-bind makes the queue's
 * contents deterministic: five sends wait in the connecting socket's pipe
 * until the peer binds, then the peer sees what was kept.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Pull, Push } from "../../src/index.js"
import { conform, conformEach, type Zmq } from "./harness.js"

void describe("conformance: conflate", () => {
  // The sender, and the receiver that binds later; `body` is the frame holding the payload (ROUTER adds an id).
  const pairs = [
    { name: "Push", sender: (zmq: Zmq, conflate: boolean) => new zmq.Push({ linger: 0, conflate }), receiver: (zmq: Zmq) => new zmq.Pull(), body: 0 },
    { name: "Dealer", sender: (zmq: Zmq, conflate: boolean) => new zmq.Dealer({ linger: 0, conflate }), receiver: (zmq: Zmq) => new zmq.Router(), body: 1 },
  ]
  for (const conflate of [true, false]) {
    for (const p of pairs) {
      conformEach(["ipc"], `${p.name}({ conflate: ${conflate} }) connected before bind keeps ${conflate ? "the newest" : "every"} queued message`, async (zmq, t, transport) => {
        const endpoint = t.endpoint(transport)
        const sender = t.track(p.sender(zmq, conflate))
        sender.connect(endpoint)
        for (let i = 1; i <= 5; i++) await sender.send(`m${i}`)
        const receiver = t.track(p.receiver(zmq))
        await receiver.bind(endpoint)
        const seen = [(await receiver.receive())[p.body]!.toString()]
        await sender.send("end")
        while (seen[seen.length - 1] !== "end") seen.push((await receiver.receive())[p.body]!.toString())
        return seen
      }, { expect: conflate ? ["m5", "end"] : ["m1", "m2", "m3", "m4", "m5", "end"] })
    }
  }

  // inproc: libzmq takes the option from the connecting socket, for both directions (a bound PULL's own
  // conflate does not apply). Messages reach the shared queue at send(), so the outcome is deterministic.
  for (const side of ["connecter", "binder"] as const) {
    conform(`inproc: conflate set on the ${side} (${side === "connecter" ? "Push" : "Pull"}) of a bound pair`, async (zmq, t) => {
      const pull = t.track(new zmq.Pull({ conflate: side === "binder" }))
      await pull.bind(t.endpoint("inproc"))
      const push = t.track(new zmq.Push({ linger: 0, conflate: side === "connecter" }))
      push.connect(pull.lastEndpoint!)
      for (let i = 1; i <= 5; i++) await push.send(`m${i}`)
      const seen = [(await pull.receive())[0]!.toString()]
      await push.send("end")
      while (seen[seen.length - 1] !== "end") seen.push((await pull.receive())[0]!.toString())
      return seen
    }, { expect: side === "connecter" ? ["m5", "end"] : ["m1", "m2", "m3", "m4", "m5", "end"] })
  }

  // libzmq 4.3.5 never delivers what a conflating inproc connecter queued before the bind (the receive waits
  // forever); zmq-ts delivers the newest message, as over ipc and tcp.
  void it("zmq-ts: inproc Push({ conflate: true }) connected before bind delivers the newest queued message", async () => {
    const push = new Push({ linger: 0, conflate: true })
    const pull = new Pull()
    try {
      push.connect("inproc://conflate-before-bind")
      for (let i = 1; i <= 5; i++) await push.send(`m${i}`)
      await pull.bind("inproc://conflate-before-bind")
      assert.equal((await pull.receive())[0]!.toString(), "m5")
      await push.send("end")
      assert.equal((await pull.receive())[0]!.toString(), "end")
    } finally {
      push.close()
      pull.close()
    }
  })
})

import { describe } from "node:test"
import { ALL_TRANSPORTS, conform, conformEach } from "./harness.js"

void describe("conformance: harness", () => {
  conform("socket type ids", (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    return { type: s.type, closed: s.closed }
  })
  conformEach(ALL_TRANSPORTS, "a Push/Pull pair delivers a multipart message", async (zmq, t, transport) => {
    const pull = t.track(new zmq.Pull())
    await pull.bind(t.endpoint(transport))
    const push = t.track(new zmq.Push())
    push.connect(pull.lastEndpoint!)
    await push.send(["a", "b"])
    const msg = await pull.receive()
    return msg.map((f) => f.toString())
  }, { expect: ["a", "b"] })
})

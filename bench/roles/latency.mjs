// Worker roles for REQ/REP round-trip latency.
//
// The client first makes `warmup` untimed round trips (these also cover
// connection setup), reports "ready", waits for "go", then times `count` round
// trips one by one. The server echoes exactly warmup + count requests.
import { socketClass } from "../lib/impl.mjs"
import { latencySummary } from "../lib/stats.mjs"

const LINGER_MS = 10_000

/** REP side: bind, report the endpoint, echo every request back. */
export async function repServer(zmq, p, control) {
  const Reply = socketClass(zmq, "Reply")
  const sock = new Reply({ linger: LINGER_MS, ...p.socketOptions })
  try {
    await sock.bind(p.endpoint)
    await control.send("ready", { endpoint: sock.lastEndpoint })
    const total = p.warmup + p.count
    for (let i = 0; i < total; i++) {
      const request = await sock.receive()
      await sock.send(request)
    }
    await control.send("result", { served: total })
    await control.next("close")
  } finally {
    sock.close()
  }
}

/** REQ side: warm up, then time each round trip and report the latency summary. */
export async function reqClient(zmq, p, control) {
  const Request = socketClass(zmq, "Request")
  const sock = new Request({ linger: LINGER_MS, ...p.socketOptions })
  try {
    sock.connect(p.endpoint)
    const payload = Buffer.alloc(p.size, 0x62)
    for (let i = 0; i < p.warmup; i++) {
      await sock.send(payload)
      await sock.receive()
    }
    await control.send("ready")
    await control.next("go")

    const samples = new Float64Array(p.count)
    let badReplies = 0
    for (let i = 0; i < p.count; i++) {
      const t0 = process.hrtime.bigint()
      await sock.send(payload)
      const reply = await sock.receive()
      samples[i] = Number(process.hrtime.bigint() - t0) / 1e3
      if (reply.length !== 1 || reply[0].length !== p.size) badReplies++
    }
    await control.send("result", { ...latencySummary(samples), badReplies })
    await control.next("close")
  } finally {
    sock.close()
  }
}

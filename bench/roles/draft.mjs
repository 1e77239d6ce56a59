// Worker roles for CLIENT/SERVER (RFC 41) round-trip latency, on the draft
// entries of both implementations. Same protocol as latency.mjs: warm-up
// round trips, "ready", "go", then `count` timed round trips.
import { loadDraftImplementation, socketClass } from "../lib/impl.mjs"
import { latencySummary } from "../lib/stats.mjs"

const LINGER_MS = 10_000
/** The worker's implementation name (bench/worker.mjs takes it as its argument). */
const impl = process.argv[2]

/** SERVER side: bind, report the endpoint, echo every message to the routing id it came from. */
export async function serverEcho(_zmq, p, control) {
  const Server = socketClass(await loadDraftImplementation(impl), "Server")
  const sock = new Server({ linger: LINGER_MS })
  try {
    await sock.bind(p.endpoint)
    await control.send("ready", { endpoint: sock.lastEndpoint })
    const total = p.warmup + p.count
    for (let i = 0; i < total; i++) {
      const [msg, { routingId }] = await sock.receive()
      await sock.send(msg, { routingId })
    }
    await control.send("result", { served: total })
    await control.next("close")
  } finally {
    sock.close()
  }
}

/** CLIENT side: warm up, then time each round trip and report the latency summary. */
export async function clientRtt(_zmq, p, control) {
  const Client = socketClass(await loadDraftImplementation(impl), "Client")
  const sock = new Client({ linger: LINGER_MS })
  try {
    sock.connect(p.endpoint)
    const payload = Buffer.alloc(p.size, 0x63)
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

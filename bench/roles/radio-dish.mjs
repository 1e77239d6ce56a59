// Worker roles for RADIO -> DISH throughput over udp:// (unicast, loopback),
// on the draft entries of both implementations. The stream is the one
// pubsub.mjs sends, in RFC 48 group GROUP:
//   WARMUP (1 byte)   - bursts until the parent says "go" (not timed)
//   count x payload   - `size` bytes each (size >= 2); the timed part
//   END (0 bytes)     - repeated every END_REPEAT_MS until "close": UDP may
//                       lose any datagram, END included.
// UDP has no flow control: what the DISH's socket buffer cannot hold is lost
// in the kernel. The DISH counts what it got; the parent reports the loss.
import * as dgram from "node:dgram"
import { loadDraftImplementation, socketClass } from "../lib/impl.mjs"
import { nowSeconds } from "../lib/stats.mjs"

const GROUP = "bench"
const WARMUP = Buffer.from("W")
const END = Buffer.alloc(0)
const WARMUP_INTERVAL_MS = 2
const WARMUP_BURST = 200
const END_REPEAT_MS = 20
/** The worker's implementation name (bench/worker.mjs takes it as its argument). */
const impl = process.argv[2]

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A loopback udp port nobody holds right now (libzmq reports a udp endpoint as written, so `:*` cannot be read back). */
async function freeUdpPort() {
  const s = dgram.createSocket("udp4")
  await new Promise((resolve) => s.bind(0, "127.0.0.1", resolve))
  const { port } = s.address()
  await new Promise((resolve) => s.close(resolve))
  return port
}

/** DISH side: bind, join GROUP, wait for warm-ups, then count the stream up to END. */
export async function dishReceiver(_zmq, p, control) {
  const Dish = socketClass(await loadDraftImplementation(impl), "Dish")
  const sock = new Dish({ receiveHighWaterMark: p.hwm, linger: 0 })
  try {
    const endpoint = `udp://127.0.0.1:${await freeUdpPort()}`
    await sock.bind(endpoint)
    sock.join(GROUP)
    await control.send("ready", { endpoint })
    const warm = Math.max(1, p.warm ?? 1)
    for (let seen = 0; seen < warm; ) {
      const [msg] = await sock.receive()
      if (msg.length === WARMUP.length) seen++
    }
    await control.send("warm")

    let received = 0
    let badSize = 0
    let lateWarmups = 0
    let first = 0
    let last = 0
    for (;;) {
      const [msg] = await sock.receive()
      if (msg.length === 0) break
      if (msg.length === WARMUP.length) {
        lateWarmups++
        continue
      }
      // Per message, not at END: the first END may be lost and a repeat comes END_REPEAT_MS later.
      last = nowSeconds()
      if (received === 0) first = last
      received++
      if (msg.length !== p.size) badSize++
    }
    await control.send("result", { received, first, last, badSize, badFrames: 0, lateWarmups })
    await control.next("close")
  } finally {
    sock.close()
  }
}

/** RADIO side: connect, send warm-ups until "go", then the timed stream and END (repeated). */
export async function radioSender(_zmq, p, control) {
  const Radio = socketClass(await loadDraftImplementation(impl), "Radio")
  const sock = new Radio({ sendHighWaterMark: p.hwm, linger: 0 })
  const group = { group: GROUP }
  try {
    sock.connect(p.endpoint)
    let go = false
    const goCmd = control.next("go").then(() => (go = true))
    await control.send("ready")
    while (!go) {
      for (let i = 0; i < WARMUP_BURST; i++) await sock.send(WARMUP, group)
      await Promise.race([goCmd, sleep(WARMUP_INTERVAL_MS)])
    }

    const payload = Buffer.alloc(p.size, 0x61)
    const start = nowSeconds()
    for (let i = 0; i < p.count; i++) await sock.send(payload, group)
    const sendSeconds = nowSeconds() - start
    await sock.send(END, group)
    await control.send("result", { sent: p.count, start, sendSeconds })

    let closing = false
    const closeCmd = control.next("close").then(() => (closing = true))
    for (;;) {
      await Promise.race([closeCmd, sleep(END_REPEAT_MS)])
      if (closing) break
      await sock.send(END, group)
    }
  } finally {
    sock.close()
  }
}

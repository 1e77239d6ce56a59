// Worker roles for PUB -> N x SUB fan-out throughput.
//
// The stream the publisher produces is:
//   WARMUP (1 byte)   - bursts of WARMUP_BURST every WARMUP_INTERVAL_MS until
//                       the parent says "go"; a SUB that received `warm` of
//                       them is subscribed, connected and past the JIT
//                       warm-up of its hot path. Not timed; SUBs skip any
//                       that arrive late.
//   count x payload   - `size` bytes each (size >= 2); the timed part
//   END (0 bytes)     - end-of-stream marker; repeated every END_REPEAT_MS
//                       until the parent says "close", so that a SUB still
//                       finishes (and reports the loss) if one END was dropped
//                       at the high-water mark.
//
// PUB never blocks: a SUB whose queue is at the high-water mark misses the
// message. The scenario sets sendHighWaterMark / receiveHighWaterMark above
// the message count so that nothing should be dropped; the SUBs count what
// they actually got, and the parent reports any loss.
import { socketClass } from "../lib/impl.mjs"
import { nowSeconds } from "../lib/stats.mjs"

const WARMUP = Buffer.from("W")
const END = Buffer.alloc(0)
const WARMUP_INTERVAL_MS = 2
const WARMUP_BURST = 200
const END_REPEAT_MS = 20

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** PUB side: bind, send warm-ups until "go", then the timed stream and END. */
export async function pubSender(zmq, p, control) {
  const Publisher = socketClass(zmq, "Publisher")
  // Linger 0: the parent closes the publisher only after every SUB has reported,
  // so all that can still be queued are repeated END / WARMUP markers.
  const sock = new Publisher({ linger: 0, sendHighWaterMark: p.hwm, ...p.socketOptions })
  try {
    await sock.bind(p.endpoint)
    await control.send("ready", { endpoint: sock.lastEndpoint })

    let go = false
    const goCmd = control.next("go").then(() => (go = true))
    let warmups = 0
    while (!go) {
      for (let i = 0; i < WARMUP_BURST; i++) await sock.send(WARMUP)
      warmups += WARMUP_BURST
      await Promise.race([goCmd, sleep(WARMUP_INTERVAL_MS)])
    }

    const payload = Buffer.alloc(p.size, 0x61)
    const start = nowSeconds()
    for (let i = 0; i < p.count; i++) await sock.send(payload)
    const sendSeconds = nowSeconds() - start
    await sock.send(END)
    await control.send("result", { sent: p.count, start, sendSeconds, warmups })

    let closing = false
    const closeCmd = control.next("close").then(() => (closing = true))
    let endRepeats = 0
    for (;;) {
      await Promise.race([closeCmd, sleep(END_REPEAT_MS)])
      if (closing) break
      await sock.send(END)
      endRepeats++
    }
    return { endRepeats }
  } finally {
    sock.close()
  }
}

/** SUB side: connect, subscribe to everything, wait for a warm-up, then count the stream. */
export async function subReceiver(zmq, p, control) {
  const Subscriber = socketClass(zmq, "Subscriber")
  const sock = new Subscriber({ receiveHighWaterMark: p.hwm, ...p.socketOptions })
  try {
    sock.connect(p.endpoint)
    sock.subscribe()
    const warm = Math.max(1, p.warm ?? 1)
    for (let seen = 0; seen < warm; ) {
      const frames = await sock.receive()
      if (frames.length === 1 && frames[0].length === WARMUP.length) seen++
    }
    await control.send("warm")

    let received = 0
    let badSize = 0
    let badFrames = 0
    let lateWarmups = 0
    let first = 0
    let last = 0
    for (;;) {
      const frames = await sock.receive()
      const msg = frames[0]
      if (frames.length === 1 && msg.length === 0) {
        // END follows the last payload at once: one clock read here instead
        // of one per message (the clock costs ~0.1-0.2 us a read).
        last = nowSeconds()
        break
      }
      if (frames.length === 1 && msg.length === WARMUP.length) {
        lateWarmups++
        continue
      }
      if (received === 0) first = nowSeconds()
      received++
      if (frames.length !== 1) badFrames++
      else if (msg.length !== p.size) badSize++
    }
    await control.send("result", { received, first, last, badSize, badFrames, lateWarmups })
    await control.next("close")
  } finally {
    sock.close()
  }
}

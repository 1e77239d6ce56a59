// Worker roles for PUSH->PULL throughput.
//
// The stream the sender produces on the socket is:
//   WARMUP (1 byte)  - proves the connection is up; not timed
//   warm x payload, END - a first untimed stream, so that both libraries are
//                      measured in their steady state (V8 optimises a JS hot
//                      path only after thousands of calls; without this the
//                      small-message runs mostly timed zmq-ts's JIT warm-up)
//   count x payload  - `size` bytes each; the timed part
//   END (0 bytes)    - end-of-stream marker, so the receiver counts what actually
//                      arrived instead of waiting for a fixed number forever
// The receiver times from the first payload message received to the END marker.
//
// With `trace` in the params (scenario "tracing") the worker subscribes to
// zmq-ts's diagnostics channels first and reports how many events it saw.
//
// With `curve` in the params (scenario "curve") both ends use CURVE: the PULL
// is the server ({ server: true }) and reports its public key with "ready",
// the PUSH is the client ({ serverKey }); see roles/curve.mjs.
import { socketClass } from "../lib/impl.mjs"
import { curveSocketOptions } from "./curve.mjs"
import { nowSeconds } from "../lib/stats.mjs"
import { traceSubscribers } from "./tracing.mjs"

const WARMUP = Buffer.from("W")
const END = Buffer.alloc(0)
/** Sender linger: long enough that close() never drops queued messages. */
export const SENDER_LINGER_MS = 30_000

/** Receives payload messages up to the END marker; returns counts and timing. */
export async function receiveStream(sock, size) {
  let received = 0
  let badSize = 0
  let badFrames = 0
  let first = 0
  let last = 0
  for (;;) {
    const frames = await sock.receive()
    const msg = frames[0]
    if (frames.length === 1 && msg.length === 0) {
      // END follows the last payload at once; reading the clock here rather
      // than after every message keeps the clock's own cost (~0.1-0.2 us)
      // out of the per-message figure.
      last = nowSeconds()
      break
    }
    if (received === 0) first = nowSeconds()
    received++
    if (frames.length !== 1) badFrames++
    else if (msg.length !== size) badSize++
  }
  return { received, badSize, badFrames, seconds: received ? last - first : 0 }
}

/** Sends `count` messages of `size` bytes, then END. */
export async function sendStream(sock, count, size) {
  const payload = Buffer.alloc(size, 0x61)
  const start = nowSeconds()
  for (let i = 0; i < count; i++) await sock.send(payload)
  await sock.send(END)
  return { sent: count, seconds: nowSeconds() - start }
}

/** PULL side in its own process: bind, report the endpoint, receive the stream. */
export async function pullReceiver(zmq, p, control) {
  const Pull = socketClass(zmq, "Pull")
  const traced = traceSubscribers(p.trace)
  const curve = curveSocketOptions(zmq, p.curve)
  const sock = new Pull({ ...curve.options, ...p.socketOptions })
  try {
    await sock.bind(p.endpoint)
    await control.send("ready", { endpoint: sock.lastEndpoint, serverKey: curve.serverKey })
    await sock.receive() // WARMUP
    await receiveStream(sock, p.size) // the untimed warm-up stream
    await control.send("warm")
    const stats = await receiveStream(sock, p.size)
    await control.send("result", { ...stats, traced: traced.events })
    await control.next("close")
  } finally {
    sock.close()
  }
}

/** PUSH side in its own process: connect, send WARMUP, wait for "go", send the stream. */
export async function pushSender(zmq, p, control) {
  const Push = socketClass(zmq, "Push")
  const traced = traceSubscribers(p.trace)
  const curve = curveSocketOptions(zmq, p.curve)
  const sock = new Push({ linger: SENDER_LINGER_MS, ...curve.options, ...p.socketOptions })
  try {
    sock.connect(p.endpoint)
    await sock.send(WARMUP)
    await sendStream(sock, p.warm ?? 0, p.size)
    await control.send("ready")
    await control.next("go")
    const stats = await sendStream(sock, p.count, p.size)
    await control.send("result", { ...stats, traced: traced.events })
    // Stay open until the parent saw the receiver's result, then close.
    await control.next("close")
  } finally {
    sock.close()
  }
}

/** Both ends in this process (inproc transport): sender and receiver loops run concurrently. */
export async function inprocPair(zmq, p, control) {
  const Pull = socketClass(zmq, "Pull")
  const Push = socketClass(zmq, "Push")
  const traced = traceSubscribers(p.trace)
  const pull = new Pull({ ...p.socketOptions })
  let push
  try {
    await pull.bind(p.endpoint)
    push = new Push({ linger: SENDER_LINGER_MS, ...p.socketOptions })
    push.connect(p.endpoint)
    await push.send(WARMUP)
    await pull.receive()
    await Promise.all([receiveStream(pull, p.size), sendStream(push, p.warm ?? 0, p.size)])
    // Start receiving before sending, so the first payload is timed as soon as it lands.
    const [recv, sent] = await Promise.all([receiveStream(pull, p.size), sendStream(push, p.count, p.size)])
    await control.send("result", { ...recv, sent: sent.sent, sendSeconds: sent.seconds, traced: traced.events })
    await control.next("close")
  } finally {
    push?.close()
    pull.close()
  }
}

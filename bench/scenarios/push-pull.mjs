// PUSH -> PULL throughput between two processes (tcp or ipc).
//
// One run: fork the receiver (PULL, binds) and the sender (PUSH, connects);
// the sender sends a warm-up message; once the receiver got it (so connection
// setup is over) the parent tells the sender "go". The receiver times from the
// first to the last payload message and counts what arrived before the END
// marker; the count must equal what the sender sent.
import { BenchError } from "../lib/child.mjs"
import { bindEndpoint, closeWorkers, throughputCount, warmupCount, KiB, MiB } from "./common.mjs"

export const THROUGHPUT_SIZES = [16, 256, 4 * KiB, 64 * KiB, 1 * MiB]

/**
 * Byte budget per run, calibrated on libzmq (zeromq.js) on a 2-core machine so
 * one run takes roughly 0.5-2 s: small messages are bound by per-message cost
 * (hence the max count), large ones by bandwidth.
 */
const BUDGET = { bytes: 768 * MiB, minCount: 500, maxCount: 400_000, quickFactor: 0.1 }

/**
 * Checks the receiver's counts against the sender's and turns them into rates.
 * `sendSeconds` (the sender's own loop time) is kept for the JSON report only.
 */
export function throughputResult(recv, sent, size, sendSeconds) {
  if (recv.received !== sent) {
    throw new BenchError(`received ${recv.received} messages but ${sent} were sent`)
  }
  if (recv.badSize || recv.badFrames) {
    throw new BenchError(`${recv.badSize} messages with the wrong size, ${recv.badFrames} with the wrong frame count`)
  }
  // `seconds` spans first..last message, i.e. received - 1 intervals.
  const msgsPerSec = (recv.received - 1) / recv.seconds
  return { count: recv.received, seconds: recv.seconds, sendSeconds, msgsPerSec, mbPerSec: (msgsPerSec * size) / 1e6 }
}

/** A "tracing" case is only meaningful if zmq-ts did publish: every message, sent and received. */
export function checkTraced(impl, events, count) {
  if (impl === "zmq-ts" && events < 2 * count) {
    throw new BenchError(`subscribed to zmq-ts's channels but saw ${events} events for ${count} messages each way`)
  }
}

/** Builds the scenario for one transport. */
export function pushPull(transport) {
  return {
    id: `push-pull/${transport}`,
    name: "push-pull",
    transport,
    kind: "throughput",
    title: `PUSH -> PULL throughput over ${transport}, sender and receiver in separate processes`,
    requires: ["Push", "Pull"],
    // ipc runs only with --ipc (or when named with --scenario).
    optIn: transport === "ipc" ? "ipc" : transport === "ws" ? "ws" : undefined,

    cases(opts) {
      return THROUGHPUT_SIZES.map((size) => ({ size, count: throughputCount(size, BUDGET, opts), warm: warmupCount(size, opts) }))
    },

    /** One measurement for one implementation. */
    run(impl, c, ctx) {
      return runPushPull(transport, impl, c, ctx)
    },
  }
}

/**
 * One PUSH -> PULL measurement in two processes. With `curve` both sockets
 * use CURVE: the receiver is the server and reports its public key with
 * "ready", the sender is the client (scenario "curve").
 */
export async function runPushPull(transport, impl, { size, count, warm, trace = false }, ctx, { curve = false } = {}) {
  const receiver = ctx.spawn(impl, "receiver")
  const sender = ctx.spawn(impl, "sender")
  receiver.start("pull-receiver", { endpoint: bindEndpoint(transport, ctx), size, trace, curve: curve ? { server: true } : undefined })
  const { endpoint, serverKey } = await receiver.expect("ready")
  sender.start("push-sender", { endpoint, size, count, warm, trace, curve: curve ? { serverKey } : undefined })
  await Promise.all([sender.expect("ready"), receiver.expect("warm")])
  sender.post("go")
  const recv = await receiver.expect("result")
  const sent = await sender.expect("result")
  await closeWorkers(ctx, receiver, sender)
  if (trace) checkTraced(impl, recv.traced + sent.traced, count)
  return throughputResult(recv, sent.sent, size, sent.seconds)
}

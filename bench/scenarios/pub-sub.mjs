// PUB -> 4 x SUB fan-out throughput over tcp, each socket in its own process.
//
// One run: fork the publisher (binds) and SUBSCRIBERS subscriber processes
// (connect, subscribe to everything). The publisher sends a warm-up message
// every few milliseconds; each SUB reports "warm" once it received one (so it
// is connected and its subscription reached the publisher). When all are
// warm, the parent tells the publisher "go": it sends `count` messages and an
// END marker. Each SUB counts what it received up to END.
//
// Result: delivered messages per second summed over the SUBs, i.e. the total
// delivered divided by the wall time from the publisher's first timed send to
// the last delivery at any SUB (all processes read the same monotonic clock).
// The sum of each SUB's own rate (first to last message it received) is kept
// in the JSON rounds as `perSubSumMsgsPerSec`.
//
// PUB drops messages for a SUB whose queue is full, so both high-water marks
// are set above the message count: nothing should be lost. Loss is measured
// anyway (delivered vs SUBs x count) and reported, never hidden.
import { BenchError } from "../lib/child.mjs"
import { bindEndpoint, closeWorkers, sizeLabel, throughputCount, warmupCount, KiB, MiB } from "./common.mjs"

export const SUBSCRIBERS = 4
const SIZES = [16, 256, 4 * KiB]
/**
 * Byte budget per run (bytes published; each is delivered SUBSCRIBERS times).
 * Calibrated on a 2-core machine so that a run takes about 0.5-2 s.
 */
const BUDGET = { bytes: 128 * MiB, minCount: 1_000, maxCount: 200_000, quickFactor: 0.1 }
/** High-water marks: at least this, and always above the message count. */
const MIN_HWM = 100_000

/** Checks the SUBs' counts and turns them into rates. */
export function pubSubResult(pub, subs, count, size, ctx) {
  const expected = count * subs.length
  const delivered = subs.reduce((n, s) => n + s.received, 0)
  const bad = subs.reduce((n, s) => n + s.badSize + s.badFrames, 0)
  if (bad) throw new BenchError(`${bad} messages with the wrong size or frame count`)
  if (delivered > expected) throw new BenchError(`delivered ${delivered} messages, more than the ${expected} published (${subs.length} x ${count})`)
  if (delivered === 0) throw new BenchError("no message delivered")
  const lastDelivery = Math.max(...subs.map((s) => s.last))
  const seconds = lastDelivery - pub.start
  const lost = expected - delivered
  const lossPct = (100 * lost) / expected
  if (lost > 0) {
    const perSub = subs.map((s) => s.received).join(", ")
    ctx.warn(`${sizeLabel(size)}: ${lost} of ${expected} deliveries lost (${lossPct.toFixed(3)}%); per SUB: ${perSub} of ${count}`)
  }
  const msgsPerSec = delivered / seconds
  const perSubSumMsgsPerSec = subs.reduce((sum, s) => sum + (s.received > 1 ? (s.received - 1) / (s.last - s.first) : 0), 0)
  return {
    count,
    expected,
    delivered,
    lossPct,
    perSub: subs.map((s) => s.received),
    seconds,
    sendSeconds: pub.sendSeconds,
    msgsPerSec,
    mbPerSec: (msgsPerSec * size) / 1e6,
    perSubSumMsgsPerSec,
  }
}

export function pubSub(transport) {
  return {
    id: `pub-sub/${transport}`,
    name: "pub-sub",
    transport,
    kind: "fanout",
    title: `PUB -> ${SUBSCRIBERS} x SUB fan-out over ${transport}, every socket in its own process, all SUBs subscribed to everything`,
    requires: ["Publisher", "Subscriber"],
    subscribers: SUBSCRIBERS,
    notes: [
      `deliv/s = messages delivered per second summed over the ${SUBSCRIBERS} SUBs: total delivered / time from the publisher's first timed send to the last delivery at any SUB`,
      `delivered = fewest deliveries in a round, out of ${SUBSCRIBERS} x published, and the largest loss in a round; ` +
        `sendHighWaterMark = receiveHighWaterMark = max(${MIN_HWM.toLocaleString("en-US")}, published + 1,000)`,
    ],

    cases(opts) {
      return SIZES.map((size) => {
        const count = throughputCount(size, BUDGET, opts)
        return { size, count, subscribers: SUBSCRIBERS, hwm: Math.max(MIN_HWM, count + 1_000), warm: warmupCount(size, opts) }
      })
    },

    async run(impl, { size, count, subscribers, hwm, warm }, ctx) {
      const pub = ctx.spawn(impl, "publisher")
      const subs = Array.from({ length: subscribers }, (_, i) => ctx.spawn(impl, `subscriber ${i + 1}`))
      pub.start("pub-sender", { endpoint: bindEndpoint(transport, ctx), size, count, hwm })
      const { endpoint } = await pub.expect("ready")
      for (const s of subs) s.start("sub-receiver", { endpoint, size, hwm, warm })
      await Promise.all(subs.map((s) => s.expect("warm")))
      pub.post("go")
      const sent = await pub.expect("result")
      const recvs = await Promise.all(subs.map((s) => s.expect("result")))
      await closeWorkers(ctx, ...subs, pub)
      return { ...pubSubResult(sent, recvs, count, size, ctx), hwm }
    },
  }
}

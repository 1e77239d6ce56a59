// RADIO -> DISH throughput over udp:// (RFC 48 over libzmq's udp transport,
// unicast on loopback), on `zmq-ts/draft` and `zeromq/draft`, RADIO and DISH
// in separate processes. Same stream and accounting as pub-sub with one
// receiver (roles/radio-dish.mjs): deliv/s is what the DISH received over
// the time from the first timed send to its last payload.
//
// UDP has no flow control, so a RADIO that outpaces its DISH loses datagrams
// in the kernel; the loss is reported with the rate, and the two numbers only
// mean something together.
import { pubSubResult } from "./pub-sub.mjs"
import { closeWorkers, throughputCount, warmupCount, KiB, MiB } from "./common.mjs"

const SIZES = [16, 1 * KiB]
/** Byte budget per run: 50,000 x 16 B and 8,192 x 1 KiB, about 1 s a run on a busy 2-core machine. */
const BUDGET = { bytes: 8 * MiB, minCount: 1_000, maxCount: 50_000, quickFactor: 0.1 }
/** Queues hold the whole run: a loss is then the kernel's, not a high-water mark's. */
const MIN_HWM = 100_000

export const radioDish = {
  id: "radio-dish/udp",
  name: "radio-dish",
  transport: "udp",
  kind: "fanout",
  title: "RADIO -> DISH over udp:// (unicast, 127.0.0.1), draft sockets, RADIO and DISH in separate processes",
  requires: [],
  subscribers: 1,
  notes: [
    "deliv/s = messages the DISH received / time from the RADIO's first timed send to the DISH's last payload",
    "udp has no flow control: what the DISH's socket buffer cannot take is dropped by the kernel and counted as lost; " +
      `sendHighWaterMark = receiveHighWaterMark = max(${MIN_HWM.toLocaleString("en-US")}, sent + 1,000)`,
  ],

  cases(opts) {
    return SIZES.map((size) => {
      const count = throughputCount(size, BUDGET, opts)
      return { size, count, hwm: Math.max(MIN_HWM, count + 1_000), warm: Math.min(2_000, warmupCount(size, opts)) }
    })
  },

  async run(impl, { size, count, hwm, warm }, ctx) {
    const dish = ctx.spawn(impl, "dish")
    const radio = ctx.spawn(impl, "radio")
    dish.start("dish-receiver", { size, hwm, warm })
    const { endpoint } = await dish.expect("ready")
    radio.start("radio-sender", { endpoint, size, count, hwm })
    await radio.expect("ready")
    await dish.expect("warm")
    radio.post("go")
    const sent = await radio.expect("result")
    const recv = await dish.expect("result")
    await closeWorkers(ctx, dish, radio)
    return { ...pubSubResult(sent, [recv], count, size, ctx), hwm }
  },
}

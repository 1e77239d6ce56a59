// PUSH -> PULL throughput over inproc, both sockets in one worker process.
import { bindEndpoint, closeWorkers, throughputCount, warmupCount, KiB, MiB } from "./common.mjs"
import { checkTraced, throughputResult } from "./push-pull.mjs"

const SIZES = [16, 256, 4 * KiB]
/** Sender and receiver share one event loop here, so budgets are a bit smaller. */
const BUDGET = { bytes: 512 * MiB, minCount: 1_000, maxCount: 400_000, quickFactor: 0.1 }

export const inproc = {
  id: "inproc",
  name: "inproc",
  transport: "inproc",
  kind: "throughput",
  title: "PUSH -> PULL throughput over inproc, both ends in one process",
  requires: ["Push", "Pull"],

  cases(opts) {
    return SIZES.map((size) => ({ size, count: throughputCount(size, BUDGET, opts), warm: warmupCount(size, opts) }))
  },

  async run(impl, { size, count, warm, trace = false }, ctx) {
    const worker = ctx.spawn(impl, "pair")
    worker.start("inproc-pair", { endpoint: bindEndpoint("inproc", ctx), size, count, warm, trace })
    const recv = await worker.expect("result")
    await closeWorkers(ctx, worker)
    if (trace) checkTraced(impl, recv.traced, count)
    return throughputResult(recv, recv.sent, size, recv.sendSeconds)
  },
}

// inproc between two threads of one process (main thread -> worker_threads Worker).
import { BenchError } from "../lib/child.mjs"
import { bindEndpoint, closeWorkers, sizeLabel, throughputCount, warmupCount, KiB, MiB } from "./common.mjs"
import { throughputResult } from "./push-pull.mjs"

const SIZES = [16, 4 * KiB, 64 * KiB, 1 * MiB]
// The sender's frame in a SharedArrayBuffer: zmq-ts then passes it by
// reference (src/threads/shared-frames.ts), as libzmq does any frame.
const SHARED_SIZES = [64 * KiB, 1 * MiB]
const BUDGET = { bytes: 512 * MiB, minCount: 500, maxCount: 400_000, quickFactor: 0.1 }
// Passing a reference costs the same for any size: a message budget, not a byte budget.
const SHARED_BUDGET = { bytes: 4_000 * MiB, minCount: 500, maxCount: 4_000, quickFactor: 0.1 }

export const threadsThroughput = {
  id: "threads/inproc",
  name: "threads",
  transport: "inproc",
  kind: "throughput",
  title: "PUSH (main thread) -> PULL (worker thread) throughput over inproc, one process",
  requires: ["Push", "Pull"],
  notes: ["\"shared\": the sender's frame is a Buffer over a SharedArrayBuffer (the same for both libraries)"],
  cases(opts) {
    const copied = SIZES.map((size) => ({ size, count: throughputCount(size, BUDGET, opts), warm: Math.min(warmupCount(size, opts), 20_000) }))
    const shared = SHARED_SIZES.map((size) => ({
      size,
      shared: true,
      label: `${sizeLabel(size)} shared`,
      count: throughputCount(size, SHARED_BUDGET, opts),
      warm: Math.round(1_000 * (opts.quick ? 0.1 : 1)),
    }))
    return [...copied, ...shared]
  },
  async run(impl, { size, count, warm, shared }, ctx) {
    const worker = ctx.spawn(impl, "threads")
    worker.start("thread-push", { impl, endpoint: bindEndpoint("inproc", ctx), size, count, warm, hwm: 1000, shared: shared === true })
    const recv = await worker.expect("result")
    await closeWorkers(ctx, worker)
    return throughputResult(recv, recv.sent, size, recv.sendSeconds)
  },
}

export const threadsLatency = {
  id: "threads/req-rep",
  name: "threads",
  transport: "inproc",
  kind: "latency",
  title: "REQ (main thread) -> REP (worker thread) round-trip latency over inproc, one process",
  requires: ["Request", "Reply"],
  cases(opts) {
    const count = Math.max(100, Math.round((opts.quick ? 1_000 : 10_000) * opts.scale))
    return [16, 4 * KiB].map((size) => ({ size, count }))
  },
  async run(impl, { size, count }, ctx) {
    const worker = ctx.spawn(impl, "threads")
    worker.start("thread-req", { impl, endpoint: bindEndpoint("inproc", ctx), size, count, warmup: Math.min(5_000, count) })
    const res = await worker.expect("result")
    await closeWorkers(ctx, worker)
    if (!Number.isFinite(res.medianUs)) throw new BenchError("no round trips timed")
    return { count, medianUs: res.medianUs, p99Us: res.p99Us, meanUs: res.meanUs }
  },
}

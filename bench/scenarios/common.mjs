// Helpers shared by the scenario definitions (parent side).

import { BenchError } from "../lib/child.mjs"

export const KiB = 1024
export const MiB = 1024 * KiB

/** "16 B", "4 KiB", "1 MiB". */
export function sizeLabel(bytes) {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`
  return `${bytes} B`
}

/** How a case is named in tables and progress lines: its `label`, else its message size. */
export function caseLabel(c) {
  return c.label ?? sizeLabel(c.size)
}

/**
 * Message count for a throughput run: a byte budget divided by the message size,
 * clamped to [min, max], then scaled by --scale (and by `quickFactor` under
 * --quick). The same count is used for both implementations.
 */
export function throughputCount(size, budget, opts) {
  const scale = opts.scale * (opts.quick ? budget.quickFactor : 1)
  const raw = Math.min(budget.maxCount, Math.max(budget.minCount, Math.round(budget.bytes / size)))
  return Math.max(10, Math.round(raw * scale))
}

/**
 * Messages sent untimed before a throughput run, so that the run measures
 * steady state: up to 20,000 messages or 32 MiB, and at least 500 messages
 * (a tenth with --quick). The floor is for V8: 32 MiB is only 32 messages of
 * 1 MiB, after which zmq-ts's per-message path still ran in baseline code for
 * part of the timed run (perf, 2026-12-07). Both implementations get the same.
 */
export function warmupCount(size, opts) {
  const raw = Math.min(20_000, Math.max(500, Math.floor((32 * 1024 * 1024) / size)))
  return Math.max(10, Math.round(raw * (opts.quick ? 0.1 : 1)))
}

/** Endpoint a worker binds for a transport; tcp uses a wildcard port (read back via lastEndpoint). */
export function bindEndpoint(transport, ctx) {
  switch (transport) {
    case "tcp":
      return "tcp://127.0.0.1:*"
    case "ipc":
      return `ipc://${ctx.ipcPath()}`
    case "inproc":
      return `inproc://${ctx.uniqueName()}`
    case "ws":
      return "ws://127.0.0.1:*/bench"
    default:
      throw new Error(`unknown transport ${transport}`)
  }
}

/**
 * Asks every worker to close its sockets and waits until each one is done and
 * exited. Collects "did not exit" warnings into the run context.
 */
export async function closeWorkers(ctx, ...workers) {
  for (const w of workers) w.post("close")
  const finished = await Promise.all(workers.map((w) => w.finish()))
  for (const f of finished) if (f.warning) ctx.warn(f.warning)
  return finished.map((f) => f.result)
}

/**
 * The cases and the run of a round-trip latency scenario (req-rep,
 * client-server): a server and a client process, `warmup` untimed round
 * trips, then `count` timed ones of each size.
 */
export function roundTrip(transport, { sizes, roundTrips, quickRoundTrips, warmup, serverRole, clientRole }) {
  return {
    cases(opts) {
      const base = opts.quick ? quickRoundTrips : roundTrips
      const count = Math.max(100, Math.round(base * opts.scale))
      return sizes.map((size) => ({ size, count }))
    },

    async run(impl, { size, count }, ctx) {
      const server = ctx.spawn(impl, "server")
      const client = ctx.spawn(impl, "client")
      const w = Math.min(warmup, count)
      server.start(serverRole, { endpoint: bindEndpoint(transport, ctx), warmup: w, count })
      const { endpoint } = await server.expect("ready")
      client.start(clientRole, { endpoint, size, count, warmup: w })
      await client.expect("ready")
      client.post("go")
      const res = await client.expect("result")
      await server.expect("result")
      await closeWorkers(ctx, client, server)
      if (res.count !== count || res.badReplies) {
        throw new BenchError(`${res.count} round trips timed (expected ${count}), ${res.badReplies} bad replies`)
      }
      return { count, medianUs: res.medianUs, p99Us: res.p99Us, meanUs: res.meanUs }
    },
  }
}

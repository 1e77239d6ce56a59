// Runs the selected scenarios: for every case, `rounds` rounds in which the
// implementations take turns (the order flips each round so neither always
// runs first), then the median of each metric over the rounds.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { WorkerProcess, killAllWorkers } from "./child.mjs"
import { median } from "./stats.mjs"
import { caseLabel } from "../scenarios/common.mjs"

/**
 * Metrics aggregated over the rounds per scenario kind: the median, except
 * that delivery counts take the worst round (fewest delivered, most lost).
 */
export const METRICS = {
  throughput: { msgsPerSec: median, mbPerSec: median },
  fanout: { msgsPerSec: median, mbPerSec: median, delivered: (v) => Math.min(...v), lossPct: (v) => Math.max(...v) },
  latency: { medianUs: median, p99Us: median },
  handshake: { handshakesPerSec: median, medianMs: median, p99Ms: median },
  memory: { routerBytesPerConn: median, dealerBytesPerConn: median, routerHeapPerConn: median, dealerHeapPerConn: median },
  capacity: { seconds: median, routerRss: median, replied: (v) => Math.min(...v), connections: (v) => Math.min(...v) },
}

/**
 * zmq-ts / zeromq ratios computed per scenario kind (of the aggregated
 * metrics); the first one is the primary ratio (`row.ratio`).
 */
export const RATIOS = {
  throughput: ["msgsPerSec"],
  fanout: ["msgsPerSec"],
  latency: ["medianUs", "p99Us"],
  handshake: ["handshakesPerSec"],
  memory: ["routerBytesPerConn", "dealerBytesPerConn"],
  capacity: ["seconds", "routerRss"],
}

/** Shared per-invocation state: a temporary directory for ipc endpoints and unique names. */
class Session {
  constructor(opts) {
    this.opts = opts
    this.counter = 0
    this.dir = null
    // Also clean up when the harness is interrupted (process.exit skips finally blocks).
    this.cleanup = this.cleanup.bind(this)
    process.once("exit", this.cleanup)
  }
  uniqueName() {
    return `zmq-bench-${process.pid}-${++this.counter}`
  }
  ipcPath() {
    this.dir ??= mkdtempSync(join(tmpdir(), "zmq-bench-"))
    return join(this.dir, `${++this.counter}.sock`)
  }
  cleanup() {
    killAllWorkers()
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
    this.dir = null
  }
}

/** Runs one measurement with a fresh context; kills any worker left behind. */
async function measureOnce(session, scenario, impl, c) {
  const workers = []
  const warnings = []
  const ctx = {
    spawn: (i, label) => {
      const w = new WorkerProcess(i, { timeoutMs: session.opts.timeoutMs, verbose: session.opts.verbose, label: `${scenario.id} ${label}` })
      workers.push(w)
      return w
    },
    warn: (msg) => warnings.push(msg),
    ipcPath: () => session.ipcPath(),
    uniqueName: () => session.uniqueName(),
  }
  try {
    const metrics = await scenario.run(impl, c, ctx)
    return { metrics, warnings }
  } finally {
    for (const w of workers) w.kill()
  }
}

/** Imports each implementation once in a worker to learn what it exports (or why it cannot load). */
async function probe(impl, opts) {
  const w = new WorkerProcess(impl, { timeoutMs: opts.timeoutMs, verbose: opts.verbose, label: "probe" })
  try {
    w.start("probe", {})
    const { result } = await w.finish()
    return { ok: true, exports: new Set(result.exports) }
  } catch (err) {
    return { ok: false, unsupported: err.unsupported, reason: err.message }
  } finally {
    w.kill()
  }
}

function formatProgress(scenario, value) {
  const int = (v) => Math.round(v).toLocaleString("en-US")
  if (scenario.kind === "throughput") return `${int(value.msgsPerSec)} msg/s in ${value.seconds.toFixed(2)} s`
  if (scenario.kind === "fanout") {
    return `${int(value.msgsPerSec)} delivered msg/s in ${value.seconds.toFixed(2)} s, ` +
      `${int(value.delivered)}/${int(value.expected)} delivered (${value.lossPct === 0 ? "no loss" : `${value.lossPct.toFixed(3)}% lost`})`
  }
  if (scenario.kind === "handshake") {
    return `${int(value.handshakesPerSec)} handshakes/s in ${value.seconds.toFixed(2)} s, median ${value.medianMs.toFixed(2)} ms, p99 ${value.p99Ms.toFixed(2)} ms each`
  }
  if (scenario.kind === "memory") {
    return `ROUTER ${int(value.routerBytesPerConn)} B/conn, DEALER ${int(value.dealerBytesPerConn)} B/conn (RSS), ` +
      `heap ${int(value.routerHeapPerConn)} / ${int(value.dealerHeapPerConn)} B/conn`
  }
  if (scenario.kind === "capacity") {
    return `${int(value.replied)}/${int(value.connections)} replied in ${value.seconds.toFixed(2)} s, ` +
      `ROUTER RSS ${(value.routerRss / 2 ** 20).toFixed(1)} MiB at the end`
  }
  return `median ${value.medianUs.toFixed(1)} us, p99 ${value.p99Us.toFixed(1)} us`
}

/**
 * Runs everything. `log` receives progress lines. Returns
 * [{ scenario, cases: [{ size, count, subscribers?, parallel?, label?, impls: { [impl]: { status, reason?, rounds, median } }, ratio, ratios }] }].
 */
export async function runAll(scenarioList, opts, log) {
  const session = new Session(opts)
  const results = []
  try {
    const probes = {}
    for (const impl of opts.impls) probes[impl] = await probe(impl, opts)

    for (const scenario of scenarioList) {
      const entry = { scenario, cases: [] }
      results.push(entry)
      // Reason an implementation cannot run this scenario at all (n/a for all sizes).
      const blocked = {}
      for (const impl of opts.impls) {
        const p = probes[impl]
        if (!p.ok) blocked[impl] = { status: p.unsupported ? "n/a" : "error", reason: p.reason }
        else {
          const missing = scenario.requires.filter((cls) => !p.exports.has(cls))
          if (missing.length) blocked[impl] = { status: "n/a", reason: `socket type ${missing.join(", ")} not implemented` }
        }
      }

      // --size keeps only the cases of those message sizes (cases without a size always run).
      const sizes = opts.sizes ?? []
      for (const c of scenario.cases(opts).filter((c) => !sizes.length || c.size === undefined || sizes.includes(c.size))) {
        const row = {
          size: c.size,
          count: c.count,
          ...(c.subscribers ? { subscribers: c.subscribers } : {}),
          ...(c.parallel ? { parallel: c.parallel } : {}),
          ...(c.label ? { label: c.label } : {}),
          impls: {},
        }
        entry.cases.push(row)
        for (const impl of opts.impls) row.impls[impl] = { status: "ok", rounds: [], warnings: [], ...blocked[impl] }

        for (let round = 0; round < opts.rounds; round++) {
          const order = round % 2 === 0 ? opts.impls : [...opts.impls].reverse()
          for (const impl of order) {
            const st = row.impls[impl]
            if (st.status !== "ok") continue // n/a or failed: do not retry
            const what = `[${scenario.id}] ${caseLabel(c)} x${c.count} ${impl} round ${round + 1}/${opts.rounds}`
            try {
              const { metrics, warnings } = await measureOnce(session, scenario, impl, c)
              st.rounds.push(metrics)
              st.warnings.push(...warnings)
              log(`${what}: ${formatProgress(scenario, metrics)}`)
              for (const w of warnings) log(`  warning: ${w}`)
            } catch (err) {
              st.status = err.unsupported ? "n/a" : "error"
              st.reason = err.message
              st.detail = err.detail
              log(`${what}: ${st.status}: ${err.message}`)
              if (session.opts.verbose && err.detail) log(err.detail)
              // "Not implemented" does not depend on the message size: skip the rest.
              if (err.unsupported) blocked[impl] = { status: "n/a", reason: err.message }
            }
          }
        }
        finishRow(scenario, row, opts)
      }
    }
  } finally {
    session.cleanup()
  }
  return results
}

/**
 * Aggregates over rounds (`st.median`, medians unless METRICS says otherwise)
 * and the zmq-ts/zeromq ratios: `row.ratios` per RATIOS key, `row.ratio` the
 * primary one.
 */
function finishRow(scenario, row, opts) {
  const metrics = METRICS[scenario.kind]
  for (const impl of opts.impls) {
    const st = row.impls[impl]
    if (st.status !== "ok") continue
    st.median = {}
    for (const [k, aggregate] of Object.entries(metrics)) st.median[k] = aggregate(st.rounds.map((r) => r[k]))
  }
  const [a, b] = [row.impls["zmq-ts"], row.impls["zeromq"]]
  const both = a?.status === "ok" && b?.status === "ok"
  row.ratios = Object.fromEntries(RATIOS[scenario.kind].map((k) => [k, both ? a.median[k] / b.median[k] : null]))
  row.ratio = row.ratios[RATIOS[scenario.kind][0]]
}

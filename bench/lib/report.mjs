// Output: a plain-text table per scenario, or one JSON document (--json).
import { cpus } from "node:os"
import { moduleSpecifier } from "./impl.mjs"
import { caseLabel } from "../scenarios/common.mjs"
import { RATIOS } from "./runner.mjs"

const int = (v) => Math.round(v).toLocaleString("en-US")
const fixed = (digits) => (v) => v.toFixed(digits)
const pct = (v) => (v === 0 ? "0%" : v < 0.01 ? "<0.01%" : `${v.toFixed(2)}%`)
const ratioCell = (r) => (r == null ? "n/a" : `${r.toFixed(2)}x`)
const mib = (v) => (v / 2 ** 20).toFixed(1)
/** Verdict words for a memory ratio (lower is better): "2.00x less memory". */
const MEMORY_WORDS = ["less memory", "more memory"]

/**
 * Per scenario kind: the count column, per implementation a header suffix and
 * a formatter for each metric, the ratio columns (keys of RATIOS in
 * runner.mjs), a note under the table, and how the summary table shows it
 * (`higherIsBetter` of the primary ratio; kinds whose metrics are all lower-is-better
 * memory or time say so in the verdict: "faster"/"slower", "less"/"more memory").
 */
const LAYOUTS = {
  throughput: {
    countHeader: "messages",
    columns: [
      { key: "msgsPerSec", header: "msgs/s", format: int },
      { key: "mbPerSec", header: "MB/s", format: fixed(1) },
    ],
    ratios: [{ key: "msgsPerSec", header: "ratio" }],
    ratioNote: "ratio = zmq-ts msgs/s / zeromq msgs/s (higher is better for zmq-ts); MB = 10^6 bytes",
    summary: { metric: "msgs/s", higherIsBetter: true },
  },
  fanout: {
    countHeader: "published",
    columns: [
      { key: "msgsPerSec", header: "deliv/s", format: int },
      { key: "mbPerSec", header: "MB/s", format: fixed(1) },
      // Fewest delivered in any round, and the largest loss: "20,000 (0% lost)".
      { key: "delivered", header: "delivered", format: (v, m) => `${int(v)} (${pct(m.lossPct)} lost)` },
    ],
    ratios: [{ key: "msgsPerSec", header: "ratio" }],
    ratioNote: "ratio = zmq-ts deliv/s / zeromq deliv/s (higher is better for zmq-ts); MB = 10^6 bytes delivered",
    summary: { metric: "deliv/s", higherIsBetter: true },
  },
  latency: {
    countHeader: "round trips",
    columns: [
      { key: "medianUs", header: "median us", format: fixed(1) },
      { key: "p99Us", header: "p99 us", format: fixed(1) },
    ],
    ratios: [
      { key: "medianUs", header: "median ratio" },
      { key: "p99Us", header: "p99 ratio" },
    ],
    ratioNote: "median ratio = zmq-ts median / zeromq median, p99 ratio = zmq-ts p99 / zeromq p99 " +
      "(lower is better for zmq-ts; each is the median over rounds); us = microseconds",
    summary: { metric: "median / p99 us", higherIsBetter: false },
  },
  handshake: {
    caseHeader: "case",
    countHeader: "handshakes",
    columns: [
      { key: "handshakesPerSec", header: "handshakes/s", format: int },
      { key: "medianMs", header: "ms each", format: fixed(2) },
    ],
    ratios: [{ key: "handshakesPerSec", header: "ratio" }],
    ratioNote: "ratio = zmq-ts handshakes/s / zeromq handshakes/s (higher is better for zmq-ts); ms each = median per handshake",
    summary: { metric: "handshakes/s", higherIsBetter: true },
  },
  memory: {
    caseHeader: "case",
    countHeader: "connections",
    columns: [
      { key: "routerBytesPerConn", header: "ROUTER B/conn", format: int },
      { key: "dealerBytesPerConn", header: "DEALER B/conn", format: int },
      { key: "routerHeapPerConn", header: "heap B/conn", format: (v, m) => `${int(v)} / ${int(m.dealerHeapPerConn)}` },
    ],
    ratios: [
      { key: "routerBytesPerConn", header: "ROUTER ratio" },
      { key: "dealerBytesPerConn", header: "DEALER ratio" },
    ],
    ratioNote: "ROUTER ratio = zmq-ts ROUTER B/conn / zeromq ROUTER B/conn, DEALER ratio likewise " +
      "(lower is better for zmq-ts); B/conn = bytes of RSS per connection",
    summary: { metric: "ROUTER / DEALER B/conn", higherIsBetter: false },
  },
  capacity: {
    caseHeader: "case",
    countHeader: "connections",
    columns: [
      { key: "seconds", header: "s", format: fixed(2) },
      { key: "routerRss", header: "ROUTER RSS MiB", format: mib },
      { key: "replied", header: "replied", format: int },
    ],
    ratios: [
      { key: "seconds", header: "time ratio" },
      { key: "routerRss", header: "RSS ratio" },
    ],
    ratioNote: "time ratio = zmq-ts s / zeromq s, RSS ratio = zmq-ts ROUTER RSS / zeromq ROUTER RSS " +
      "(lower is better for zmq-ts); MiB = 2^20 bytes",
    summary: { metric: "s / ROUTER RSS MiB", higherIsBetter: false },
  },
}

/**
 * Pads cells into aligned columns. `align` has one letter per column, "l" or
 * "r"; by default the first column is left-aligned and the rest right-aligned.
 */
function formatTable(header, rows, align = "l" + "r".repeat(header.length - 1)) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => cells.map((c, i) => (align[i] === "l" ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd()
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

function implHeading(impl) {
  const spec = moduleSpecifier(impl)
  return spec === impl ? impl : `${impl} (module "${spec}" via BENCH_ZMQTS_MODULE)`
}

/** The human-readable report. */
export function textReport(results, opts) {
  const out = []
  const cpu = cpus()
  out.push(`zmq-ts benchmark: node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, ` +
    `median of ${opts.rounds} round${opts.rounds === 1 ? "" : "s"}${opts.quick ? " (--quick)" : ""}`)
  out.push(`implementations: ${opts.impls.map(implHeading).join(" vs ")}`)
  const compared = opts.impls.length === 2

  for (const { scenario, cases } of results) {
    const layout = LAYOUTS[scenario.kind]
    const header = [layout.caseHeader ?? "size", layout.countHeader]
    for (const impl of opts.impls) for (const col of layout.columns) header.push(`${impl} ${col.header}`)
    for (const r of layout.ratios) header.push(r.header)

    const notes = new Map() // one footnote per distinct impl + reason
    const rows = cases.map((row) => {
      const cells = [caseLabel(row), int(row.count)]
      for (const impl of opts.impls) {
        const st = row.impls[impl]
        for (const col of layout.columns) cells.push(st.status === "ok" ? col.format(st.median[col.key], st.median) : st.status)
        if (st.status !== "ok") notes.set(`${impl}: ${st.status}: ${firstLine(st.reason)}`, true)
        for (const w of st.warnings ?? []) notes.set(`${impl}: warning: ${w}`, true)
      }
      for (const r of layout.ratios) cells.push(compared ? ratioCell(row.ratios?.[r.key]) : "-")
      return cells
    })

    out.push("", `== ${scenario.id}: ${scenario.title}`, formatTable(header, rows))
    for (const note of scenario.notes ?? []) out.push(`   ${note}`)
    if (compared) out.push(`   ${layout.ratioNote}`)
    for (const note of notes.keys()) out.push(`   ${note}`)
  }

  if (compared && results.length) out.push("", ...summaryText(results))
  return out.join("\n")
}

/**
 * "2.51x faster" / "1.49x slower" for a zmq-ts/zeromq ratio; `words` replaces
 * "faster"/"slower" (e.g. MEMORY_WORDS for a lower-is-better memory ratio).
 */
function verdict(ratio, higherIsBetter, [better, worse] = ["faster", "slower"]) {
  if (ratio == null || !Number.isFinite(ratio) || ratio <= 0) return "n/a"
  const speedup = higherIsBetter ? ratio : 1 / ratio
  return speedup >= 1 ? `${speedup.toFixed(2)}x ${better}` : `${(1 / speedup).toFixed(2)}x ${worse}`
}

/** The cell for one implementation in the summary table. */
function summaryValue(kind, st) {
  if (st.status !== "ok") return st.status
  if (kind === "latency") return `${st.median.medianUs.toFixed(1)} / ${st.median.p99Us.toFixed(1)}`
  if (kind === "handshake") return int(st.median.handshakesPerSec)
  if (kind === "memory") return `${int(st.median.routerBytesPerConn)} / ${int(st.median.dealerBytesPerConn)}`
  if (kind === "capacity") return `${st.median.seconds.toFixed(2)} / ${mib(st.median.routerRss)}`
  return int(st.median.msgsPerSec)
}

/** One summary entry per scenario and size (shared by the text and JSON reports). */
function summaryEntries(results) {
  const entries = []
  for (const { scenario, cases } of results) {
    const layout = LAYOUTS[scenario.kind]
    for (const row of cases) {
      const a = row.impls["zmq-ts"]
      const b = row.impls["zeromq"]
      let text
      if (scenario.kind === "latency") {
        text = row.ratio == null ? "n/a" : `${verdict(row.ratios.medianUs, false)} median, ${verdict(row.ratios.p99Us, false)} p99`
      } else if (scenario.kind === "memory") {
        text = row.ratio == null
          ? "n/a"
          : `ROUTER ${verdict(row.ratios.routerBytesPerConn, false, MEMORY_WORDS)}, DEALER ${verdict(row.ratios.dealerBytesPerConn, false, MEMORY_WORDS)}`
      } else if (scenario.kind === "capacity") {
        text = row.ratio == null ? "n/a" : `${verdict(row.ratios.seconds, false)}, ROUTER RSS ${verdict(row.ratios.routerRss, false, MEMORY_WORDS)}`
      } else {
        text = verdict(row.ratio, layout.summary.higherIsBetter)
      }
      if (scenario.kind === "fanout") {
        const losses = ["zmq-ts", "zeromq"].filter((i) => row.impls[i]?.status === "ok" && row.impls[i].median.lossPct > 0)
        for (const impl of losses) text += `; ${impl} lost ${pct(row.impls[impl].median.lossPct)}`
      }
      entries.push({ scenario, row, a, b, text })
    }
  }
  return entries
}

function summaryText(results) {
  const header = ["scenario", "case", "metric", "zmq-ts", "zeromq", "ratio", "p99 ratio", "zmq-ts vs zeromq"]
  const rows = summaryEntries(results).map(({ scenario, row, a, b, text }) => [
    scenario.id,
    caseLabel(row),
    LAYOUTS[scenario.kind].summary.metric,
    summaryValue(scenario.kind, a),
    summaryValue(scenario.kind, b),
    ratioCell(row.ratio),
    scenario.kind === "latency" ? ratioCell(row.ratios?.p99Us) : "-",
    text,
  ])
  return [
    "== summary: zmq-ts / zeromq for every scenario and case (message size, or connections in flight for handshakes)",
    formatTable(header, rows, "lllrrrrl"),
    "   ratio = zmq-ts / zeromq of the metric: msgs/s, deliv/s and handshakes/s higher is better for zmq-ts, latency (us) lower is better;",
    "   for latency the values are median / p99 us and \"ratio\" is the median ratio",
    ...(results.some(({ scenario }) => scenario.kind === "memory" || scenario.kind === "capacity")
      ? [
        "   connections: memory (B/conn, MiB) and time (s) lower is better; for idle-rss the values are ROUTER / DEALER B/conn and \"ratio\" is the ROUTER ratio,",
        "   for router-10k they are s / ROUTER RSS MiB and \"ratio\" is the time ratio; the verdict gives both",
      ]
      : []),
  ]
}

function firstLine(text) {
  return String(text ?? "").split("\n")[0]
}

/**
 * The machine-readable report (--json). Version 2 added the fanout kind, `ratios`, `subscribers` and `summary`;
 * version 3 the handshake kind, whose results have `parallel` and `label` instead of `size`;
 * version 4 the memory and capacity kinds (lower is better, `label` instead of `size`; their
 * summary entries carry both ratios in `ratios`).
 */
export function jsonReport(results, opts) {
  const compared = opts.impls.length === 2
  return {
    version: 4,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    options: { rounds: opts.rounds, quick: opts.quick, scale: opts.scale, impls: opts.impls },
    modules: Object.fromEntries(opts.impls.map((impl) => [impl, moduleSpecifier(impl)])),
    scenarios: results.map(({ scenario, cases }) => ({
      id: scenario.id,
      name: scenario.name,
      transport: scenario.transport,
      kind: scenario.kind,
      title: scenario.title,
      ...(scenario.notes ? { notes: scenario.notes } : {}),
      /** The metric of the primary `ratio`; `ratios` holds one ratio per key of `ratiosOf`. */
      ratioOf: RATIOS[scenario.kind][0],
      ratiosOf: RATIOS[scenario.kind],
      results: cases.map((row) => ({
        size: row.size,
        count: row.count,
        ...(row.subscribers ? { subscribers: row.subscribers } : {}),
        ...(row.parallel ? { parallel: row.parallel } : {}),
        ...(row.label ? { label: row.label } : {}),
        impls: Object.fromEntries(Object.entries(row.impls).map(([impl, st]) => [impl, {
          status: st.status,
          ...(st.median ? st.median : {}),
          ...(st.reason ? { reason: st.reason } : {}),
          ...(st.detail && st.detail !== st.reason ? { detail: st.detail } : {}),
          ...(st.warnings?.length ? { warnings: st.warnings } : {}),
          rounds: st.rounds,
        }])),
        ratio: row.ratio,
        ratios: row.ratios,
      })),
    })),
    /** One entry per scenario and size: zmq-ts / zeromq (empty unless both implementations ran). */
    summary: compared ? summaryEntries(results).map(({ scenario, row, a, b, text }) => {
      const value = (st) => {
        if (st.status !== "ok") return null
        if (scenario.kind === "latency") return { medianUs: st.median.medianUs, p99Us: st.median.p99Us }
        if (scenario.kind === "handshake") return { handshakesPerSec: st.median.handshakesPerSec }
        if (scenario.kind === "memory") {
          return { routerBytesPerConn: st.median.routerBytesPerConn, dealerBytesPerConn: st.median.dealerBytesPerConn }
        }
        if (scenario.kind === "capacity") return { seconds: st.median.seconds, routerRss: st.median.routerRss, replied: st.median.replied }
        return { msgsPerSec: st.median.msgsPerSec }
      }
      return {
        scenario: scenario.id,
        kind: scenario.kind,
        size: row.size,
        ...(row.parallel ? { parallel: row.parallel } : {}),
        ...(row.label ? { label: row.label } : {}),
        count: row.count,
        metric: RATIOS[scenario.kind][0],
        higherIsBetter: LAYOUTS[scenario.kind].summary.higherIsBetter,
        status: { "zmq-ts": a.status, zeromq: b.status },
        "zmq-ts": value(a),
        zeromq: value(b),
        ratio: row.ratio,
        ...(scenario.kind === "latency" ? { p99Ratio: row.ratios?.p99Us ?? null } : {}),
        ...(scenario.kind === "memory" || scenario.kind === "capacity" ? { ratios: row.ratios } : {}),
        ...(scenario.kind === "fanout"
          ? { lossPct: { "zmq-ts": a.status === "ok" ? a.median.lossPct : null, zeromq: b.status === "ok" ? b.median.lossPct : null } }
          : {}),
        verdict: text,
      }
    }) : [],
  }
}

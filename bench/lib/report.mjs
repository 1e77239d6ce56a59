// Output: a plain-text table per scenario, or one JSON document (--json).
import { cpus } from "node:os"
import { moduleSpecifier } from "./impl.mjs"
import { sizeLabel } from "../scenarios/common.mjs"

const int = (v) => Math.round(v).toLocaleString("en-US")
const fixed = (digits) => (v) => v.toFixed(digits)

/** Columns per scenario kind: per implementation, a header suffix and a formatter for each metric. */
const LAYOUTS = {
  throughput: {
    countHeader: "messages",
    columns: [
      { key: "msgsPerSec", header: "msgs/s", format: int },
      { key: "mbPerSec", header: "MB/s", format: fixed(1) },
    ],
    ratioNote: "ratio = zmq-ts msgs/s / zeromq msgs/s (higher is better for zmq-ts); MB = 10^6 bytes",
  },
  latency: {
    countHeader: "round trips",
    columns: [
      { key: "medianUs", header: "median us", format: fixed(1) },
      { key: "p99Us", header: "p99 us", format: fixed(1) },
    ],
    ratioNote: "ratio = zmq-ts median / zeromq median (lower is better for zmq-ts); us = microseconds",
  },
}

/** Pads cells into aligned columns: first column left-aligned, the rest right-aligned. */
function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
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

  for (const { scenario, cases } of results) {
    const layout = LAYOUTS[scenario.kind]
    const header = ["size", layout.countHeader]
    for (const impl of opts.impls) for (const col of layout.columns) header.push(`${impl} ${col.header}`)
    header.push("ratio")

    const notes = new Map() // one footnote per distinct impl + reason
    const rows = cases.map((row) => {
      const cells = [sizeLabel(row.size), int(row.count)]
      for (const impl of opts.impls) {
        const st = row.impls[impl]
        for (const col of layout.columns) cells.push(st.status === "ok" ? col.format(st.median[col.key]) : st.status)
        if (st.status !== "ok") notes.set(`${impl}: ${st.status}: ${firstLine(st.reason)}`, true)
        for (const w of st.warnings ?? []) notes.set(`${impl}: warning: ${w}`, true)
      }
      cells.push(row.ratio == null ? (opts.impls.length === 2 ? "n/a" : "-") : `${row.ratio.toFixed(2)}x`)
      return cells
    })

    out.push("", `== ${scenario.id}: ${scenario.title}`, formatTable(header, rows))
    if (opts.impls.length === 2) out.push(`   ${layout.ratioNote}`)
    for (const note of notes.keys()) out.push(`   ${note}`)
  }
  return out.join("\n")
}

function firstLine(text) {
  return String(text ?? "").split("\n")[0]
}

/** The machine-readable report (--json). */
export function jsonReport(results, opts) {
  return {
    version: 1,
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
      ratioOf: scenario.kind === "throughput" ? "msgsPerSec" : "medianUs",
      results: cases.map((row) => ({
        size: row.size,
        count: row.count,
        impls: Object.fromEntries(Object.entries(row.impls).map(([impl, st]) => [impl, {
          status: st.status,
          ...(st.median ? st.median : {}),
          ...(st.reason ? { reason: st.reason } : {}),
          ...(st.detail && st.detail !== st.reason ? { detail: st.detail } : {}),
          ...(st.warnings?.length ? { warnings: st.warnings } : {}),
          rounds: st.rounds,
        }])),
        ratio: row.ratio,
      })),
    })),
  }
}

#!/usr/bin/env node
// A/B benchmark of two zmq-ts builds (e.g. before and after a change), with
// zeromq as the reference in the same rounds:
//
//   node bench/ab.mjs --a OLD/dist/esm/index.js --b dist/esm/index.js \
//     [--scenario push-pull/tcp --scenario inproc] [--size 16] [--rounds 6] [--quick]
//
// Every round runs each selected case for A, B and zeromq, in an order that
// rotates from round to round, so that a load change on a shared machine hits
// all three alike. Reported per case: the median msg/s of each, B/A, and each
// one's ratio to zeromq in the same round (median over rounds), which is the
// figure that stays meaningful when the machine is loaded. Throughput
// and fan-out (pub-sub) scenarios only. Progress goes to stderr, the table to stdout.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { WorkerProcess, killAllWorkers } from "./lib/child.mjs"
import { median } from "./lib/stats.mjs"
import { caseLabel } from "./scenarios/common.mjs"
import { selectScenarios } from "./scenarios/index.mjs"

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string" },
    scenario: { type: "string", multiple: true, default: [] },
    size: { type: "string", multiple: true, default: [] },
    rounds: { type: "string", default: "6" },
    quick: { type: "boolean", default: false },
    timeout: { type: "string", default: "120" },
  },
})
if (!values.a || !values.b) {
  console.error("usage: node bench/ab.mjs --a BUILD_A/index.js --b BUILD_B/index.js [--scenario ID]... [--size N]... [--rounds N] [--quick]")
  process.exit(2)
}
const builds = { A: resolve(values.a), B: resolve(values.b) }
const rounds = Math.max(1, Number(values.rounds) | 0)
const sizes = new Set(values.size.map(Number))
const opts = { quick: values.quick, scale: 1 }
const scenarios = selectScenarios(values.scenario.length ? values.scenario : ["push-pull/tcp", "inproc"], {}).filter((s) => s.kind === "throughput" || s.kind === "fanout")

const dir = mkdtempSync(join(tmpdir(), "zmq-ab-"))
let counter = 0
process.on("exit", () => {
  killAllWorkers()
  rmSync(dir, { recursive: true, force: true })
})

/** One measurement of `impl` ("zmq-ts" with build A or B, or "zeromq"). */
async function measure(scenario, c, who) {
  if (who !== "zeromq") process.env.BENCH_ZMQTS_MODULE = builds[who]
  const workers = []
  const ctx = {
    spawn: (impl, label) => {
      const w = new WorkerProcess(impl, { timeoutMs: Number(values.timeout) * 1000, label: `${scenario.id} ${label}` })
      workers.push(w)
      return w
    },
    warn: (msg) => process.stderr.write(`  warning: ${msg}\n`),
    ipcPath: () => join(dir, `${++counter}.sock`),
    uniqueName: () => `zmq-ab-${process.pid}-${++counter}`,
  }
  try {
    return (await scenario.run(who === "zeromq" ? "zeromq" : "zmq-ts", c, ctx)).msgsPerSec
  } finally {
    for (const w of workers) w.kill()
  }
}

const rows = []
for (const scenario of scenarios) {
  for (const c of scenario.cases(opts)) {
    if (sizes.size > 0 && !sizes.has(c.size)) continue
    const got = { A: [], B: [], zeromq: [] }
    const order = ["A", "B", "zeromq"]
    for (let r = 0; r < rounds; r++) {
      const turn = [...order.slice(r % 3), ...order.slice(0, r % 3)]
      if (r % 2 === 1) turn.reverse()
      for (const who of turn) {
        const v = await measure(scenario, c, who)
        got[who].push(v)
        process.stderr.write(`[${scenario.id}] ${caseLabel(c)} round ${r + 1}/${rounds} ${who}: ${Math.round(v).toLocaleString("en-US")} msg/s\n`)
      }
    }
    const perRound = (who) => median(got[who].map((v, i) => v / got.zeromq[i]))
    rows.push({
      case: `${scenario.id} ${caseLabel(c)}`,
      A: median(got.A),
      B: median(got.B),
      zeromq: median(got.zeromq),
      bOverA: median(got.B.map((v, i) => v / got.A[i])),
      aVsZeromq: perRound("A"),
      bVsZeromq: perRound("B"),
    })
  }
}

const int = (v) => Math.round(v).toLocaleString("en-US")
console.log(`A: ${builds.A}\nB: ${builds.B}\n${rounds} rounds, medians (msg/s); ratios are per round, then the median\n`)
console.log("| case | A msg/s | B msg/s | zeromq msg/s | B/A | A/zeromq | B/zeromq |")
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (const r of rows) {
  console.log(`| ${r.case} | ${int(r.A)} | ${int(r.B)} | ${int(r.zeromq)} | ${r.bOverA.toFixed(3)} | ${r.aVsZeromq.toFixed(2)} | ${r.bVsZeromq.toFixed(2)} |`)
}

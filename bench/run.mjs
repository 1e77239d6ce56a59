#!/usr/bin/env node
// zmq-ts benchmark harness: compares zmq-ts with zeromq (zeromq.js / libzmq).
//
//   npm run bench -- [options]      (or: node bench/run.mjs [options])
//
// Each measurement runs in freshly forked worker processes (bench/worker.mjs),
// one per socket end unless the scenario says otherwise. The two
// implementations take turns in every round; the report shows medians.
// Progress goes to stderr, the report to stdout.
//
// Layout:
//   run.mjs              command line, top level
//   worker.mjs           child process entry point
//   roles/               what a worker does with its sockets (worker side)
//   scenarios/           scenario registry and definitions (parent side)
//   lib/child.mjs        parent-side worker process handle
//   lib/runner.mjs       rounds, alternation, medians
//   lib/report.mjs       table and JSON output
//   lib/impl.mjs         implementation names -> modules (BENCH_ZMQTS_MODULE)
import { parseArgs } from "node:util"
import { IMPLS } from "./lib/impl.mjs"
import { killAllWorkers } from "./lib/child.mjs"
import { runAll } from "./lib/runner.mjs"
import { textReport, jsonReport } from "./lib/report.mjs"
import { scenarios, selectScenarios } from "./scenarios/index.mjs"

const HELP = `Usage: node bench/run.mjs [options]

Options:
  --rounds N        rounds per case; medians are reported (default 3, 1 with --quick)
  --quick           smoke run: about a tenth of the messages (and connections), 1 round
  --json            print one JSON document instead of tables
  --only IMPL       run only one side: zmq-ts or zeromq
  --scenario NAME   run only this scenario (an id or a family name; repeatable,
                    or comma-separated). Available: ${scenarios.map((s) => s.id).join(", ")}
  --size BYTES      run only the cases of this message size (repeatable, or
                    comma-separated; cases without a size, e.g. connections, still run)
  --ipc             also run push-pull/ipc (req-rep/ipc runs by default)
  --ws              also run push-pull/ws and req-rep/ws (ws:// on loopback, RFC 45)
  --scale F         multiply every message / round-trip / handshake / connection count by F (default 1;
                    connections/router-10k opens 10,000 x F connections, so keep F x 10,000 below
                    the open-file limit, ulimit -n)
  --timeout S       give up on a worker step after S seconds (default 60)
  --verbose         echo worker output to stderr
  -h, --help        show this help

Environment:
  BENCH_ZMQTS_MODULE  module imported for the zmq-ts side instead of "zmq-ts"
                      (e.g. "zeromq" to check the harness before zmq-ts is built)`

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: "string" },
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      only: { type: "string" },
      scenario: { type: "string", multiple: true, default: [] },
      size: { type: "string", multiple: true, default: [] },
      ipc: { type: "boolean", default: false },
      ws: { type: "boolean", default: false },
      scale: { type: "string", default: "1" },
      timeout: { type: "string", default: "60" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  })
  if (values.help) {
    console.log(HELP)
    process.exit(0)
  }
  const positive = (name, text) => {
    const n = Number(text)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got "${text}"`)
    return n
  }
  if (values.only && !IMPLS.includes(values.only)) throw new Error(`--only must be one of ${IMPLS.join(", ")}`)
  return {
    rounds: values.rounds ? Math.round(positive("rounds", values.rounds)) : values.quick ? 1 : 3,
    quick: values.quick,
    json: values.json,
    impls: values.only ? [values.only] : IMPLS,
    sizes: values.size.flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean).map((s) => positive("size", s)),
    scenarioFilters: values.scenario.flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean),
    ipc: values.ipc,
    ws: values.ws,
    scale: positive("scale", values.scale),
    timeoutMs: positive("timeout", values.timeout) * 1000,
    verbose: values.verbose,
  }
}

async function main() {
  let opts
  let selected
  try {
    opts = parseOptions(process.argv.slice(2))
    selected = selectScenarios(opts.scenarioFilters, { ipc: opts.ipc, ws: opts.ws })
  } catch (err) {
    console.error(`bench: ${err.message}\n\n${HELP}`)
    process.exit(2)
  }

  const started = Date.now()
  const results = await runAll(selected, opts, (line) => process.stderr.write(line + "\n"))
  process.stderr.write(`bench: finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)

  if (opts.json) console.log(JSON.stringify(jsonReport(results, opts), null, 2))
  else console.log("\n" + textReport(results, opts))

  // n/a (not implemented yet) is fine; a failed or inconsistent measurement is not.
  const failed = results.some((r) => r.cases.some((c) => Object.values(c.impls).some((s) => s.status === "error")))
  process.exitCode = failed ? 1 : 0
}

// Never leave workers behind.
process.on("exit", killAllWorkers)
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    killAllWorkers()
    process.exit(130)
  })
}

main().catch((err) => {
  console.error(err)
  killAllWorkers()
  process.exit(1)
})

#!/usr/bin/env node
// CPU time per message of two zmq-ts builds, for a loaded machine where
// wall-clock throughput swings by 2x from run to run (bench/ab.mjs):
//
//   node bench/cpu-ab.mjs --a OLD/dist/esm/index.js --b dist/esm/index.js [--rounds 12] [--count 300000] [--transport inproc|tcp]
//   node bench/cpu-ab.mjs --a dist/esm/index.js --b dist/esm/index.js --subscribe b    (tracing subscribed vs not)
//
// --subscribe a|b: that side's trials subscribe a counting listener to every
// zmq-ts diagnostics channel (bench/roles/tracing.mjs) before they start.
//
// Each trial is a fresh process running PUSH -> PULL with 16-byte messages,
// both ends in that process (over inproc, and over tcp loopback, so that the
// engine's encode/decode path is included), after an untimed warm-up of the
// same length; it reports the process's CPU time (user + system) per message.
// CPU time still grows under contention (caches, frequency), but far less
// than wall time does. Builds alternate, the order flipping every round; the
// table shows medians and the median of the per-round B/A ratios.
import { execFileSync } from "node:child_process"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { median } from "./lib/stats.mjs"
import { traceSubscribers } from "./roles/tracing.mjs"

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string" },
    rounds: { type: "string", default: "12" },
    count: { type: "string", default: "300000" },
    trial: { type: "string" },
    transport: { type: "string", multiple: true, default: [] },
    subscribe: { type: "string", multiple: true, default: [] },
  },
})

/** The child's side: one trial, printed as JSON. */
async function trial(module, transport, count, subscribe) {
  const traced = traceSubscribers(subscribe)
  const zmq = await import(pathToFileURL(module).href)
  const pull = new zmq.Pull()
  await pull.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : `inproc://cpu-ab-${process.pid}`)
  const push = new zmq.Push({ linger: 0 })
  push.connect(pull.lastEndpoint ?? `inproc://cpu-ab-${process.pid}`)
  const payload = Buffer.alloc(16, 0x61)
  const run = async () => {
    const receiving = (async () => {
      for (let i = 0; i < count; i++) await pull.receive()
    })()
    for (let i = 0; i < count; i++) await push.send(payload)
    await receiving
  }
  await run() // warm-up: JIT, buffers
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await run()
  const cpu = process.cpuUsage(cpu0)
  const wall = Number(process.hrtime.bigint() - t0) / 1e3
  push.close()
  pull.close()
  // Subscribed: every message was published twice (sent, received), in both runs.
  if (subscribe && traced.events < 4 * count) throw new Error(`subscribed, but only ${traced.events} events for ${count} messages`)
  console.log(JSON.stringify({ cpuUsPerMsg: (cpu.user + cpu.system) / count, wallUsPerMsg: wall / count }))
}

if (values.trial !== undefined) {
  const [module, transport, subscribe] = values.trial.split("|")
  await trial(module, transport, Number(values.count), subscribe === "1")
} else {
  if (!values.a || !values.b) {
    console.error("usage: node bench/cpu-ab.mjs --a BUILD_A/index.js --b BUILD_B/index.js [--rounds N] [--count N]")
    process.exit(2)
  }
  const builds = { A: resolve(values.a), B: resolve(values.b) }
  const rounds = Math.max(1, Number(values.rounds) | 0)
  const subscribed = values.subscribe.length ? ` (subscribed: ${values.subscribe.join(", ").toUpperCase()})` : ""
  console.log(`A: ${builds.A}\nB: ${builds.B}${subscribed}\n${rounds} rounds of ${values.count} messages (16 B) per trial\n`)
  console.log("| case | A CPU us/msg | B CPU us/msg | B/A (CPU) | A wall us/msg | B wall us/msg |")
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |")
  for (const transport of values.transport.length ? values.transport : ["inproc", "tcp"]) {
    const got = { A: [], B: [] }
    for (let r = 0; r < rounds; r++) {
      for (const who of r % 2 === 0 ? ["A", "B"] : ["B", "A"]) {
        const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--trial", `${builds[who]}|${transport}|${values.subscribe.includes(who.toLowerCase()) ? 1 : 0}`, "--count", values.count], { encoding: "utf8" })
        const res = JSON.parse(out.trim().split("\n").pop())
        got[who].push(res)
        process.stderr.write(`${transport} round ${r + 1}/${rounds} ${who}: ${res.cpuUsPerMsg.toFixed(3)} us CPU, ${res.wallUsPerMsg.toFixed(3)} us wall per message\n`)
      }
    }
    const m = (who, k) => median(got[who].map((x) => x[k]))
    const ratio = median(got.B.map((x, i) => x.cpuUsPerMsg / got.A[i].cpuUsPerMsg))
    console.log(`| ${transport} 16 B PUSH/PULL | ${m("A", "cpuUsPerMsg").toFixed(3)} | ${m("B", "cpuUsPerMsg").toFixed(3)} | ${ratio.toFixed(3)} | ${m("A", "wallUsPerMsg").toFixed(3)} | ${m("B", "wallUsPerMsg").toFixed(3)} |`)
  }
}

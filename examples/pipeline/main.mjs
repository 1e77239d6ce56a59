// ZeroMQ "divide and conquer" pipeline over tcp, between real processes.
//
//                      +------------+
//                      | ventilator |  PUSH   (this process)
//                      +------------+
//                 tasks /     |     \  round-robin
//                      v      v      v
//                 +--------+ +--------+ +--------+
//                 |worker-1| |worker-2| |worker-3|  PULL -> work -> PUSH
//                 +--------+ +--------+ +--------+   (forked processes)
//                   results \     |     /  fair-queued
//                            v    v    v
//                          +------------+
//                          |    sink    |  PULL   (forked process)
//                          +------------+
//
// Usage: node examples/pipeline/main.mjs [--workers N] [--tasks N] [--timeout SECONDS]
//        (`npm start` runs it with the defaults: 3 workers, 100,000 tasks)
//
// DEMO_ZMQ_MODULE=zeromq runs it on the native `zeromq` package instead of
// zmq-ts (see zmq.mjs).
//
// Every port is picked by the OS (bind to tcp://127.0.0.1:*); endpoints are
// read back from `lastEndpoint` and passed around over the fork IPC channel.
// The workers bind and the ventilator connects to each of them: a PUSH socket
// that binds only starts to use a peer once its handshake is done, so the first
// worker to connect would take the whole first burst of tasks (the zguide's
// "slow joiner"); a connecting PUSH has all its pipes from the start.
//
// Shutdown: the sink tells main when it has every result; main then closes the
// ventilator and sends each worker { type: "stop" }; all processes close their
// sockets and exit by themselves with code 0.

import { fork } from "node:child_process"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const USAGE = `Usage: node examples/pipeline/main.mjs [options]

  -w, --workers N      worker processes to fork (default 3)
  -n, --tasks N        tasks to send through the pipeline (default 100000)
  -t, --timeout S      give up (and exit 1) after S seconds (default 60)
  -h, --help           show this help

Environment: DEMO_ZMQ_MODULE=zeromq uses the native "zeromq" package instead of zmq-ts.`

let opts
try {
  opts = parseArgs({
    options: {
      workers: { type: "string", short: "w", default: "3" },
      tasks: { type: "string", short: "n", default: "100000" },
      timeout: { type: "string", short: "t", default: "60" },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values
} catch (err) {
  console.error(`${err.message}\n\n${USAGE}`)
  process.exit(2)
}
if (opts.help) {
  console.log(USAGE)
  process.exit(0)
}

function intOption(name, min, max) {
  const n = Number(opts[name])
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}, got "${opts[name]}"\n\n${USAGE}`)
    process.exit(2)
  }
  return n
}
const nWorkers = intOption("workers", 1, 64)
const total = intOption("tasks", 1, 100_000_000)
const timeoutS = intOption("timeout", 1, 3600)

// Loaded only now so that --help works even before the library is built.
const { describeLibrary } = await import("./zmq.mjs")
const { runVentilator } = await import("./ventilator.mjs")
const { expectedChecksum, fmt } = await import("./work.mjs")

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const children = []
let shuttingDown = false

function fail(reason) {
  console.error(`[main]   FAILED: ${reason}`)
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill()
  }
  process.exit(1)
}

const watchdog = setTimeout(() => fail(`did not finish within ${timeoutS} s`), timeoutS * 1000)

/** Forks one child (sharing our stdout/stderr) and watches for it dying early. */
function spawn(file, args, label) {
  const child = fork(here(file), args, { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  child.label = label
  // 'close' comes after the IPC channel is drained, so no message is missed.
  child.closed = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })))
  child.once("close", (code, signal) => {
    if (!shuttingDown && child.label !== "sink") fail(`${label} exited early (${signal ?? `code ${code}`})`)
    if (code !== 0 && child.label === "sink") fail(`sink exited with ${signal ?? `code ${code}`}`)
  })
  children.push(child)
  return child
}

/** Resolves with the first IPC message of the given type from a child. */
function waitFor(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg?.type !== type) return
      cleanup()
      resolve(msg)
    }
    const onClose = (code, signal) => {
      cleanup()
      reject(new Error(`${child.label} exited (${signal ?? `code ${code}`}) before sending "${type}"`))
    }
    const cleanup = () => {
      child.off("message", onMessage)
      child.off("close", onClose)
    }
    child.on("message", onMessage)
    child.on("close", onClose)
  })
}

async function main() {
  const plural = (n, word) => `${fmt(n)} ${word}${n === 1 ? "" : "s"}`
  console.log(`pipeline demo: 1 ventilator, ${plural(nWorkers, "worker")}, 1 sink, ${plural(total, "task")} over tcp`)
  console.log(`library: ${describeLibrary()}`)

  // 1. The sink binds first and tells us where.
  const sink = spawn("./sink.mjs", ["--tasks", String(total)], "sink")
  const { endpoint: sinkEndpoint } = await waitFor(sink, "ready")

  // 2. Workers bind their own PULL sockets and connect to the sink.
  const names = Array.from({ length: nWorkers }, (_, i) => `worker-${i + 1}`)
  const workers = names.map((name) => spawn("./worker.mjs", ["--name", name, "--sink", sinkEndpoint], name))
  const workerEndpoints = (await Promise.all(workers.map((w) => waitFor(w, "ready")))).map((m) => m.endpoint)

  console.log(`[main]   sink     pid ${sink.pid}  PULL bound at ${sinkEndpoint}`)
  workers.forEach((w, i) =>
    console.log(`[main]   ${w.label} pid ${w.pid}  PULL bound at ${workerEndpoints[i]}`),
  )

  const expected = expectedChecksum(total)
  const sinkDone = waitFor(sink, "done") // listen before the first task goes out
  const processed = new Map()
  for (const w of workers) {
    w.on("message", (msg) => {
      if (msg?.type === "stopped") processed.set(w.label, msg.processed)
    })
  }

  // 3. The ventilator (here, in main) connects to every worker and sends.
  const { push, startedAt } = await runVentilator({ workerEndpoints, total })

  // 4. Wait for the sink to have every result.
  const result = await sinkDone
  const elapsedMs = performance.now() - startedAt

  // 5. Shut down: close the ventilator, tell the workers to stop, and wait
  //    for every process to exit by itself.
  shuttingDown = true
  push.close()
  for (const w of workers) w.send({ type: "stop" })
  const exits = await Promise.all(children.map((c) => c.closed))
  clearTimeout(watchdog)
  const badExits = children
    .map((c, i) => ({ label: c.label, ...exits[i] }))
    .filter((e) => e.code !== 0)

  // 6. Report.
  const messages = total + result.received
  console.log("")
  console.log("== pipeline summary ==")
  console.log(`library      ${describeLibrary()}`)
  console.log(`tasks        ${fmt(total)} sent by the ventilator to ${plural(nWorkers, "worker")}`)
  console.log(`results      ${fmt(result.received)} received by the sink`)
  console.log(`messages     ${fmt(messages)} over tcp (tasks + results)`)
  console.log(`elapsed      ${fmt(elapsedMs)} ms (first task sent -> last result received)`)
  console.log(
    `throughput   ${fmt((result.received / elapsedMs) * 1000)} tasks/s end to end, ` +
      `${fmt((messages / elapsedMs) * 1000)} messages/s`,
  )
  console.log("per worker   (results counted by the sink)")
  const width = Math.max(...names.map((n) => n.length))
  for (const name of names) {
    const n = result.perWorker[name] ?? 0
    const share = n / result.received
    const bar = "#".repeat(Math.round(share * 40))
    const note = processed.has(name) && processed.get(name) !== n ? `  (worker says ${fmt(processed.get(name))})` : ""
    console.log(
      `  ${name.padEnd(width)}  ${fmt(n).padStart(12)}  ${(share * 100).toFixed(1).padStart(5)}%  ${bar}${note}`,
    )
  }

  const problems = []
  if (result.unique !== total) problems.push(`${fmt(total - result.unique)} tasks missing`)
  if (result.duplicates) problems.push(`${fmt(result.duplicates)} duplicate results`)
  if (result.outOfRange) problems.push(`${fmt(result.outOfRange)} results for unknown tasks`)
  if (problems.length === 0 && result.checksum !== expected) {
    problems.push(`checksum ${fmt(result.checksum)}, expected ${fmt(expected)}`)
  }
  for (const e of badExits) problems.push(`${e.label} exited with ${e.signal ?? `code ${e.code}`}`)

  if (problems.length) {
    console.log(`check        FAILED: ${problems.join("; ")}`)
    process.exitCode = 1
  } else {
    console.log(`check        OK: every task done exactly once (checksum ${fmt(expected)})`)
    console.log(`shutdown     OK: all ${children.length} child processes exited with code 0`)
  }

  // Everything is closed, so the event loop should now be empty and this
  // process exit by itself. If something still holds it open, say so.
  setTimeout(() => {
    console.error("[main]   FAILED: process did not exit by itself after closing its sockets")
    process.exit(1)
  }, 3000).unref()
}

main().catch((err) => fail(err?.stack ?? String(err)))

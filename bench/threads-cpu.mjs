#!/usr/bin/env node
// CPU time per message of each thread for PUSH (main thread) -> PULL (worker
// thread) over inproc, for two builds (or zeromq) in alternating trials, on a
// loaded machine where wall-clock throughput alone swings 2x between runs:
//
//   node bench/threads-cpu.mjs --a /tmp/old/dist/esm/index.js --b dist/esm/index.js [--rounds 6] [--count 1000000] [--size 16]
//   node bench/threads-cpu.mjs --a zeromq --b dist/esm/index.js
//   ... --notifies   (also counts each thread's Atomics.notify calls)
//
// Each trial is a fresh process. Per thread it reads the kernel's run time of
// that thread alone (/proc/thread-self/schedstat, nanoseconds; Linux only):
// process.cpuUsage() would add both threads up. Both sides use a high-water
// mark of 1000, as bench --scenario threads does. The table shows medians
// over the rounds and the median of per-round B/A ratios.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads"
import { median } from "./lib/stats.mjs"

/**
 * --notifies: counts this thread's Atomics.notify calls (each wakes the
 * other thread, the dearest thing a cross-thread pipe does).
 */
let notifies = 0
if (process.env.THREADS_CPU_NOTIFIES === "1") {
  const notify = Atomics.notify
  Atomics.notify = (...args) => {
    notifies++
    return notify(...args)
  }
}

/** Nanoseconds this thread has run on a CPU. */
function threadNs() {
  return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0])
}

async function load(module) {
  return import(module === "zeromq" ? "zeromq" : pathToFileURL(resolve(module)).href)
}

/** The worker thread: PULL, reports its own CPU time for the timed messages. */
async function pullThread({ module, endpoint, count, warm }) {
  const zmq = await load(module)
  const pull = new zmq.Pull({ receiveHighWaterMark: 1000 })
  pull.connect(endpoint)
  parentPort.postMessage({ type: "connected" })
  for (let i = 0; i < warm; i++) await pull.receive()
  const ns0 = threadNs()
  const n0 = notifies
  parentPort.postMessage({ type: "warm" })
  for (let i = 0; i < count; i++) await pull.receive()
  const ns = threadNs() - ns0
  parentPort.postMessage({ type: "done", ns, notifies: notifies - n0, end: performance.timeOrigin + performance.now() })
  pull.close()
}

/** One trial in this process: the main thread pushes. */
async function trial(module, count, size) {
  const zmq = await load(module)
  const endpoint = `inproc://threads-cpu-${process.pid}`
  const push = new zmq.Push({ sendHighWaterMark: 1000, linger: 1000 })
  await push.bind(endpoint)
  const warm = Math.min(100_000, count)
  const worker = new Worker(new URL(import.meta.url), { workerData: { module, endpoint, count, warm } })
  const messages = []
  const waiters = []
  worker.on("message", (m) => (waiters.length ? waiters.shift()(m) : messages.push(m)))
  worker.on("error", (err) => {
    console.error(err)
    process.exit(1)
  })
  const next = () => new Promise((res) => (messages.length ? res(messages.shift()) : waiters.push(res)))
  await next() // connected
  const payload = Buffer.alloc(size, 0x61)
  for (let i = 0; i < warm; i++) await push.send(payload)
  await next() // warm
  const t0 = performance.timeOrigin + performance.now()
  const ns0 = threadNs()
  const n0 = notifies
  for (let i = 0; i < count; i++) await push.send(payload)
  const mainNs = threadNs() - ns0
  const mainNotifies = notifies - n0
  const done = await next()
  push.close()
  await new Promise((res) => worker.once("exit", res))
  return {
    msgsPerSec: count / ((done.end - t0) / 1e3),
    mainNs: mainNs / count,
    workerNs: done.ns / count,
    mainNotifies,
    workerNotifies: done.notifies,
  }
}

let notifyCounting = false

function runTrial(module, count, size) {
  const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--trial", module, "--count", String(count), "--size", String(size)], {
    encoding: "utf8",
    env: notifyCounting ? { ...process.env, THREADS_CPU_NOTIFIES: "1" } : process.env,
  })
  return JSON.parse(out)
}

if (!isMainThread) {
  await pullThread(workerData)
} else {
  const { values } = parseArgs({
    options: {
      a: { type: "string" },
      b: { type: "string" },
      rounds: { type: "string", default: "6" },
      count: { type: "string", default: "1000000" },
      size: { type: "string", default: "16" },
      trial: { type: "string" },
      notifies: { type: "boolean", default: false },
    },
  })
  notifyCounting = values.notifies
  const count = Number(values.count)
  const size = Number(values.size)
  if (values.trial !== undefined) {
    process.stdout.write(JSON.stringify(await trial(values.trial, count, size)))
  } else {
    if (values.a === undefined || values.b === undefined) throw new Error("--a and --b are required")
    const res = { a: [], b: [] }
    for (let r = 0; r < Number(values.rounds); r++) {
      // The order flips every round: the box's load drifts.
      for (const side of r % 2 === 0 ? ["a", "b"] : ["b", "a"]) {
        const t = runTrial(values[side], count, size)
        res[side].push(t)
        const woken = notifyCounting ? `, notifies main ${t.mainNotifies} worker ${t.workerNotifies}` : ""
        console.log(`round ${r + 1} ${side}: ${Math.round(t.msgsPerSec / 1e3)}k msgs/s, main ${t.mainNs.toFixed(0)} ns/msg, worker ${t.workerNs.toFixed(0)} ns/msg${woken}`)
      }
    }
    const row = (key) => {
      const a = median(res.a.map((t) => t[key]))
      const b = median(res.b.map((t) => t[key]))
      const ratio = median(res.a.map((t, i) => res.b[i][key] / t[key]))
      return `${key.padEnd(10)} a ${a.toFixed(0).padStart(9)}  b ${b.toFixed(0).padStart(9)}  b/a ${ratio.toFixed(2)}`
    }
    console.log(`\n${size} B, ${count} messages, medians of ${values.rounds} rounds (a: ${values.a}, b: ${values.b})`)
    for (const key of ["msgsPerSec", "mainNs", "workerNs"]) console.log(row(key))
  }
}

#!/usr/bin/env node
// CPU time per delivery of PUB -> 4 x SUB over tcp, for a loaded machine
// where the wall-clock rate of bench/scenarios/pub-sub.mjs swings by 2x from
// run to run:
//
//   node bench/fanout-cpu.mjs --size 4096 --count 32768 [--rounds 3] [--module zeromq] [--module dist/esm/index.js] ...
//
// Each trial forks a publisher and 4 subscribers (one process each, as the
// pub-sub scenario does), waits until every SUB received warm-up messages,
// then times `count` messages of `size` bytes. Every process reports its own
// CPU time (user + system, all its threads: libzmq's I/O thread, V8's GC
// helpers) from the start of the timed part to its end; the table shows the
// medians of PUB, SUB (summed over the 4) and total CPU microseconds per
// delivery, the part of each spent in the kernel (system time), and the
// wall-clock deliveries per second. Modules alternate
// within every round. "zeromq" is the native binding; anything else is a path
// to a zmq-ts build (dist/esm/index.js by default).
import { fork } from "node:child_process"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { median } from "./lib/stats.mjs"

const SUBSCRIBERS = 4
const WARM = 2_000
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const report = (m) => new Promise((r) => process.send(m, r))
const nextCommand = () => new Promise((r) => process.once("message", r))
const cpuMs = (c) => (c.user + c.system) / 1e3
const sysMs = (c) => c.system / 1e3

async function load(module) {
  return module === "zeromq" ? import("zeromq") : import(pathToFileURL(resolve(module)).href)
}

async function publisher(zmq, size, count) {
  const sock = new zmq.Publisher({ linger: 0, sendHighWaterMark: count + 10_000 })
  await sock.bind("tcp://127.0.0.1:*")
  await report({ endpoint: sock.lastEndpoint })
  let go = false
  const goCmd = nextCommand().then(() => (go = true))
  const warm = Buffer.from("W")
  while (!go) {
    for (let i = 0; i < 200; i++) await sock.send(warm)
    await Promise.race([goCmd, sleep(2)])
  }
  const payload = Buffer.alloc(size, 0x61)
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < count; i++) await sock.send(payload)
  // END, repeated until the parent has every SUB's result (a PUB may drop one at the high-water mark).
  let stop = false
  const stopCmd = nextCommand().then(() => (stop = true))
  while (!stop) {
    await sock.send(Buffer.alloc(0))
    await Promise.race([stopCmd, sleep(20)])
  }
  const cpu = process.cpuUsage(cpu0)
  await report({ cpuMs: cpuMs(cpu), sysMs: sysMs(cpu) })
  sock.close()
}

async function subscriber(zmq, size, count, endpoint) {
  const sock = new zmq.Subscriber({ receiveHighWaterMark: count + 10_000 })
  sock.connect(endpoint)
  sock.subscribe()
  for (let seen = 0; seen < WARM; ) if ((await sock.receive())[0].length === 1) seen++
  await report({ warm: true })
  const cpu0 = process.cpuUsage()
  let received = 0
  for (;;) {
    const [frame] = await sock.receive()
    if (frame.length === 0) break
    if (frame.length === size) received++
  }
  const end = performance.timeOrigin + performance.now()
  const cpu = process.cpuUsage(cpu0)
  await report({ received, end, cpuMs: cpuMs(cpu), sysMs: sysMs(cpu) })
  sock.close()
}

async function trial(me, module, size, count) {
  const once = (child) => new Promise((r) => child.once("message", r))
  const pub = fork(me, ["--role", "pub", "--module", module, "--size", String(size), "--count", String(count)])
  const { endpoint } = await once(pub)
  const subs = Array.from({ length: SUBSCRIBERS }, () =>
    fork(me, ["--role", "sub", "--module", module, "--size", String(size), "--count", String(count), "--endpoint", endpoint]),
  )
  await Promise.all(subs.map(once))
  const start = performance.timeOrigin + performance.now()
  pub.send("go")
  const results = await Promise.all(subs.map(once))
  pub.send("stop")
  const pubResult = await once(pub)
  const delivered = results.reduce((n, r) => n + r.received, 0)
  const subMs = results.reduce((n, r) => n + r.cpuMs, 0)
  const subSysMs = results.reduce((n, r) => n + r.sysMs, 0)
  const seconds = (Math.max(...results.map((r) => r.end)) - start) / 1e3
  return {
    delivered,
    pubUs: (pubResult.cpuMs * 1e3) / delivered,
    subUs: (subMs * 1e3) / delivered,
    totalUs: ((pubResult.cpuMs + subMs) * 1e3) / delivered,
    pubSysUs: (pubResult.sysMs * 1e3) / delivered,
    subSysUs: (subSysMs * 1e3) / delivered,
    perSec: delivered / seconds,
  }
}

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    module: { type: "string", multiple: true, default: [] },
    size: { type: "string", default: "16" },
    count: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
    endpoint: { type: "string" },
  },
})
const size = Number(values.size)
const count = Number(values.count)
if (values.role === "pub") {
  await publisher(await load(values.module[0]), size, count)
} else if (values.role === "sub") {
  await subscriber(await load(values.module[0]), size, count, values.endpoint)
} else {
  const me = new URL(import.meta.url).pathname
  const modules = values.module.length > 0 ? values.module : ["dist/esm/index.js", "zeromq"]
  const rows = new Map(modules.map((m) => [m, []]))
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const m of round % 2 === 0 ? modules : [...modules].reverse()) {
      const r = await trial(me, m, size, count)
      rows.get(m).push(r)
      console.error(`round ${round + 1} ${m}: total ${r.totalUs.toFixed(2)} us/delivery, ${Math.round(r.perSec)} deliveries/s, ${r.delivered} delivered`)
    }
  }
  console.log(`PUB -> ${SUBSCRIBERS} SUB over tcp, ${size} B x ${count}, median of ${values.rounds} rounds; CPU us per delivery (all threads)`)
  console.log("(of which in the kernel: PUB sys, SUB sys)")
  console.log("module".padEnd(32) + "PUB".padStart(8) + "SUB".padStart(8) + "total".padStart(8) + "PUB sys".padStart(9) + "SUB sys".padStart(9) + "deliv/s".padStart(10))
  for (const [m, rs] of rows) {
    const med = (k) => median(rs.map((r) => r[k]))
    console.log(m.padEnd(32) + med("pubUs").toFixed(2).padStart(8) + med("subUs").toFixed(2).padStart(8) + med("totalUs").toFixed(2).padStart(8) + med("pubSysUs").toFixed(2).padStart(9) + med("subSysUs").toFixed(2).padStart(9) + String(Math.round(med("perSec"))).padStart(10))
  }
}

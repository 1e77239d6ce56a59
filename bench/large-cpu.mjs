#!/usr/bin/env node
// CPU time per message of each end of a PUSH -> PULL pair with large
// messages (docs/performance.md, "Where each µs of a 1 MiB tcp message goes"):
//
//   node bench/large-cpu.mjs [--size 1048576] [--count 768] [--warm 3000] [--transport tcp|ipc] [--rounds 2]
//
// Each round runs zeromq then zmq-ts (dist/esm), each end in its own process;
// every process reports process.cpuUsage() (libzmq's I/O thread included)
// over the timed messages. The warm-up must exceed the send HWM (1,000):
// otherwise send() only queues into the pipe and the sender's timed loop
// ends before its messages are written. Run `perf record -g` or `strace -f`
// on one end by hand with the same roles (--role send|recv).
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { once } from "node:events"

const { values: o } = parseArgs({
  options: {
    size: { type: "string", default: "1048576" },
    count: { type: "string", default: "768" },
    warm: { type: "string", default: "3000" },
    transport: { type: "string", default: "tcp" },
    rounds: { type: "string", default: "2" },
    role: { type: "string" },
    impl: { type: "string" },
    endpoint: { type: "string" },
  },
})
const size = Number(o.size)
const self = fileURLToPath(import.meta.url)

async function load(impl) {
  if (impl === "zeromq") return createRequire(import.meta.url)("zeromq")
  return import(pathToFileURL(new URL("../dist/esm/index.js", import.meta.url).pathname).href)
}

const perMsg = (cpu, n) => ({ user: Math.round(cpu.user / n), sys: Math.round(cpu.system / n) })

async function recvRole(impl) {
  const zmq = await load(impl)
  const pull = new zmq.Pull()
  await pull.bind(o.endpoint)
  console.log(JSON.stringify({ endpoint: pull.lastEndpoint }))
  const warm = Number(o.warm)
  for (let i = 0; i < warm; i++) await pull.receive()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  let n = 0
  for (;;) {
    const [m] = await pull.receive()
    if (m.length === 0) break
    n++
  }
  const seconds = (performance.now() - t0) / 1000
  console.log(JSON.stringify({ ...perMsg(process.cpuUsage(c0), n), n, msgsPerSec: Math.round(n / seconds) }))
  pull.close()
}

async function sendRole(impl) {
  const zmq = await load(impl)
  const push = new zmq.Push({ linger: 30_000 })
  push.connect(o.endpoint)
  const payload = Buffer.alloc(size, 0x61)
  const warm = Number(o.warm)
  const count = Number(o.count)
  for (let i = 0; i < warm; i++) await push.send(payload)
  const c0 = process.cpuUsage()
  for (let i = 0; i < count; i++) await push.send(payload)
  await push.send(Buffer.alloc(0))
  console.log(JSON.stringify(perMsg(process.cpuUsage(c0), count)))
  push.close()
}

/** Runs a role in a child process; resolves with the JSON lines it printed. */
function child(role, impl, endpoint, onFirst) {
  const proc = spawn(process.execPath, [self, "--role", role, "--impl", impl, "--endpoint", endpoint, "--size", o.size, "--count", o.count, "--warm", o.warm], { stdio: ["ignore", "pipe", "inherit"] })
  const lines = []
  let text = ""
  proc.stdout.on("data", (d) => {
    text += d
    let i
    while ((i = text.indexOf("\n")) >= 0) {
      const line = JSON.parse(text.slice(0, i))
      text = text.slice(i + 1)
      if (lines.length === 0 && onFirst) onFirst(line)
      lines.push(line)
    }
  })
  return once(proc, "exit").then(([code]) => {
    if (code !== 0) throw new Error(`${role} ${impl} exited with ${code}`)
    return lines
  })
}

async function pair(impl) {
  const bindAt = o.transport === "ipc" ? `ipc:///tmp/zmq-ts-large-cpu-${process.pid}` : "tcp://127.0.0.1:*"
  // The sender starts once the receiver printed the endpoint it bound.
  let startSender
  const sender = new Promise((resolve) => (startSender = resolve)).then((endpoint) => child("send", impl, endpoint))
  const receiver = child("recv", impl, bindAt, ({ endpoint }) => startSender(endpoint))
  const [recvLines, sendLines] = await Promise.all([receiver, sender])
  return { impl, sender: sendLines[0], receiver: recvLines[1] }
}

if (o.role === "recv") await recvRole(o.impl)
else if (o.role === "send") await sendRole(o.impl)
else {
  console.log(`${o.transport} ${size} B, ${o.count} timed messages after ${o.warm}; µs per message`)
  console.log("| round | impl | sender user | sender sys | receiver user | receiver sys | msgs/s |")
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
  for (let r = 1; r <= Number(o.rounds); r++) {
    for (const impl of ["zeromq", "zmq-ts"]) {
      const { sender: s, receiver: v } = await pair(impl)
      console.log(`| ${r} | ${impl} | ${s.user} | ${s.sys} | ${v.user} | ${v.sys} | ${v.msgsPerSec} |`)
    }
  }
}

// PUB -> SUB over epgm:// (PGM over UDP, RFC 3208) between network namespaces, through the test suite's relay,
// which can drop a share of the data packets (NAK repair then fills them in). zeromq.js has no PGM: the
// reference column is libzmq 4.3.4 + OpenPGM through Debian's python3-zmq, publisher and subscribers alike.
// Messages are the interop fixture's mix (single and multipart, 0.8 KiB on average); `rate` 10 Mbit/s.
// Needs root for `ip netns` (n/a otherwise).
import { spawn, spawnSync } from "node:child_process"
import { BenchError } from "../lib/child.mjs"

const COUNT = 3_000
const CASES = [
  { label: "1 SUB", subs: 1, drop: null },
  { label: "3 SUBs", subs: 3, drop: null },
  { label: "1 SUB, 10% lost", subs: 1, drop: "every:10" },
]
let nextPort = 7400

function runOnce(scenario) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/epgm-run.ts", JSON.stringify(scenario)], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d))
    child.stderr.setEncoding("utf8").on("data", (d) => (err += d))
    child.once("error", reject)
    child.once("close", (code) => {
      if (code !== 0) return reject(new BenchError(`epgm run failed (exit ${code})`, { detail: err.slice(-2000) }))
      const times = [...err.matchAll(/sub: (\d+) messages in ([\d.]+) ms/g)].map((m) => ({ received: Number(m[1]), ms: Number(m[2]) }))
      resolve({ result: JSON.parse(out.trim().split("\n").pop()), times, err })
    })
  })
}

export const epgm = {
  id: "epgm",
  name: "epgm",
  transport: "epgm",
  kind: "fanout",
  title: "PUB -> SUB over epgm:// between network namespaces via a relay (rate 10 Mbit/s); the zeromq column is libzmq 4.3.4 + OpenPGM (python3-zmq)",
  requires: [],
  notes: [
    "zeromq.js is built without OpenPGM: its column runs Debian's libzmq 4.3.4 through python3-zmq on both sides",
    "deliv/s = messages delivered over all SUBs / the slowest SUB's time from its first message to the end marker",
    "with loss, the relay drops every 10th data packet and the publisher repairs it (RDATA) on the SUB's NAK",
    "the rate limit bounds both: libzmq's OpenPGM was measured sending above its configured rate, so compare with care",
  ],

  cases() {
    return CASES.map((c) => ({ size: 830, count: COUNT, subscribers: c.subs, label: c.label, drop: c.drop }))
  },

  async run(impl, c) {
    if (typeof process.getuid === "function" && process.getuid() !== 0) throw new BenchError("needs root for network namespaces", { unsupported: true })
    if (spawnSync("/usr/bin/python3", ["-c", "import zmq"]).status !== 0 && impl !== "zmq-ts") throw new BenchError("python3-zmq is not installed", { unsupported: true })
    const lib = impl === "zmq-ts" ? "zmq-ts" : "libzmq"
    const subs = Array.from({ length: c.subscribers }, (_, i) => ({ where: i % 2 === 0 ? "b" : "c", lib }))
    const port = nextPort++
    if (nextPort > 7499) nextPort = 7400
    const { result, times } = await runOnce({ pub: lib, subs, count: COUNT, port, options: { rate: 10_000 }, ...(c.drop ? { drop: c.drop } : {}) })
    const delivered = result.subs.reduce((n, s) => n + s.received, 0)
    const expected = COUNT * c.subscribers
    if (result.subs.some((s) => s.corrupt > 0 || s.disorder > 0)) throw new BenchError("a corrupted or reordered message was delivered")
    if (times.length !== c.subscribers) throw new BenchError(`expected ${c.subscribers} subscriber timings, got ${times.length}`)
    const seconds = Math.max(...times.map((t) => t.ms)) / 1000
    const msgsPerSec = delivered / seconds
    return { count: COUNT, expected, delivered, lossPct: (100 * (expected - delivered)) / expected, seconds, msgsPerSec, mbPerSec: (msgsPerSec * 830) / 1e6, perSubSumMsgsPerSec: msgsPerSec, repaired: result.relay.rdata ?? 0 }
  },
}

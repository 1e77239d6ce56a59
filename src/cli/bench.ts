/**
 * `bench thr|lat`: libzmq's perf/local_thr, remote_thr, local_lat and
 * remote_lat, with their message patterns (so each side works against the
 * libzmq tool of the other) and their output lines.
 */
import { COMMON_FLAGS, int, list, parse, UsageError } from "./options.js"
import { announceBinds, canReceive, canSend, makeSocket, type Receiver, type Sender } from "./socket.js"

/** A progress line on stderr, once a run has gone on for a second; off with --no-progress. */
class Progress {
  private timer: NodeJS.Timeout | null = null
  private shown = -1
  done = 0

  constructor(enabled: boolean, private readonly total: number, private readonly what: string) {
    if (!enabled) return
    this.timer = setInterval(() => this.print("\r"), 1000)
    // Progress must never be the reason the process stays up.
    this.timer.unref()
  }

  private print(lead: string): void {
    // A stalled run (a lost peer) shows one line, not one a second.
    if (this.done === this.shown) return
    this.shown = this.done
    const pct = ((100 * this.done) / this.total).toFixed(0)
    process.stderr.write(`${process.stderr.isTTY ? lead : ""}${this.what} ${this.done}/${this.total} (${pct}%)${process.stderr.isTTY ? "" : "\n"}`)
  }

  stop(): void {
    if (this.timer === null) return
    clearInterval(this.timer)
    this.timer = null
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K")
  }
}

function elapsedUs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000
}

/** local_thr: the receiver times from the first message to the last. */
async function localThr(socket: Receiver, size: number, count: number, progress: Progress): Promise<string> {
  const check = (frames: Buffer[]): void => {
    if (frames.length !== 1 || frames[0]!.length !== size) throw new Error("message of incorrect size received")
  }
  check(await socket.receive())
  const start = process.hrtime.bigint()
  for (let i = 1; i < count; i++) {
    check(await socket.receive())
    progress.done = i + 1
  }
  let us = elapsedUs(start)
  // As local_thr: a one-message run has no interval to speak of.
  if (us === 0) us = 1
  const throughput = Math.trunc((count / us) * 1e6)
  const mbs = (throughput * size * 8) / 1e6
  return `message size: ${size} [B]\nmessage count: ${count}\nmean throughput: ${throughput} [msg/s]\nmean throughput: ${mbs.toFixed(3)} [Mb/s]`
}

/** remote_thr: COUNT messages of SIZE zero bytes; the close then waits (linger) until they are all out. */
async function remoteThr(socket: Sender, size: number, count: number, progress: Progress): Promise<string> {
  for (let i = 0; i < count; i++) {
    await socket.send([Buffer.alloc(size)])
    progress.done = i + 1
  }
  return ""
}

/** local_lat: echoes COUNT messages, checking their size. */
async function localLat(socket: Sender & Receiver, size: number, count: number, progress: Progress): Promise<string> {
  for (let i = 0; i < count; i++) {
    const msg = await socket.receive()
    if (msg.length !== 1 || msg[0]!.length !== size) throw new Error("message of incorrect size received")
    await socket.send(msg)
    progress.done = i + 1
  }
  return ""
}

/** remote_lat: COUNT roundtrips; latency is half a roundtrip, as libzmq reports it. */
async function remoteLat(socket: Sender & Receiver, size: number, count: number, progress: Progress): Promise<string> {
  const payload = Buffer.alloc(size)
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) {
    await socket.send([payload])
    const reply = await socket.receive()
    if (reply.length !== 1 || reply[0]!.length !== size) throw new Error("message of incorrect size received")
    progress.done = i + 1
  }
  const latency = elapsedUs(start) / (count * 2)
  return `message size: ${size} [B]\nroundtrip count: ${count}\naverage latency: ${latency.toFixed(3)} [us]`
}

export async function runBench(argv: string[]): Promise<void> {
  const { values: v, positionals } = parse(argv, {
    ...COMMON_FLAGS,
    size: { type: "string", short: "s" },
    count: { type: "string", short: "n" },
    "no-progress": { type: "boolean" },
  })
  const [mode, ...extra] = positionals
  if (mode !== "thr" && mode !== "lat") throw new UsageError("bench takes thr or lat")
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`)
  const local = list(v, "bind").length > 0
  if (local === list(v, "connect").length > 0) throw new UsageError("give --bind (local side) or --connect (remote side), not both")
  const size = int(v, "size", 100, 0)
  const count = int(v, "count", mode === "thr" ? 100000 : 10000, 1)
  const type = mode === "thr" ? (local ? "pull" : "push") : local ? "rep" : "req"
  // libzmq's tools leave the default high-water marks and linger (wait for delivery).
  const made = await makeSocket(v, type)
  const socket = made.socket
  // stderr, so that stdout carries libzmq's lines only.
  announceBinds(socket, v, false)
  const what = mode === "thr" ? (local ? "received" : "sent") : "roundtrips"
  const progress = new Progress(v["no-progress"] !== true, count, what)
  let report: string
  try {
    if (mode === "thr" && local && canReceive(socket)) report = await localThr(socket, size, count, progress)
    else if (mode === "thr" && canSend(socket)) report = await remoteThr(socket, size, count, progress)
    else if (canSend(socket) && canReceive(socket)) report = await (local ? localLat : remoteLat)(socket, size, count, progress)
    else throw new Error(`${type} socket cannot do ${mode}`)
  } finally {
    progress.stop()
    socket.close()
  }
  if (report !== "") process.stdout.write(report + "\n")
}

// Worker roles for inproc between two threads of one process: the main
// thread of the bench worker process holds one socket, a worker_threads
// Worker (this same file, loaded as the thread's entry) holds the other.
// Both load the implementation under test, so for zeromq both share
// libzmq's context and for zmq-ts its process-wide default context.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads"
import { loadImplementation, socketClass } from "../lib/impl.mjs"
import { receiveStream, sendStream, SENDER_LINGER_MS } from "./throughput.mjs"
import { latencySummary, nowSeconds } from "../lib/stats.mjs"

const WARMUP = Buffer.from("W")

function startThread(impl, params) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { impl, params } })
  const messages = []
  const waiters = []
  worker.on("message", (m) => (waiters.length ? waiters.shift()(m) : messages.push(m)))
  const failed = new Promise((_, reject) => worker.once("error", reject))
  failed.catch(() => undefined)
  const next = () => Promise.race([new Promise((resolve) => (messages.length ? resolve(messages.shift()) : waiters.push(resolve))), failed])
  // Let the thread end by itself: terminating a thread with libzmq sockets aborts the process.
  const exited = new Promise((resolve) => worker.once("exit", resolve))
  return { worker, next, exited }
}

/** sendStream with the payload in a SharedArrayBuffer. */
async function sendShared(sock, count, size) {
  const payload = Buffer.from(new SharedArrayBuffer(size)).fill(0x61)
  const start = nowSeconds()
  for (let i = 0; i < count; i++) await sock.send(payload)
  await sock.send(Buffer.alloc(0))
  return { sent: count, seconds: nowSeconds() - start }
}

/** PUSH in this thread, PULL in a worker thread; reports the PULL's timing. */
export async function threadPush(zmq, p, control) {
  const Push = socketClass(zmq, "Push")
  const push = new Push({ linger: SENDER_LINGER_MS, sendHighWaterMark: p.hwm })
  const thread = startThread(p.impl, { ...p, role: "pull" })
  try {
    await push.bind(p.endpoint)
    await thread.next() // connected
    await push.send(WARMUP)
    const stream = p.shared ? sendShared : sendStream
    await stream(push, p.warm ?? 0, p.size)
    await thread.next() // warm
    const sent = await stream(push, p.count, p.size)
    const recv = await thread.next()
    await control.send("result", { ...recv, sent: sent.sent, sendSeconds: sent.seconds })
    await control.next("close")
  } finally {
    push.close()
    await thread.exited
  }
}

/** REQ in this thread, REP in a worker thread: round-trip latency. */
export async function threadReq(zmq, p, control) {
  const Request = socketClass(zmq, "Request")
  const req = new Request({ linger: 0 })
  const thread = startThread(p.impl, { ...p, role: "rep" })
  try {
    await thread.next() // bound
    req.connect(p.endpoint)
    const payload = Buffer.alloc(p.size, 0x62)
    for (let i = 0; i < p.warmup; i++) {
      await req.send(payload)
      await req.receive()
    }
    const samples = new Float64Array(p.count)
    for (let i = 0; i < p.count; i++) {
      const t0 = process.hrtime.bigint()
      await req.send(payload)
      await req.receive()
      samples[i] = Number(process.hrtime.bigint() - t0) / 1e3
    }
    await control.send("result", { ...latencySummary(samples), badReplies: 0 })
    await control.next("close")
  } finally {
    req.close()
    await thread.exited
  }
}

async function threadMain() {
  const { impl, params: p } = workerData
  const zmq = await loadImplementation(impl)
  if (p.role === "pull") {
    const pull = new (socketClass(zmq, "Pull"))({ receiveHighWaterMark: p.hwm })
    pull.connect(p.endpoint)
    parentPort.postMessage("connected")
    await pull.receive() // WARMUP
    await receiveStream(pull, p.size)
    parentPort.postMessage("warm")
    parentPort.postMessage(await receiveStream(pull, p.size))
    pull.close()
  } else {
    const rep = new (socketClass(zmq, "Reply"))({ linger: 0 })
    await rep.bind(p.endpoint)
    parentPort.postMessage("bound")
    for (let i = 0; i < p.warmup + p.count; i++) await rep.send(await rep.receive())
    rep.close()
  }
}

if (!isMainThread && workerData?.params) await threadMain()

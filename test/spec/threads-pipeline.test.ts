/**
 * RFC 30 PUSH/PULL and RFC 31 PAIR over inproc between the main thread and
 * worker threads (one process-wide default context, as in libzmq).
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { Pair, Pull, Push } from "../../src/index.js"
import { primeAll, uniqueInproc, workerPool } from "../helpers/threads.js"

const { start: worker, shared } = workerPool()

void test("threads: PUSH in the main thread bound, PULL in a worker connected; multipart messages arrive whole and in order", async () => {
  const ep = uniqueInproc()
  const push = new Push({ linger: 0 })
  await push.bind(ep)
  const w = await shared(0)
  const pull = await w.socket("Pull")
  await pull.connect(ep)
  for (let i = 0; i < 100; i++) await push.send(["part", String(i), "end"])
  // Empty frames, and a message of one empty frame, as the last thing written.
  await push.send(["", "x", ""])
  await push.send("")
  for (let i = 0; i < 100; i++) assert.deepEqual(await pull.receive(), ["part", String(i), "end"])
  assert.deepEqual(await pull.receive(), ["", "x", ""])
  assert.deepEqual(await pull.receive(), [""])
  await pull.close()
  push.close()
})

void test("threads: connect before bind, the PULL bound in a worker, the PUSH connected in the main thread", async () => {
  const ep = uniqueInproc()
  const push = new Push({ linger: 0 })
  push.connect(ep)
  const queued = push.send("sent before the bind")
  const w = await shared(0)
  const pull = await w.socket("Pull")
  await pull.bind(ep)
  await queued
  assert.deepEqual(await pull.receive(), ["sent before the bind"])
  await pull.close()
  push.close()
})

void test("threads: PULL fair-queues PUSH peers in several workers; PUSH round-robins to PULLs in several workers", async () => {
  const ep = uniqueInproc()
  const pull = new Pull({ linger: 0 })
  await pull.bind(ep)
  const ws = await Promise.all([shared(0), shared(1), shared(2)])
  const pushes = await Promise.all(ws.map((w) => w.socket("Push")))
  for (const p of pushes) await p.connect(ep)
  await Promise.all(pushes.map(async (p, i) => {
    for (let j = 0; j < 5; j++) await p.send(`w${i}`, String(j))
  }))
  const seen = new Map<string, string[]>()
  for (let k = 0; k < 15; k++) {
    const [who, n] = (await pull.receive()).map(String)
    seen.set(who!, [...(seen.get(who!) ?? []), n!])
  }
  for (let i = 0; i < 3; i++) assert.deepEqual(seen.get(`w${i}`), ["0", "1", "2", "3", "4"], "each sender's messages in order")
  await Promise.all(pushes.map((p) => p.close()))
  pull.close()

  // The other direction: one PUSH, PULLs in the workers, round-robin.
  const ep2 = uniqueInproc()
  const push = new Push({ linger: 0 })
  await push.bind(ep2)
  const pulls = await Promise.all(ws.map((w) => w.socket("Pull")))
  for (const p of pulls) await p.connect(ep2)
  // Once the three connections are made, round-robin gives each PULL one of three messages in a row.
  await primeAll((m) => push.send(m), pulls.map((p) => p.receive()))
  for (let i = 0; i < 3; i++) await push.send(`m${i}`)
  const got = await Promise.all(pulls.map(async (p) => {
    for (;;) {
      const [m] = await p.receive()
      if (m !== "prime") return m
    }
  }))
  assert.deepEqual(got.sort(), ["m0", "m1", "m2"])
  await Promise.all(pulls.map((p) => p.close()))
  push.close()
})

// Strings take the queue path; small Buffers go straight into the ring at
// send() (ThreadPeer.encodeNow), which carries the whole bound itself.
for (const kind of ["string", "Buffer"] as const) {
  void test(`threads: the high-water mark is SNDHWM + RCVHWM as within one thread; send() waits, then resumes as the worker reads (${kind} frames)`, async () => {
    const ep = uniqueInproc()
    const w = await shared(0)
    const pull = await w.socket("Pull", { receiveHighWaterMark: 5 })
    await pull.bind(ep)
    const push = new Push({ sendHighWaterMark: 5, linger: 0 })
    push.connect(ep)
    // First message crosses once the connection is accepted.
    await push.send(kind === "string" ? "m0" : Buffer.from("m0"))
    assert.deepEqual(await pull.receive(), ["m0"])
    let accepted = 0
    let blocked: Promise<void> | null = null
    for (let i = 1; i <= 20; i++) {
      const p = push.send(kind === "string" ? `m${i}` : Buffer.from(`m${i}`))
      const state = await Promise.race([p.then(() => "sent"), new Promise<string>((r) => setImmediate(() => setImmediate(() => r("waiting"))))])
      if (state === "waiting") {
        blocked = p
        break
      }
      accepted++
    }
    assert.ok(blocked !== null, "send() waits at the high-water mark")
    // libzmq counts both queues: 5 + 5, give or take the message being moved.
    assert.ok(accepted >= 9 && accepted <= 11, `accepted ${accepted}`)
    for (let i = 1; i <= accepted + 1; i++) assert.deepEqual(await pull.receive(), [`m${i}`])
    await blocked
    await pull.close()
    push.close()
  })
}

void test("threads: PAIR in both directions between the main thread and a worker; a second PAIR gets nothing", async () => {
  const ep = uniqueInproc()
  const pair = new Pair({ linger: 0 })
  await pair.bind(ep)
  const w = await shared(0)
  const other = await w.socket("Pair")
  await other.connect(ep)
  await other.send("ping")
  assert.deepEqual((await pair.receive()).map(String), ["ping"])
  await pair.send("pong")
  assert.deepEqual(await other.receive(), ["pong"])
  await other.close()
  pair.close()
})

void test("threads: a worker terminated with sockets open disconnects its peers: PUSH stops routing to it, nothing hangs", async () => {
  const ep = uniqueInproc()
  const push = new Push({ linger: 0 })
  await push.bind(ep)
  const [doomed, alive] = await Promise.all([worker(), shared(0)])
  const pulls = await Promise.all([doomed, alive].map((w) => w.socket("Pull")))
  for (const p of pulls) await p.connect(ep)
  await primeAll((m) => push.send(m), pulls.map((p) => p.receive()))
  // Terminated mid-stream, with messages still queued towards it.
  for (let i = 0; i < 10; i++) await push.send(`queued${i}`)
  await doomed.terminate()
  // Round-robin now has the live worker only: it gets every later message.
  // (Its share of the queued ones comes first.)
  const later = ["x0", "x1", "x2", "x3"]
  for (const m of later) await push.send(m)
  const got: string[] = []
  while (got.length < 4) {
    const [m] = await pulls[1]!.receive()
    if (m!.startsWith("x")) got.push(m!)
  }
  assert.deepEqual(got, later)
  await pulls[1]!.close()
  push.close()
})

void test("threads: a worker that binds and is terminated frees the name; a new worker binds it and the main-thread PUSH reaches it", async () => {
  const ep = uniqueInproc()
  const first = await worker()
  const pull1 = await first.socket("Pull")
  await pull1.bind(ep)
  const push = new Push({ linger: 0 })
  push.connect(ep)
  await push.send("one")
  assert.deepEqual(await pull1.receive(), ["one"])
  await first.terminate()
  const second = await shared(1)
  const pull2 = await second.socket("Pull")
  // The name is free again once the parent has seen the worker exit.
  await pull2.bind(ep)
  const push2 = new Push({ linger: 0 })
  push2.connect(ep)
  await push2.send("two")
  assert.deepEqual(await pull2.receive(), ["two"])
  await pull2.close()
  push.close()
  push2.close()
})

void test("threads: threaded workers fed by the main thread over inproc; every result comes back once, the workers end by themselves", async () => {
  const tasks = uniqueInproc()
  const results = uniqueInproc()
  const push = new Push({ linger: 0 })
  await push.bind(tasks)
  const pull = new Pull({ linger: 0 })
  await pull.bind(results)
  const entry = new URL("../fixtures/ts-worker.mjs", import.meta.url)
  const module = new URL("../fixtures/thread-worker.ts", import.meta.url).href
  const { Worker } = await import("node:worker_threads")
  const threads = [0, 1].map((i) => new Worker(entry, { workerData: { module, tasks, results, name: `t${i}` } }))
  const exits = threads.map((w) => new Promise<number>((resolve) => w.once("exit", resolve)))
  const N = 300
  const sending = (async () => {
    for (let i = 0; i < N; i++) await push.send(String(i))
  })()
  const squares = new Set<number>()
  const perThread = new Map<string, number>()
  for (let i = 0; i < N; i++) {
    const [who, value] = (await pull.receive()).map(String)
    squares.add(Number(value))
    perThread.set(who!, (perThread.get(who!) ?? 0) + 1)
  }
  await sending
  assert.equal(squares.size, N)
  for (let i = 0; i < N; i++) assert.ok(squares.has(i * i))
  // (How the tasks spread depends on when each thread connected: round-robin is tested above.)
  assert.equal([...perThread.values()].reduce((a, b) => a + b), N)
  for (const w of threads) w.postMessage("stop")
  assert.deepEqual(await Promise.all(exits), [0, 0])
  push.close()
  pull.close()
})

void test("threads: a large frame in a SharedArrayBuffer crosses threads without a copy, both ways; ordinary frames are copied", async () => {
  const ep = uniqueInproc()
  const pair = new Pair({ linger: 0 })
  await pair.bind(ep)
  const w = await shared(1)
  const remote = await w.socket("Pair")
  await remote.connect(ep)
  const big = Buffer.from(new SharedArrayBuffer(64 * 1024)).fill(0x61)
  const plain = Buffer.alloc(64 * 1024, 0x62)
  for (let i = 0; i < 3; i++) {
    const echoed = remote.echo()
    await pair.send([big, plain, Buffer.from("tail")])
    assert.deepEqual(await echoed, [true, false, false], "the worker got a view of shared memory for the shared frame only")
    const back = await pair.receive()
    assert.equal(back.length, 3)
    assert.ok(back[0]!.buffer instanceof SharedArrayBuffer)
    assert.ok(back[1]!.equals(plain))
    assert.equal(String(back[2]), "tail")
    // The same memory, not a copy: libzmq's zero-copy contract, so a sender must not do this.
    big[0] = 0x30 + i
    assert.equal(back[0]![0], 0x30 + i)
    assert.ok(back[0]!.subarray(1).equals(big.subarray(1)))
  }
  await remote.close()
  pair.close()
})

/**
 * Ending cross-thread inproc connections: disconnect, unbind, close with
 * linger, from either side.
 */
import assert from "node:assert/strict"
import { after, test } from "node:test"
import { Pull, Push } from "../../src/index.js"
import { ThreadPeer, primeAll, uniqueInproc } from "../helpers/threads.js"

let peer: Promise<ThreadPeer> | null = null
function worker(): Promise<ThreadPeer> {
  return (peer ??= ThreadPeer.start())
}
after(async () => {
  if (peer !== null) await (await peer).terminate()
})

void test("threads: close() with linger -1 delivers every queued message, more than the rings hold, to a worker that reads slowly", async () => {
  const ep = uniqueInproc()
  const w = await worker()
  const pull = await w.socket("Pull", { receiveHighWaterMark: 10 })
  await pull.bind(ep)
  const push = new Push({ linger: -1, sendHighWaterMark: 0 })
  push.connect(ep)
  const N = 500
  const big = "x".repeat(4096)
  for (let i = 0; i < N; i++) await push.send([String(i), big])
  push.close()
  for (let i = 0; i < N; i++) assert.equal((await pull.receive())[0], String(i))
  await pull.close()
})

void test("threads: close() with linger 0 drops what has not crossed yet; the other side sees the connection end and nothing hangs", async () => {
  const ep = uniqueInproc()
  const w = await worker()
  const pull = await w.socket("Pull", { receiveHighWaterMark: 5 })
  await pull.bind(ep)
  const push = new Push({ linger: 0, sendHighWaterMark: 5 })
  push.connect(ep)
  await push.send("first")
  assert.deepEqual(await pull.receive(), ["first"])
  for (let i = 0; i < 8; i++) await push.send(String(i))
  push.close()
  // What had crossed is still delivered, in order; the rest is gone.
  const got: string[] = []
  const later = new Push({ linger: 0 })
  later.connect(ep)
  await later.send("end")
  for (;;) {
    const [m] = await pull.receive()
    if (m === "end") break
    got.push(m!)
  }
  assert.ok(got.length <= 8)
  got.forEach((m, i) => assert.equal(m, String(i)))
  later.close()
  await pull.close()
})

void test("threads: disconnect() in a worker ends its connection: the main-thread PUSH routes to the remaining peer only", async () => {
  const ep = uniqueInproc()
  const push = new Push({ linger: 0 })
  await push.bind(ep)
  const w = await worker()
  const leaving = await w.socket("Pull")
  await leaving.connect(ep)
  const local = new Pull({ linger: 0 })
  local.connect(ep)
  // Both connections are up once each PULL has had a message.
  await primeAll((m) => push.send(m), [leaving.receive(), local.receive()])
  await leaving.disconnect(ep)
  // The main thread learns of it asynchronously, as in libzmq. Until then
  // round-robin alternates between the two pipes, so of two messages in a
  // row at least one reaches `local`; once both of a pair arrive, the
  // worker's pipe is gone.
  const seen = new Set<string>()
  const both = (j: number): boolean => seen.has(`p${j}a`) && seen.has(`p${j}b`)
  let gone = false
  for (let i = 0; i < 200 && !gone; i++) {
    await push.send(`p${i}a`)
    await push.send(`p${i}b`)
    for (;;) {
      const m = String((await local.receive())[0])
      seen.add(m)
      console.log("got", m, i)
      if (m.startsWith(`p${i}`)) break
    }
    gone = both(i) || both(i - 1)
    // Same-thread inproc runs on microtasks; the wake-up from the other thread is a task.
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.ok(gone, "the disconnected worker's pipe went away")
  const rest: string[] = []
  for (let i = 0; i < 4; i++) await push.send(`m${i}`)
  while (rest.length < 4) {
    const m = String((await local.receive())[0])
    if (m.startsWith("m")) rest.push(m)
  }
  assert.deepEqual(rest, ["m0", "m1", "m2", "m3"])
  await leaving.close()
  local.close()
  push.close()
})

void test("threads: unbind() in a worker leaves established connections up (libzmq), refuses new ones until bound again", async () => {
  const ep = uniqueInproc()
  const w = await worker()
  const pull = await w.socket("Pull")
  await pull.bind(ep)
  const push = new Push({ linger: 0 })
  push.connect(ep)
  await push.send("before")
  assert.deepEqual(await pull.receive(), ["before"])
  await pull.unbind(ep)
  await push.send("after unbind")
  assert.deepEqual(await pull.receive(), ["after unbind"])
  // The name is free: the main thread can bind it now.
  const mine = new Pull({ linger: 0 })
  await mine.bind(ep)
  const push2 = new Push({ linger: 0 })
  push2.connect(ep)
  await push2.send("local")
  assert.deepEqual((await mine.receive()).map(String), ["local"])
  for (const s of [push, push2, mine]) s.close()
  await pull.close()
})

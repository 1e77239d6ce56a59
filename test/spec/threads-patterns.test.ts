/**
 * RFC 28 request-reply and RFC 29 publish-subscribe over inproc between
 * threads, many workers on one ROUTER, the process-wide default context.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { Context, Publisher, Reply, Request, Router, Subscriber, context } from "../../src/index.js"
import { uniqueInproc, workerPool } from "../helpers/threads.js"

const { start: worker, shared } = workerPool()

void test("threads: REQ in a worker, REP in the main thread, and the reverse; ROUTER sees DEALER routing ids set in a worker", async () => {
  const ep = uniqueInproc()
  const rep = new Reply({ linger: 0 })
  await rep.bind(ep)
  const w = await shared(0)
  const req = await w.socket("Request")
  await req.connect(ep)
  const answered = (async () => {
    const [q] = await rep.receive()
    await rep.send(`re:${String(q)}`)
  })()
  await req.send("hello")
  assert.deepEqual(await req.receive(), ["re:hello"])
  await answered

  const ep2 = uniqueInproc()
  const wrep = await w.socket("Reply")
  await wrep.bind(ep2)
  const req2 = new Request({ linger: 0 })
  req2.connect(ep2)
  await req2.send("question")
  assert.deepEqual(await wrep.receive(), ["question"])
  await wrep.send("answer")
  assert.deepEqual((await req2.receive()).map(String), ["answer"])

  const ep3 = uniqueInproc()
  const router = new Router({ linger: 0 })
  await router.bind(ep3)
  const dealer = await w.socket("Dealer", { routingId: "worker-dealer" })
  await dealer.connect(ep3)
  await dealer.send("from dealer")
  const [id, body] = await router.receive()
  assert.equal(String(id), "worker-dealer")
  assert.equal(String(body), "from dealer")
  await router.send([id!, "to dealer"])
  assert.deepEqual(await dealer.receive(), ["to dealer"])
  for (const s of [req, wrep, dealer]) await s.close()
  for (const s of [rep, req2, router]) s.close()
})

void test("threads: PUB in the main thread, SUBs in workers get what they subscribed to; a SUB in the main thread hears a worker's PUB", async () => {
  const ep = uniqueInproc()
  const pub = new Publisher({ linger: 0 })
  await pub.bind(ep)
  const w = await shared(0)
  const sub = await w.socket("Subscriber")
  await sub.subscribe("a")
  await sub.connect(ep)
  // Subscriptions travel asynchronously: publish until the first one lands.
  const first = sub.receive()
  let landed = false
  void first.then(() => (landed = true))
  for (let i = 0; i < 1000 && !landed; i++) {
    await pub.send(["b", "dropped"])
    await pub.send(["a", "kept"])
    await new Promise((r) => setImmediate(r))
  }
  assert.deepEqual(await first, ["a", "kept"])
  await sub.close()

  const ep2 = uniqueInproc()
  const wpub = await w.socket("Publisher")
  await wpub.bind(ep2)
  const msub = new Subscriber({ linger: 0 })
  msub.subscribe("x")
  msub.connect(ep2)
  const got = msub.receive()
  let arrived = false
  void got.then(() => (arrived = true))
  for (let i = 0; i < 200 && !arrived; i++) {
    await wpub.send("y", "no")
    await wpub.send("x", "yes")
  }
  assert.deepEqual((await got).map(String), ["x", "yes"])
  await wpub.close()
  pub.close()
  msub.close()
})

void test("threads: 8 workers connect DEALERs to one ROUTER in the main thread, each is answered by its routing id", async () => {
  const ep = uniqueInproc()
  const router = new Router({ linger: 0 })
  await router.bind(ep)
  const ws = await Promise.all(Array.from({ length: 8 }, (_, i) => shared(i)))
  const dealers = await Promise.all(ws.map((w, i) => w.socket("Dealer", { routingId: `d${i}` })))
  await Promise.all(dealers.map((d) => d.connect(ep)))
  await Promise.all(dealers.map((d, i) => d.send(`hi ${i}`)))
  for (let n = 0; n < dealers.length; n++) {
    const [id, body] = (await router.receive()).map(String)
    assert.equal(body, `hi ${id!.slice(1)}`)
    await router.send([id!, `bye ${id}`])
  }
  const replies = await Promise.all(dealers.map((d) => d.receive()))
  replies.forEach((r, i) => assert.deepEqual(r, [`bye d${i}`]))
  await Promise.all(dealers.map((d) => d.close()))
  router.close()
})

void test("threads: the default context is one for the process: options set here are read in a worker, a name bound here is EADDRINUSE there", async () => {
  const before = context.ioThreads
  context.ioThreads = 3
  const ep = uniqueInproc()
  const rep = new Reply({ linger: 0 })
  await rep.bind(ep)
  try {
    const w = await worker()
    assert.equal(await w.call({ op: "context", key: "ioThreads" }), 3)
    const other = await w.socket("Reply")
    await assert.rejects(other.bind(ep), (err: Error & { code?: string }) => err.code === "EADDRINUSE")
    await other.close()
  } finally {
    context.ioThreads = before
    rep.close()
  }
})

void test("threads: an explicit Context keeps inproc to its own sockets, as in libzmq; a worker does not reach them", async () => {
  const ctx = new Context()
  const ep = uniqueInproc()
  const rep = new Reply({ context: ctx, linger: 0 })
  await rep.bind(ep)
  const w = await shared(0)
  // The worker's default context does not know the name: binding it there works.
  const other = await w.socket("Reply")
  await other.bind(ep)
  await other.close()
  rep.close()
})

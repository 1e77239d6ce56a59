/**
 * Proxy (zeromq.js API, zmq_proxy semantics): forwards both ways between a
 * front-end and a back-end socket until terminated, then closes both.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { Dealer, Proxy, Pull, Push, Reply, Request, Router } from "../../src/index.js"
import { ZmqError } from "../../src/util.js"
import { eachTransport, freshAddress } from "../helpers/transports.js"

eachTransport("Proxy: ROUTER/DEALER broker carries requests to workers and replies back", async (t) => {
  const front = new Router()
  const back = new Dealer()
  await front.bind(freshAddress(t))
  await back.bind(freshAddress(t))
  const proxy = new Proxy(front, back)
  const running = proxy.run()
  const worker = new Reply({ linger: 0 })
  const client = new Request({ linger: 0 })
  try {
    worker.connect(back.lastEndpoint!)
    client.connect(front.lastEndpoint!)
    const served = (async () => {
      for (let i = 0; i < 5; i++) {
        const [body] = await worker.receive()
        await worker.send(`re:${body!.toString()}`)
      }
    })()
    for (let i = 0; i < 5; i++) {
      await client.send(`q${i}`)
      const [reply] = await client.receive()
      assert.equal(reply!.toString(), `re:q${i}`)
    }
    await served
    proxy.terminate()
    await running
    assert.equal(front.closed, true, "front-end closed on termination")
    assert.equal(back.closed, true, "back-end closed on termination")
  } finally {
    worker.close()
    client.close()
    front.close()
    back.close()
  }
})

void test("Proxy: pause holds messages back and resume releases them in order", async () => {
  const front = new Pull()
  const back = new Push()
  await front.bind("inproc://proxy-pause-in")
  await back.bind("inproc://proxy-pause-out")
  const source = new Push({ linger: 0 })
  const sink = new Pull({ linger: 0 })
  source.connect("inproc://proxy-pause-in")
  sink.connect("inproc://proxy-pause-out")
  const proxy = new Proxy(front, back)
  const running = proxy.run()
  try {
    await source.send("before")
    assert.equal((await sink.receive())[0]!.toString(), "before")
    proxy.pause()
    await source.send("during-1")
    await source.send("during-2")
    // The proxy has taken "during-1" and is holding it: the sink must see
    // nothing until resume. A receive with a timeout of 0 checks that now.
    sink.receiveTimeout = 0
    await assert.rejects(sink.receive(), (err: ZmqError) => err.code === "EAGAIN")
    sink.receiveTimeout = -1
    proxy.resume()
    assert.equal((await sink.receive())[0]!.toString(), "during-1")
    assert.equal((await sink.receive())[0]!.toString(), "during-2")
  } finally {
    proxy.terminate()
    await running
    source.close()
    sink.close()
  }
})

void test("Proxy: pause, resume and terminate before run() throw EBADF, as zeromq.js's; run() needs bound or connected sockets", async () => {
  const proxy = new Proxy(new Dealer(), new Dealer())
  assert.throws(() => proxy.pause(), (err: ZmqError) => err.code === "EBADF")
  assert.throws(() => proxy.resume(), (err: ZmqError) => err.code === "EBADF")
  assert.throws(() => proxy.terminate(), (err: ZmqError) => err.code === "EBADF")
  assert.throws(() => proxy.run(), { code: "EINVAL", message: "Front-end socket must be bound or connected" })
  await proxy.frontEnd.bind("inproc://proxy-states-front")
  assert.throws(() => proxy.run(), { code: "EINVAL", message: "Back-end socket must be bound or connected" })
  proxy.backEnd.connect("inproc://proxy-states-back")
  const running = proxy.run()
  proxy.terminate()
  await running
  assert.equal(proxy.frontEnd.closed && proxy.backEnd.closed, true)
  assert.throws(() => proxy.terminate(), (err: ZmqError) => err.code === "EBADF")
})

/** v5 messaging, bind/unbind (callbacks, events, bindSync errors), monitor events and proxy. */
import { describe } from "node:test"
import { ALL_TRANSPORTS } from "./harness.js"
import { conformV5, conformV5Each, plain, type Sock5, type V5Context, type Zmq5 } from "./v5-harness.js"
import { scaled } from "../helpers/time.js"

/** Binds `s` with a callback and gives the endpoint actually bound. */
async function bound(s: Sock5, t: V5Context, transport: "tcp" | "ipc" | "inproc"): Promise<string> {
  const [cb, done] = t.callback()
  s.bind(t.endpoint(transport), cb)
  const [err] = await done
  if (err !== undefined) throw new Error(`bind failed: ${JSON.stringify(err)}`)
  return s.last_endpoint as string
}

/** The next `n` 'message' events, each as its frames in text. */
function messages(s: Sock5, n: number): Promise<string[][]> {
  return new Promise((resolve) => {
    const got: string[][] = []
    const on = (...frames: Buffer[]): void => {
      got.push(frames.map((f) => f.toString()))
      if (got.length === n) {
        s.off("message", on)
        resolve(got)
      }
    }
    s.on("message", on)
  })
}

async function pushPull(zmq: Zmq5, t: V5Context, transport: "tcp" | "ipc" | "inproc"): Promise<[Sock5, Sock5]> {
  const pull = t.track(zmq.socket("pull"))
  const ep = await bound(pull, t, transport)
  const push = t.track(zmq.socket("push"))
  push.connect(ep)
  return [push, pull]
}

void describe("conformance v5: send and receive", () => {
  conformV5Each(ALL_TRANSPORTS, "push/pull: a multipart message with ZMQ_SNDMORE, every frame an argument", async (zmq, t, transport) => {
    const [push, pull] = await pushPull(zmq, t, transport)
    const got = messages(pull, 2)
    push.send("a", zmq.ZMQ_SNDMORE)
    push.send(["b", Buffer.from("c")], zmq.ZMQ_SNDMORE)
    push.send("d")
    push.send(["e", "f"])
    return got
  })
  conformV5Each(ALL_TRANSPORTS, "send callbacks run in order, without error", async (zmq, t, transport) => {
    const [push, pull] = await pushPull(zmq, t, transport)
    const got = messages(pull, 3)
    const order: unknown[] = []
    const [cb, last] = t.callback()
    push.send("1", 0, (e) => order.push(["1", plain(e)]))
    push.send("2", null, (e) => order.push(["2", plain(e)]))
    push.send("3", undefined, cb)
    await last
    return { order, got: await got }
  })
  conformV5("send returns the socket", (zmq, t) => {
    const s = t.track(zmq.socket("dealer"))
    // The queued message fails with EAGAIN when the case closes the socket.
    s.on("error", () => undefined)
    return [s.send("x", zmq.ZMQ_SNDMORE) === s, s.send("y") === s]
  })
  conformV5Each(ALL_TRANSPORTS, "dealer/router: the identity set by short name reaches the router", async (zmq, t, transport) => {
    const router = t.track(zmq.socket("router"))
    const ep = await bound(router, t, transport)
    const dealer = t.track(zmq.createSocket("dealer", { identity: "worker-1" }))
    dealer.connect(ep)
    const got = messages(router, 1)
    dealer.send(["hello", "there"])
    const [id, ...rest] = (await got)[0]!
    const back = messages(dealer, 1)
    router.send([id!, "reply"])
    return { id, rest, back: await back }
  })
  conformV5Each(ALL_TRANSPORTS, "req/rep round trips", async (zmq, t, transport) => {
    const rep = t.track(zmq.socket("rep"))
    const ep = await bound(rep, t, transport)
    rep.on("message", (msg: Buffer) => rep.send(`echo ${msg.toString()}`))
    const req = t.track(zmq.socket("req"))
    req.connect(ep)
    const out: string[] = []
    for (let i = 0; i < 3; i++) {
      const reply = messages(req, 1)
      req.send(String(i))
      out.push(...(await reply).flat())
    }
    return out
  })
  conformV5Each(["tcp", "ipc"], "pub/sub: subscribe filters", async (zmq, t, transport) => {
    const pub = t.track(zmq.socket("pub"))
    const ep = await bound(pub, t, transport)
    const sub = t.track(zmq.socket("sub"))
    sub.subscribe("a")
    sub.connect(ep)
    // Probe until the subscription has reached the publisher (a late joiner misses messages).
    const joined = messages(sub, 1)
    const timer = setInterval(() => pub.send("a-probe"), 5)
    await joined
    clearInterval(timer)
    const got: string[][] = []
    const done = new Promise<void>((resolve) => {
      sub.on("message", (...frames: Buffer[]) => {
        const m = frames.map(String)
        if (m[0] !== "a-probe") got.push(m)
        if (m[0] === "a-2") resolve()
      })
    })
    pub.send("b-skip")
    pub.send(["a-1", "x"])
    pub.send("a-2")
    await done
    return got
  })
  conformV5Each(ALL_TRANSPORTS, "pause() holds messages back, resume() delivers them in order", async (zmq, t, transport) => {
    const [push, pull] = await pushPull(zmq, t, transport)
    const first = messages(pull, 1)
    push.send("1")
    await first
    pull.pause()
    const events: string[] = []
    pull.on("message", (m: Buffer) => events.push(m.toString()))
    const [cb, sent] = t.callback()
    push.send("2")
    push.send("3", 0, cb)
    await sent
    // Give delivery a chance: no event may come while paused.
    await new Promise((r) => setTimeout(r, 30))
    const whilePaused = [...events]
    const rest = messages(pull, 2)
    pull.resume()
    await rest
    return { whilePaused, after: events }
  })
  conformV5("pause() on a sender holds sends until resume()", async (zmq, t) => {
    const [push, pull] = await pushPull(zmq, t, "inproc")
    push.pause()
    const calls: string[] = []
    push.send("1", 0, () => calls.push("1"))
    await new Promise((r) => setImmediate(r))
    const paused = [...calls]
    const got = messages(pull, 1)
    push.resume()
    return { paused, got: await got }
  })
  conformV5("send on a closed socket does nothing", async (zmq, t) => {
    const s = zmq.socket("push")
    s.close()
    const calls: unknown[] = []
    s.send("x", 0, (e) => calls.push(plain(e)))
    await new Promise((r) => setImmediate(r))
    void t
    return calls
  })
  conformV5("a pending send's callback gets EAGAIN when the socket closes", async (zmq, t) => {
    const s = zmq.socket("push")
    const [cb, called] = t.callback()
    s.send("x", 0, cb)
    await new Promise((r) => setImmediate(r))
    s.close()
    return called
  })
  conformV5("a pending send without callback: 'error' event EAGAIN on close", async (zmq) => {
    const s = zmq.socket("dealer")
    const errors: unknown[] = []
    s.on("error", (e) => errors.push(plain(e)))
    s.send("x")
    await new Promise((r) => setImmediate(r))
    s.close()
    await new Promise((r) => setImmediate(r))
    return errors
  })
})

void describe("conformance v5: bind and unbind", () => {
  conformV5Each(ALL_TRANSPORTS, "bind(cb): 'bind' event with the given address, then the callback", async (zmq, t, transport) => {
    const s = t.track(zmq.socket("pull"))
    const order: unknown[] = []
    const ep = t.endpoint(transport)
    s.on("bind", (a: string) => order.push(["event", a === ep]))
    const [cb, done] = t.callback()
    const r = s.bind(ep, (...args) => {
      order.push(["cb", ...args.map(plain)])
      cb()
    })
    await done
    return { chained: r === s, order, last: typeof s.last_endpoint }
  })
  conformV5Each(ALL_TRANSPORTS, "unbind(cb): 'unbind' event, then the callback", async (zmq, t, transport) => {
    const s = t.track(zmq.socket("pull"))
    const ep = await bound(s, t, transport)
    const order: unknown[] = []
    s.on("unbind", (a: string) => order.push(["event", a === ep]))
    const [cb, done] = t.callback()
    s.unbind(ep, (...args) => {
      order.push(["cb", ...args.map(plain)])
      cb()
    })
    await done
    return order
  })
  conformV5("bind errors go to the callback", async (zmq, t) => {
    const s = t.track(zmq.socket("pull"))
    const [cb, done] = t.callback()
    s.bind("foo://x", cb)
    return done
  })
  conformV5("bind errors without callback are 'error' events", async (zmq, t) => {
    const s = t.track(zmq.socket("pull"))
    const err = t.next(s, "error")
    s.bind("tcp://127.0.0.1")
    return err
  })
  conformV5("tcp address in use: callback error", async (zmq, t) => {
    const a = t.track(zmq.socket("pull"))
    const ep = await bound(a, t, "tcp")
    const b = t.track(zmq.socket("pull"))
    const [cb, done] = t.callback()
    b.bind(ep, cb)
    const [err] = (await done) as [{ code?: unknown }]
    return err.code
  })
  conformV5("unbind of an endpoint never bound", async (zmq, t) => {
    const s = t.track(zmq.socket("pull"))
    const [cb, done] = t.callback()
    s.unbind("tcp://127.0.0.1:5999", cb)
    return done
  })
  conformV5("a second bind while one is running throws EBUSY", async (zmq, t) => {
    const s = t.track(zmq.socket("pull"))
    const [cb, done] = t.callback()
    s.bind(t.endpoint("tcp"), cb)
    const second = await t.attempt(() => s.bind(t.endpoint("tcp")))
    await done
    return second
  })
  for (const [what, call] of [
    ["bind", (s: Sock5) => s.bind("tcp://127.0.0.1:*")],
    ["unbind", (s: Sock5) => s.unbind("tcp://127.0.0.1:*")],
    ["bindSync", (s: Sock5) => s.bindSync("tcp://127.0.0.1:*")],
    ["unbindSync", (s: Sock5) => s.unbindSync("tcp://127.0.0.1:*")],
    ["connect", (s: Sock5) => s.connect("tcp://127.0.0.1:5555")],
    ["disconnect", (s: Sock5) => s.disconnect("tcp://127.0.0.1:5555")],
  ] as const) {
    conformV5(`${what} on a closed socket throws`, (zmq, t) => {
      const s = zmq.socket("pull")
      s.close()
      return t.attempt(() => call(s))
    })
  }
  for (const address of ["foo://x", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "hello", "ipc://", "inproc://", "udp://127.0.0.1:5555", "tcp://:5555", "tcp://127.0.0.1:abc"]) {
    conformV5(`bindSync("${address}") throws at once`, (zmq, t) => t.attempt(() => t.track(zmq.socket("pull")).bindSync(address)))
  }
  conformV5("bindSync(non-string) is a TypeError", (zmq, t) => t.attempt(() => t.track(zmq.socket("pull")).bindSync(5 as unknown as string)))
  conformV5("bindSync of an inproc name in use throws EADDRINUSE", (zmq, t) => {
    const ep = t.endpoint("inproc")
    t.track(zmq.socket("pull")).bindSync(ep)
    return t.attempt(() => t.track(zmq.socket("pull")).bindSync(ep)).then((r) => JSON.stringify(r).replace(ep, "EP"))
  })
  conformV5("bindSync of the same inproc name twice on one socket", (zmq, t) => {
    const ep = t.endpoint("inproc")
    const s = t.track(zmq.socket("pull"))
    s.bindSync(ep)
    return t.attempt(() => s.bindSync(ep)).then((r) => JSON.stringify(r).replace(ep, "EP"))
  })
  conformV5("unbindSync of an endpoint never bound is ignored", (zmq, t) => t.attempt(() => t.track(zmq.socket("pull")).unbindSync("tcp://127.0.0.1:5999")))
  conformV5("bindSync while a bind(cb) runs throws EBUSY", async (zmq, t) => {
    const s = t.track(zmq.socket("pull"))
    const [cb, done] = t.callback()
    s.bind(t.endpoint("tcp"), cb)
    const r = await t.attempt(() => s.bindSync(t.endpoint("tcp")))
    await done
    return r
  })
  conformV5Each(ALL_TRANSPORTS, "bindSync then connect and send: nothing lost", async (zmq, t, transport) => {
    const pull = t.track(zmq.socket("pull"))
    const ep = transport === "tcp" ? "tcp://127.0.0.1:*" : t.endpoint(transport)
    pull.bindSync(ep)
    const got = messages(pull, 3)
    let target = ep
    if (transport === "tcp") {
      // zmq-ts learns the port when the bind completes; wait for it the v5 way (the socket's 'listen' event is too late to set up here).
      // v5 has no event for a bindSync that completes, hence the poll; it was
      // bounded at 1 s, which a loaded machine exceeded (then connect got no address).
      const deadline = performance.now() + scaled(5000)
      for (let i = 0; i < 10_000 && typeof pull.last_endpoint !== "string" && performance.now() < deadline; i++) await new Promise((r) => setTimeout(r, 5))
      target = pull.last_endpoint as string
    }
    const push = t.track(zmq.socket("push"))
    push.connect(target)
    push.send("1")
    push.send(["2", "3"])
    push.send("4")
    return got
  })
  conformV5Each(["ipc"], "bindSync then unbindSync then bindSync again", async (zmq, t, transport) => {
    const s = t.track(zmq.socket("pull"))
    const ep = t.endpoint(transport)
    s.bindSync(ep)
    s.unbindSync(ep)
    s.bindSync(ep)
    const push = t.track(zmq.socket("push"))
    push.connect(ep)
    const got = messages(s, 1)
    push.send("ok")
    return got
  })
  conformV5("bindSync on a tcp port in use: an 'error' event (zeromq throws)", async (zmq, t) => {
    const a = t.track(zmq.socket("pull"))
    const ep = await bound(a, t, "tcp")
    const b = t.track(zmq.socket("pull"))
    const err = t.next(b, "error")
    const r = await t.attempt(() => b.bindSync(ep))
    return { r, err: ((await err)[0] as { code: string }).code }
  }, { differs: "Node cannot listen synchronously: EADDRINUSE on tcp comes as an 'error' event (README)", expect: { r: { sync: "return" }, err: "EADDRINUSE" } })
})

void describe("conformance v5: monitor events", () => {
  conformV5Each(["tcp", "ipc"], "listen, accept, connect, disconnect, close with (value, address, error)", async (zmq, t, transport) => {
    const server = t.track(zmq.socket("pull"))
    server.monitor()
    const listen = t.next(server, "listen")
    const ep = await bound(server, t, transport)
    const [, listenAddress] = await listen
    const client = t.track(zmq.socket("push"))
    client.monitor()
    const accept = t.next(server, "accept")
    const connect = t.next(client, "connect")
    client.connect(ep)
    const [acc, con] = await Promise.all([accept, connect])
    const disconnect = t.next(server, "disconnect")
    client.close()
    const [disc] = await Promise.all([disconnect])
    const close = t.next(server, "close")
    server.unbind(ep)
    const closed = await close
    return {
      listen: listenAddress === ep,
      accept: [acc[0] === undefined, acc[1] !== undefined, acc[2]],
      connect: [con[0], con[1] === ep, con[2]],
      disconnect: [disc[0], typeof disc[1], disc[2]],
      close: [closed[0], closed[1] === ep, closed[2]],
    }
  })
  conformV5("connect_delay and connect_retry to a closed tcp port", async (zmq, t) => {
    const s = t.track(zmq.createSocket("push", { reconnect_ivl: 20 }))
    s.monitor()
    const retry = t.next(s, "connect_retry")
    s.connect("tcp://127.0.0.1:1")
    const [value, address, error] = await retry
    return { value: typeof value, address, error }
  })
  conformV5("bind_error for an address in use", async (zmq, t) => {
    const a = t.track(zmq.socket("pull"))
    const ep = await bound(a, t, "tcp")
    const b = t.track(zmq.socket("pull"))
    b.monitor()
    const ev = t.next(b, "bind_error")
    b.bind(ep, () => undefined)
    const [value, address, error] = await ev
    return { value, address: typeof address, error }
  })
})

void describe("conformance v5: proxy", () => {
  conformV5("router/dealer proxy with capture carries requests and replies", async (zmq, t) => {
    const frontend = t.track(zmq.socket("router"))
    const backend = t.track(zmq.socket("dealer"))
    const capture = t.track(zmq.socket("pair"))
    const fe = await bound(frontend, t, "tcp")
    const be = await bound(backend, t, "tcp")
    const capEp = await bound(capture, t, "tcp")
    const tap = t.track(zmq.socket("pair"))
    tap.connect(capEp)
    zmq.proxy(frontend, backend, capture)
    const rep = t.track(zmq.socket("rep"))
    rep.connect(be)
    rep.on("message", (m: Buffer) => rep.send(`re:${m.toString()}`))
    const req = t.track(zmq.socket("req"))
    req.connect(fe)
    const reply = messages(req, 1)
    const captured = messages(tap, 1)
    req.send("q")
    return { reply: await reply, captured: await captured }
  })
  conformV5("push/pull proxy forwards", async (zmq, t) => {
    const frontend = t.track(zmq.socket("pull"))
    const backend = t.track(zmq.socket("push"))
    const fe = await bound(frontend, t, "tcp")
    const be = await bound(backend, t, "tcp")
    zmq.proxy(frontend, backend)
    const out = t.track(zmq.socket("pull"))
    out.connect(be)
    const inp = t.track(zmq.socket("push"))
    inp.connect(fe)
    const got = messages(out, 1)
    inp.send(["a", "b"])
    return got
  })
})

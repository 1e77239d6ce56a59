/** Proxy: argument and state checks, and a run on each transport, as zeromq.js's. */
import { describe } from "node:test"
import { ALL_TRANSPORTS, conform, conformEach } from "./harness.js"

type AnyProxy = { run(...a: unknown[]): Promise<void>; pause(...a: unknown[]): void; resume(...a: unknown[]): void; terminate(...a: unknown[]): void }

void describe("conformance: Proxy", () => {
  conform("constructor arguments are checked", async (zmq, t) => {
    const P = zmq.Proxy as unknown as new (...a: unknown[]) => AnyProxy
    const d = t.track(new zmq.Dealer())
    return {
      none: await t.attempt(() => new P()),
      numbers: await t.attempt(() => new P(1, 2)),
      backMissing: await t.attempt(() => new P(d)),
      backNumber: await t.attempt(() => new P(d, 2)),
      plainObjects: await t.attempt(() => new P({}, {})),
      plainBack: await t.attempt(() => new P(d, {})),
      three: await t.attempt(() => new P(d, d, 3)),
    }
  })
  conform("pause, resume, terminate and run before anything is bound", async (zmq, t) => {
    const front = t.track(new zmq.Router())
    const back = t.track(new zmq.Dealer())
    const p = new zmq.Proxy(front, back) as unknown as AnyProxy
    return {
      pause: await t.attempt(() => p.pause()),
      resume: await t.attempt(() => p.resume()),
      terminate: await t.attempt(() => p.terminate()),
      run: await t.attempt(() => p.run()),
      runArg: await t.attempt(() => p.run(1)),
      pauseArg: await t.attempt(() => p.pause(1)),
    }
  })
  conformEach(ALL_TRANSPORTS, "run() with only the front end bound, or a closed end", async (zmq, t, transport) => {
    const front = t.track(new zmq.Router())
    await front.bind(t.endpoint(transport))
    const back = t.track(new zmq.Dealer())
    const p = new zmq.Proxy(front, back)
    const backUnbound = await t.attempt(() => p.run())
    back.connect(front.lastEndpoint!)
    front.close()
    const frontClosed = await t.attempt(() => p.run())
    return { backUnbound, frontClosed }
  })
  conform("a failed bind counts as an endpoint for run()", async (zmq, t) => {
    const front = t.track(new zmq.Pull())
    await t.attempt(() => front.bind("foo://bar"))
    const back = t.track(new zmq.Push())
    back.connect(t.endpoint("inproc"))
    const p = new zmq.Proxy(front, back)
    const run = p.run()
    p.terminate()
    return { run: await t.attempt(() => run), closed: [front.closed, back.closed] }
  })
  conformEach(ALL_TRANSPORTS, "a run forwards both ways; the ends are blocked meanwhile; terminate() closes them", async (zmq, t, transport) => {
    const front = t.track(new zmq.Router())
    const back = t.track(new zmq.Dealer())
    await front.bind(t.endpoint(transport))
    await back.bind(t.endpoint(transport))
    const client = t.track(new zmq.Request())
    client.connect(front.lastEndpoint!)
    const worker = t.track(new zmq.Reply())
    worker.connect(back.lastEndpoint!)
    const p = new zmq.Proxy(front, back)
    const running = p.run()
    const blocked = {
      send: await t.attempt(() => back.send("x")),
      receive: await t.attempt(() => front.receive()),
      bind: await t.attempt(() => front.bind("inproc://other")),
      closedAfterClose: (back.close(), back.closed),
    }
    await client.send("question")
    const [q] = await worker.receive()
    await worker.send("answer")
    const [a] = await client.receive()
    p.pause()
    p.resume()
    p.terminate()
    const run = await t.attempt(() => running)
    return {
      blocked,
      forwarded: [q!.toString(), a!.toString()],
      run,
      closed: [front.closed, back.closed],
      afterwards: { pause: await t.attempt(() => p.pause()), terminate: await t.attempt(() => p.terminate()) },
    }
  })
  conform("frontEnd and backEnd are the sockets given", (zmq, t) => {
    const front = t.track(new zmq.Pull())
    const back = t.track(new zmq.Push())
    const p = new zmq.Proxy(front, back)
    return [p.frontEnd === front, p.backEnd === back]
  }, { expect: [true, true] })
})

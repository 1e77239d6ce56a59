// Writable / Readable / events as zeromq.js types them.
import * as zmq from "zmq-lib"

export async function forward(from: zmq.Readable, to: zmq.Writable): Promise<void> {
  const msg = await from.receive()
  await to.send(msg)
}

export function options(): zmq.SocketOptions<zmq.Dealer> {
  return { linger: 0, routingId: "x", context: zmq.context }
}

export async function events(sock: zmq.Socket): Promise<void> {
  sock.events.on("bind", (e) => console.log(e.address))
  sock.events.on("handshake:error:auth", (e) => console.log(e.error.status))
  sock.events.off("bind", () => undefined)
  for await (const event of sock.events) {
    if (event.type === "connect:retry") console.log(event.interval, event.address)
  }
  const obs = new zmq.Observer(sock)
  const ev: zmq.Event = await obs.receive()
  const t: zmq.EventType = ev.type
  obs.close()
  void t
}

export async function proxy(): Promise<void> {
  const p = new zmq.Proxy(new zmq.Router(), new zmq.Dealer())
  const front: zmq.Router = p.frontEnd
  await p.frontEnd.bind("tcp://*:5555")
  const run = p.run()
  p.pause()
  p.resume()
  p.terminate()
  await run
  void front
}

export async function req(): Promise<void> {
  const r = new zmq.Request()
  const w: zmq.Writable = r
  const rd: zmq.Readable = r
  await w.send("x")
  const m: zmq.Message[] = await rd.receive()
  const like: zmq.MessageLike = m[0] ?? null
  void like
}

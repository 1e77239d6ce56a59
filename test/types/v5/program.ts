// A v5 program as TypeScript users wrote them against zeromq's v5-compat
// declarations: it must type-check against zmq-ts's (npm run typecheck).
import * as zmq from "../../../src/v5-compat.js"

export function program(): void {
  const sock = zmq.socket("dealer")
  sock.identity = "client-1"
  sock.linger = 0
  sock.setsockopt(zmq.ZMQ_SNDHWM, 100)
  sock.setsockopt("heartbeat_ivl", 1000)
  const hwm = sock.getsockopt(zmq.ZMQ_SNDHWM)
  const endpoint: string | null = sock.last_endpoint
  sock.on("message", (...frames: Buffer[]) => console.log(frames.length, hwm, endpoint))
  sock.on("connect", (_value: unknown, address: string) => console.log(address))
  sock.monitor().connect("tcp://127.0.0.1:5555")
  sock.send(["a", Buffer.from("b")], zmq.ZMQ_SNDMORE).send("c", 0, (err) => console.log(err?.message))
  sock.bind("tcp://127.0.0.1:*", (err?: Error) => console.log(err))
  const opts = zmq.createSocket("sub", { linger: 0 })
  opts.subscribe("topic").unsubscribe("topic")
  const keys: { public: string; secret: string } = zmq.curveKeypair()
  const z = zmq.default
  z.proxy(z.socket("router"), z.socket("dealer"))
  zmq.Context.setMaxSockets(zmq.Context.getMaxSockets())
  console.log(keys, zmq.version, zmq.options.linger, zmq.STATE_READY, sock.type, sock.closed, sock.custom)
  sock.custom = { any: "value" }
  sock.close()
}

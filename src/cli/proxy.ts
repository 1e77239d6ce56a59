/**
 * `proxy FRONT BACK`: zmq_proxy between any two socket types, through the
 * public Proxy; with --capture, through a loop of our own, since Proxy (as
 * zeromq.js's) has no capture socket.
 */
import { Proxy, type Socket } from "../index.js"
import { COMMON_FLAGS, parse, str, UsageError, type Values } from "./options.js"
import { canReceive, canSend, makeSocket, type Made } from "./socket.js"

interface Side {
  type: string
  bind: string[]
  connect: string[]
}

/** `TYPE=[@|>]ENDPOINT[,...]`: @ binds, > connects, neither binds. */
export function parseSide(spec: string, which: string): Side {
  const eq = spec.indexOf("=")
  if (eq <= 0) throw new UsageError(`${which} must be TYPE=ENDPOINT (e.g. router=@tcp://*:5559), not ${JSON.stringify(spec)}`)
  const side: Side = { type: spec.slice(0, eq).toLowerCase(), bind: [], connect: [] }
  for (const ep of spec.slice(eq + 1).split(",")) {
    if (ep.startsWith(">")) side.connect.push(ep.slice(1))
    else side.bind.push(ep.startsWith("@") ? ep.slice(1) : ep)
  }
  return side
}

async function open(v: Values, side: Side, quiet: boolean): Promise<Made> {
  const made = await makeSocket({ ...v, bind: side.bind, connect: side.connect }, side.type)
  if (!quiet && side.bind.length) process.stderr.write(`${side.type} bound ${made.socket.lastEndpoint ?? ""}\n`)
  return made
}

/** One direction of a capturing proxy: each message goes on, and a copy to the capture socket. */
async function pump(from: Socket, to: Socket, capture: Socket): Promise<void> {
  if (!canReceive(from) || !canSend(to)) return
  if (!canSend(capture)) throw new UsageError("the --capture socket must be able to send")
  for (;;) {
    let msg: Buffer[]
    try {
      msg = await from.receive()
    } catch (err) {
      if (from.closed) return
      throw err
    }
    // With a PUB, a slow capture reader loses copies, not the traffic.
    await capture.send(msg)
    try {
      await to.send(msg)
    } catch (err) {
      // Unroutable (a ROUTER peer gone): dropped, as zmq_proxy does.
      if ((err as { code?: string }).code === "EHOSTUNREACH") continue
      throw err
    }
  }
}

export async function runProxy(argv: string[]): Promise<void> {
  const { values: v, positionals } = parse(argv, { ...COMMON_FLAGS, capture: { type: "string" }, quiet: { type: "boolean", short: "q" } })
  if (positionals.length !== 2) throw new UsageError("proxy takes FRONT and BACK (TYPE=ENDPOINT each)")
  if (v.bind !== undefined || v.connect !== undefined) throw new UsageError("proxy endpoints go in FRONT and BACK, not --bind/--connect")
  const quiet = v.quiet === true
  const [frontSpec, backSpec] = positionals as [string, string]
  const frontSide = parseSide(frontSpec, "FRONT")
  const backSide = parseSide(backSpec, "BACK")
  const front = await open(v, frontSide, quiet)
  let back: Made
  try {
    back = await open(v, backSide, quiet)
  } catch (err) {
    front.socket.close()
    throw err
  }
  const captureAt = str(v, "capture")
  if (captureAt === undefined) {
    await new Proxy(front.socket, back.socket).run()
    return
  }
  // A PUB by default, as in libzmq's examples; TYPE= picks another (a PUSH to a collector loses nothing).
  const capture = await open(v, parseSide(captureAt.includes("=") ? captureAt : `pub=${captureAt}`, "--capture"), quiet).catch((err: unknown) => {
    front.socket.close()
    back.socket.close()
    throw err
  })
  try {
    await Promise.all([pump(front.socket, back.socket, capture.socket), pump(back.socket, front.socket, capture.socket)])
  } finally {
    capture.socket.close()
    front.socket.close()
    back.socket.close()
  }
}

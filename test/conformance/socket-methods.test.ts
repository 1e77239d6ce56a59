/**
 * Methods a socket type cannot use, as zeromq.js has them: every socket
 * keeps send() and receive() (they wait, forever, for a state libzmq never
 * reaches) and has join()/leave() (ENOTSUP but on a DISH); STREAM takes
 * frames one by one as libzmq's stream_t does; new Socket(type) knows the
 * draft types without zeromq/draft.
 */
import * as net from "node:net"
import { describe } from "node:test"
import { attemptsInChild } from "./child.js"
import { conform, type CaseContext, type Zmq } from "./harness.js"
import { make, SOCKET_CLASSES, type AnySocket } from "./classes.js"

/** How `op` settles, where a send or receive that waits is ended by closing the socket. */
async function settledByClose(t: CaseContext, s: AnySocket, op: () => unknown): Promise<unknown> {
  const attempt = t.attempt(op)
  // One turn for anything that settles at once; then close ends a waiting one (zeromq.js: EAGAIN).
  await new Promise((r) => setImmediate(r))
  s.close()
  return attempt
}

void describe("conformance: send/receive where the type cannot", () => {
  for (const cls of SOCKET_CLASSES) {
    conform(`${cls}: send("x") with no peer, then close`, (zmq, t) => {
      const s = make(zmq, cls, { linger: 0 })
      return settledByClose(t, s, () => (s.send as (m: unknown) => unknown)("x"))
    })
    conform(`${cls}: receive() with no peer, then close`, (zmq, t) => {
      const s = make(zmq, cls, { linger: 0 })
      return settledByClose(t, s, () => (s.receive as () => unknown)())
    })
  }
})

void describe("conformance: join/leave on every socket", () => {
  for (const cls of SOCKET_CLASSES) {
    conform(`${cls}: join/leave with each kind of argument, open and closed`, async (zmq, t) => {
      const s = make(zmq, cls)
      const call = (m: string, ...args: unknown[]): Promise<unknown> => t.attempt(() => (s[m] as (...a: unknown[]) => unknown)(...args))
      const out = [typeof s.join, typeof s.leave, await call("join", "g"), await call("join"), await call("join", 5), await call("join", "a", "b"), await call("leave", Buffer.from("g"))]
      s.close()
      out.push(await call("join", "g"), await call("leave", 5))
      return out
    })
  }
  conform("Socket(7).join: the generic socket has them too", async (zmq, t) => {
    const s = t.track(new (zmq.Socket as unknown as new (type: number) => AnySocket)(7))
    return [await t.attempt(() => (s.join as (g: string) => void)("g")), await t.attempt(() => (s.leave as () => void)())]
  })
})

void describe("conformance: new Socket(type) for the draft types", () => {
  conform("new Socket(12..21) without the draft entry point", (_zmq, t) =>
    attemptsInChild(t, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`type${12 + i}`, `
      const s = new zmq.Socket(${12 + i}, { linger: 0 })
      try { return [s.type, s.constructor.name, typeof s.send, typeof s.receive, typeof s.join] } finally { s.close() }
    `]))))
})

/** Data a raw TCP peer of a STREAM socket receives, until `last` arrives. */
function rawPeer(port: number, last: string): { socket: net.Socket; received: Promise<string> } {
  const socket = net.connect(port, "127.0.0.1")
  const received = new Promise<string>((resolve, reject) => {
    let got = ""
    socket.on("data", (d: Buffer) => {
      got += d.toString()
      if (got.endsWith(last)) resolve(got)
    })
    socket.on("error", reject)
  })
  return { socket, received }
}

void describe("conformance: STREAM sends, frame by frame", () => {
  conform("Stream: a lone frame is an id without data, and shifts the next message by one frame", async (zmq: Zmq, t) => {
    const s = t.track(new zmq.Stream({ linger: 0 }))
    await s.bind("tcp://127.0.0.1:*")
    const peer = rawPeer(Number(s.lastEndpoint!.split(":").pop()), "four")
    try {
      const [id] = await s.receive()
      const sends = []
      for (const msg of [[id, "one"], "lonely", [id, "dropped"], [id, "x", "y"], [id, "four"]]) sends.push(await t.attempt(() => s.send(msg as [Buffer, string])))
      return { sends, received: await peer.received }
    } finally {
      peer.socket.destroy()
    }
  })
  conform("Stream: send to an unknown id", (zmq, t) => t.attempt(() => t.track(new zmq.Stream()).send(["nobody", "x"])))
})

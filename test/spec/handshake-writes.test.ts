/**
 * How the NULL handshake goes on the wire (RFC 23 "Version Negotiation" and
 * "The NULL Security Mechanism"), seen by a raw TCP peer: the writes a
 * connection costs are what serving many connections costs
 * (docs/performance.md "Many connections").
 *
 * - An accepting socket answers the connecting peer's greeting with its own
 *   greeting and READY together: every ZMTP peer sends (the start of) its
 *   greeting as soon as it has connected, so nothing waits on us.
 * - A connecting socket that has messages queued sends its READY with them
 *   (one write), once the peer's greeting and READY have come in one read
 *   ("A peer MAY start to send messages immediately after sending its
 *   metadata").
 */
import assert from "node:assert/strict"
import { once } from "node:events"
import * as net from "node:net"
import { test } from "node:test"
import { decodeCommand } from "../../src/internal.js"
import { Dealer, Router } from "../../src/index.js"
import { connectRaw, frame, greeting, readyFrame } from "../fuzz/raw-peer.js"

/** Splits `buf` into ZMTP frames (short frames only, as a handshake and small messages use): [flags, body][]. */
function shortFrames(buf: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = []
  for (let p = 0; p < buf.length; ) {
    const flags = buf[p]!
    assert.equal(flags & 0x02, 0, "short frames only")
    const size = buf[p + 1]!
    out.push([flags, buf.subarray(p + 2, p + 2 + size)])
    p += 2 + size
  }
  return out
}

/** Resolves with the next chunk `socket` reads, or rejects if it closes first. */
function nextChunk(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      socket.off("close", onClose)
      resolve(chunk)
    }
    const onClose = (): void => {
      socket.off("data", onData)
      reject(new Error("connection closed"))
    }
    socket.once("data", onData)
    socket.once("close", onClose)
  })
}

void test("an accepting socket answers a greeting with its greeting and READY in one write", async () => {
  const router = new Router({ linger: 0 })
  try {
    await router.bind("tcp://127.0.0.1:*")
    const raw = await connectRaw(router.lastEndpoint!)
    try {
      const first = nextChunk(raw.socket)
      raw.write(greeting())
      const chunk = await first
      // One write of greeting + READY arrives in one read on loopback.
      assert.ok(chunk.length > 64, `the first read holds more than the greeting (${chunk.length} bytes)`)
      assert.equal(chunk[0], 0xff, "it starts with the greeting's signature")
      assert.equal(chunk.toString("latin1", 12, 16), "NULL")
      const frames = shortFrames(chunk.subarray(64))
      assert.equal(frames.length, 1)
      assert.equal(frames[0]![0], 0x04, "a command frame")
      const ready = decodeCommand(frames[0]![1])
      assert.equal(ready.name, "READY")
    } finally {
      raw.socket.destroy()
    }
  } finally {
    router.close()
  }
})

// Both ends live in this process, so the peer reads only after the DEALER's
// turn is over: this checks what follows the peer's READY (our READY first,
// then the queued message, nothing lost), not how many writes carried it.
void test("a connecting socket's queued messages follow its READY when the peer's greeting and READY come together", async () => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const { port } = server.address() as net.AddressInfo
  const dealer = new Dealer({ linger: 0 })
  try {
    const accepted = once(server, "connection") as Promise<[net.Socket]>
    dealer.connect(`tcp://127.0.0.1:${port}`)
    const sent = dealer.send("queued before the handshake")
    const [conn] = await accepted
    try {
      // The DEALER's greeting: it writes nothing more until it has ours.
      let got = Buffer.alloc(0)
      while (got.length < 64) got = Buffer.concat([got, await nextChunk(conn)])
      assert.equal(got.length, 64, "the greeting alone")
      const after = nextChunk(conn)
      conn.write(Buffer.concat([greeting(), readyFrame("ROUTER")]))
      const frames = shortFrames(await after)
      assert.equal(frames.length, 2, "READY and the message in one read")
      assert.equal(frames[0]![0], 0x04)
      assert.equal(decodeCommand(frames[0]![1]).name, "READY")
      assert.deepEqual(frames[1], [0x00, Buffer.from("queued before the handshake")])
      await sent
      // And the connection works both ways.
      conn.write(frame("reply"))
      const [reply] = await dealer.receive()
      assert.equal(reply!.toString(), "reply")
    } finally {
      conn.destroy()
    }
  } finally {
    dealer.close()
    server.close()
  }
})

/**
 * Hostile and unusual ws:// clients against a zmq-ts PULL: each bad client's
 * connection is closed, and a well-behaved zmq-ts PUSH connected to the same
 * endpoint all along still delivers afterwards. Plus what a browser does and
 * libzmq does not: fragmented messages (RFC 6455 5.4) and pings.
 * Everything waits on events (close, data, receive); no sleeps.
 */
import assert from "node:assert/strict"
import { once } from "node:events"
import * as net from "node:net"
import { test, type TestContext } from "node:test"
import { Pull, Push } from "../../src/index.js"
import { encodeHeader, maskPayload, OP_BINARY, OP_CONTINUATION, OP_PING, OP_TEXT } from "../../src/transport/ws/frame.js"
import { scaled } from "../helpers/time.js"

const READY_PUSH = Buffer.concat([Buffer.of(0x02, 0x05), Buffer.from("READY"), Buffer.of(11), Buffer.from("Socket-Type"), Buffer.of(0, 0, 0, 4), Buffer.from("PUSH")])

function masked(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = 0x1badf00d
  const h = encodeHeader(opcode, payload.length, mask)
  if (!fin) h[0] = h[0]! & 0x7f
  const body = Buffer.alloc(payload.length)
  maskPayload(payload, body, 0, mask, 0)
  return Buffer.concat([h, body])
}

interface Setup {
  pull: Pull
  port: number
  /** A good peer, connected before any bad one. */
  push: Push
}

async function setup(ctx: TestContext, options: { maxMessageSize?: number; handshakeInterval?: number } = {}): Promise<Setup> {
  const pull = new Pull({ linger: 0, ...options })
  const push = new Push({ linger: 0 })
  ctx.after(() => {
    pull.close()
    push.close()
  })
  await pull.bind("ws://127.0.0.1:*/bad")
  const port = Number(/:(\d+)\//.exec(pull.lastEndpoint!)![1])
  const up = new Promise<void>((resolve) => push.events.on("handshake", () => resolve()))
  push.connect(pull.lastEndpoint!)
  await up
  return { pull, port, push }
}

/** The good peer still gets through. */
async function stillWorks(s: Setup): Promise<void> {
  await s.push.send("still here")
  assert.deepEqual((await s.pull.receive()).map(String), ["still here"])
}

function rawConnect(ctx: TestContext, port: number): net.Socket {
  const c = net.createConnection({ host: "127.0.0.1", port })
  c.on("error", () => undefined)
  ctx.after(() => c.destroy())
  return c
}

/** Upgrades with ZWS2.0/NULL and resolves with whatever followed the 101 head. */
async function upgrade(ctx: TestContext, port: number): Promise<net.Socket> {
  const c = rawConnect(ctx, port)
  c.write("GET /bad HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ZWS2.0/NULL\r\nSec-WebSocket-Version: 13\r\n\r\n")
  let got = Buffer.alloc(0)
  while (got.indexOf("\r\n\r\n") < 0) {
    const [chunk] = (await once(c, "data")) as [Buffer]
    got = Buffer.concat([got, chunk])
  }
  assert.match(got.toString("latin1"), /^HTTP\/1\.1 101 /)
  return c
}

void test("a text frame ends that connection only", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx)
  const c = await upgrade(ctx, s.port)
  c.write(Buffer.concat([masked(OP_BINARY, READY_PUSH), masked(OP_TEXT, Buffer.from("\x00hello"))]))
  await once(c, "close")
  await stillWorks(s)
})

void test("a frame longer than maxMessageSize is refused from its header, before its payload", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx, { maxMessageSize: 1000 })
  const c = await upgrade(ctx, s.port)
  // Announces 2^40 octets and sends none of them.
  c.write(Buffer.concat([masked(OP_BINARY, READY_PUSH), Buffer.of(0x82, 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4)]))
  await once(c, "close")
  await stillWorks(s)
})

void test("an unmasked frame from a client ends that connection (RFC 6455 5.1)", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx)
  const c = await upgrade(ctx, s.port)
  c.write(Buffer.concat([masked(OP_BINARY, READY_PUSH), encodeHeader(OP_BINARY, 2, null), Buffer.of(0, 0x41)]))
  await once(c, "close")
  await stillWorks(s)
})

void test("a request that is not a WebSocket upgrade gets 400 Bad Request and is closed", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx)
  const c = rawConnect(ctx, s.port)
  const chunks: Buffer[] = []
  c.on("data", (d: Buffer) => chunks.push(d))
  c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
  await once(c, "close")
  assert.match(Buffer.concat(chunks).toString("latin1"), /^HTTP\/1\.1 400 /)
  await stillWorks(s)
})

void test("a subprotocol we do not speak is refused (RFC 45: the server closes)", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx)
  const c = rawConnect(ctx, s.port)
  c.resume() // reads (and drops) the reply, so that the close is seen
  c.write("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: eA==\r\nSec-WebSocket-Protocol: chat\r\n\r\n")
  await once(c, "close")
  await stillWorks(s)
})

void test("a slow-loris upgrade is cut off by handshakeInterval", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx, { handshakeInterval: 200 })
  const c = rawConnect(ctx, s.port)
  c.write("GET / HTTP/1.1\r\nHost: x\r\n")
  await once(c, "close")
  await stillWorks(s)
})

void test("an endless upgrade head is cut off at 8 KiB", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx)
  const c = rawConnect(ctx, s.port)
  c.resume()
  c.write("GET / HTTP/1.1\r\n" + "X-Pad: " + "a".repeat(9000))
  await once(c, "close")
  await stillWorks(s)
})

void test("a fragmented message (as browsers send large ones) is reassembled, and a ping is answered", { timeout: scaled(10_000) }, async (ctx) => {
  const s = await setup(ctx)
  const c = await upgrade(ctx, s.port)
  const big = Buffer.alloc(200_000, 0x33)
  c.write(
    Buffer.concat([
      masked(OP_BINARY, READY_PUSH),
      masked(OP_BINARY, Buffer.concat([Buffer.of(0x00), big.subarray(0, 70_000)]), false),
      masked(OP_PING, Buffer.from("are you there")),
      masked(OP_CONTINUATION, big.subarray(70_000, 140_000), false),
      masked(OP_CONTINUATION, big.subarray(140_000)),
    ]),
  )
  const msg = await s.pull.receive()
  assert.equal(msg.length, 1)
  assert.ok(msg[0]!.equals(big))
  // The pong (0x8a, unmasked from a server) echoes the ping's data (RFC 6455 5.5.3).
  let seen = Buffer.alloc(0)
  const pong = Buffer.concat([Buffer.of(0x8a, 13), Buffer.from("are you there")])
  while (seen.indexOf(pong) < 0) {
    const [chunk] = (await once(c, "data")) as [Buffer]
    seen = Buffer.concat([seen, chunk])
  }
  await stillWorks(s)
})

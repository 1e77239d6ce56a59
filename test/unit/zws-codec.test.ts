/**
 * The ZMTP <-> ZWS 2.0 translation (src/transport/ws/zws-codec.ts), in
 * particular bare "ZWS2.0" (RFC 45 "No Mechanism"): routing-id messages in
 * place of READY, as libzmq's ws_engine exchanges them and as a browser,
 * which can offer no other subprotocol, needs.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { decodeCommand, decodeMetadata, encodeReady } from "../../src/codec/command.js"
import { encodeGreeting } from "../../src/codec/greeting.js"
import { ProtocolError } from "../../src/codec/protocol-error.js"
import { acceptRequest, checkResponse, encodeRequest, encodeResponse } from "../../src/transport/ws/handshake.js"
import { ZwsCodec, type ZwsCodecOptions } from "../../src/transport/ws/zws-codec.js"

function codec(opts: ZwsCodecOptions): { c: ZwsCodec; sent: Buffer[]; delivered: Buffer[]; pings: number[] } {
  const sent: Buffer[] = []
  const delivered: Buffer[] = []
  const pings: number[] = []
  const c = new ZwsCodec(
    {
      message: (pieces, size) => {
        const m = Buffer.concat(pieces)
        assert.equal(m.length, size)
        sent.push(m)
      },
      ping: () => pings.push(1),
      deliver: (b) => delivered.push(Buffer.from(b)),
    },
    opts,
  )
  return { c, sent, delivered, pings }
}

/** A short ZMTP frame as the engine writes it (RFC 37 "Framing"). */
function zmtp(flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(flags, body.length), body])
}

void test("bare ZWS2.0: our READY leaves as the routing-id message, the peer's routing id arrives as a READY", () => {
  const { c, sent, delivered } = codec({ mechanism: "NULL", asServer: false, socketType: "DEALER" })
  c.start("ZWS2.0")
  // The engine is handed a NULL greeting, ZMTP 3.0.
  const greeting = delivered.shift()!
  assert.equal(greeting.length, 64)
  assert.equal(greeting.toString("latin1", 12, 16), "NULL")
  assert.equal(greeting[11], 0)
  // The engine's greeting is swallowed; its READY becomes the routing id alone, flags 0.
  const ready = encodeReady([["Socket-Type", "DEALER"], ["Identity", "me"]])
  c.fromEngine(Buffer.concat([encodeGreeting("NULL", false), zmtp(0x04, ready), zmtp(0x01, Buffer.from("a")), zmtp(0, Buffer.from("b"))]))
  assert.deepEqual(sent.map((m) => m.toString("latin1")), ["\x00me", "\x01a", "\x00b"])
  // The peer's first message is its routing id: the engine reads a READY from a ROUTER carrying it.
  c.fromPeer(Buffer.from("\x00peer", "latin1"))
  c.fromPeer(Buffer.from("\x00hello", "latin1"))
  const frame = delivered.shift()!
  assert.equal(frame[0], 0x04)
  const cmd = decodeCommand(frame.subarray(2))
  assert.equal(cmd.name, "READY")
  const meta = decodeMetadata(cmd.data)
  assert.equal(meta.get("socket-type")?.toString(), "ROUTER")
  assert.equal(meta.get("identity")?.toString(), "peer")
  assert.deepEqual(delivered.shift(), zmtp(0, Buffer.from("hello")))
})

void test("bare ZWS2.0: a first message with flags is not a routing id", () => {
  const { c } = codec({ mechanism: "NULL", asServer: false, socketType: "SUB" })
  c.start("ZWS2.0")
  assert.throws(() => c.fromPeer(Buffer.from("\x01x", "latin1")), ProtocolError)
})

void test("ZWS2.0/NULL: READY travels as a command message, PING as a WebSocket ping", () => {
  const { c, sent, delivered, pings } = codec({ mechanism: "NULL", asServer: false, socketType: "PUB" })
  c.start("ZWS2.0/NULL")
  delivered.length = 0
  const ready = encodeReady([["Socket-Type", "PUB"]])
  c.fromEngine(Buffer.concat([encodeGreeting("NULL", false), zmtp(0x04, ready), zmtp(0x04, Buffer.from("\x04PING\x00\x00", "latin1"))]))
  assert.deepEqual(sent, [Buffer.concat([Buffer.of(0x02), ready])])
  assert.equal(pings.length, 1)
  c.fromPeer(Buffer.concat([Buffer.of(0x02), encodeReady([["Socket-Type", "SUB"]])]))
  assert.equal(delivered.shift()![0], 0x04)
})

void test("upgrade: a NULL server accepts bare ZWS2.0 (a browser's only offer), PLAIN and CURVE servers refuse it", () => {
  const key = "dGhlIHNhbXBsZSBub25jZQ=="
  const head = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Protocol: ZWS2.0\r\nSec-WebSocket-Version: 13`
  assert.deepEqual(acceptRequest(head, "NULL"), { key, protocol: "ZWS2.0" })
  assert.throws(() => acceptRequest(head, "PLAIN"), ProtocolError)
  assert.throws(() => acceptRequest(head, "CURVE"), ProtocolError)
  // Our client still offers ZWS2.0/NULL first, as libzmq's does, and takes bare ZWS2.0 if a server picks it.
  const req = encodeRequest("x", "/", key, "NULL").toString("latin1")
  assert.deepEqual(acceptRequest(req.slice(0, req.indexOf("\r\n\r\n")), "NULL"), { key, protocol: "ZWS2.0/NULL" })
  const res = encodeResponse(key, "ZWS2.0").toString("latin1")
  assert.equal(checkResponse(res.slice(0, res.indexOf("\r\n\r\n")), key, "NULL"), "ZWS2.0")
})

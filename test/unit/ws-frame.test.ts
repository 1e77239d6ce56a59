/**
 * The sans-I/O WebSocket layer (src/transport/ws/frame.ts, handshake.ts):
 * RFC 6455 framing and masking, fragment reassembly, the limits checked
 * before buffering, and the ZWS 2.0 upgrade (RFC 45 "Handshake").
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { ProtocolError } from "../../src/codec/protocol-error.js"
import { encodeHeader, FrameParser, maskPayload, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_TEXT } from "../../src/transport/ws/frame.js"
import { acceptKey, acceptRequest, checkResponse, encodeRequest, encodeResponse, HeadReader } from "../../src/transport/ws/handshake.js"

interface Got {
  messages: Buffer[]
  controls: [number, Buffer][]
}

function parser(expectMasked: boolean, maxMessage = -1): { p: FrameParser; got: Got } {
  const got: Got = { messages: [], controls: [] }
  const p = new FrameParser(
    { onMessage: (m) => got.messages.push(Buffer.from(m)), onControl: (op, m) => got.controls.push([op, Buffer.from(m)]) },
    { expectMasked, maxMessage },
  )
  return { p, got }
}

/** One frame as a peer would send it; `fin` false for a fragment. */
function frame(opcode: number, payload: Buffer, mask: number | null, fin = true): Buffer {
  const h = encodeHeader(opcode, payload.length, mask)
  if (!fin) h[0] = h[0]! & 0x7f
  const body = Buffer.from(payload)
  if (mask !== null) maskPayload(payload, body, 0, mask, 0)
  return Buffer.concat([h, body])
}

const isProto = (reason: string) => (err: unknown) => err instanceof ProtocolError && err.reason === reason

void test("RFC 6455 5.7 example: a masked 'Hello' from a client", () => {
  const { p, got } = parser(true)
  p.push(Buffer.from("8185" + "37fa213d" + "7f9f4d5158", "hex").fill(0x82, 0, 1))
  assert.deepEqual(got.messages, [Buffer.from("Hello")])
})

void test("all three length encodings round-trip, masked and not, fed byte by byte", () => {
  for (const size of [0, 125, 126, 65535, 65536, 200_000]) {
    for (const mask of [null, 0xdeadbeef]) {
      const payload = Buffer.alloc(size)
      for (let i = 0; i < size; i++) payload[i] = (i * 7) & 0xff
      const wire = frame(OP_BINARY, payload, mask)
      const { p, got } = parser(mask !== null)
      if (size <= 65536) for (const byte of wire) p.push(Buffer.of(byte))
      else p.push(wire)
      assert.equal(got.messages.length, 1, `size ${size}`)
      assert.ok(got.messages[0]!.equals(payload), `size ${size} mask ${mask}`)
    }
  }
})

void test("a large frame in many chunks is joined once, and frames after it in the same chunk follow", () => {
  const big = Buffer.alloc(1 << 20, 0x5a)
  const wire = Buffer.concat([frame(OP_BINARY, big, null), frame(OP_BINARY, Buffer.from("after"), null)])
  const { p, got } = parser(false)
  for (let at = 0; at < wire.length; at += 65536) p.push(wire.subarray(at, at + 65536))
  assert.equal(got.messages.length, 2)
  assert.ok(got.messages[0]!.equals(big))
  assert.equal(got.messages[1]!.toString(), "after")
})

void test("fragments are reassembled, with a ping between them (RFC 6455 5.4)", () => {
  const { p, got } = parser(true)
  const m = 0x01020304
  p.push(Buffer.concat([frame(OP_BINARY, Buffer.from("\x00ab"), m, false), frame(OP_PING, Buffer.from("hi"), m), frame(OP_CONTINUATION, Buffer.from("cd"), m, false)]))
  p.push(frame(OP_CONTINUATION, Buffer.from("ef"), m))
  assert.deepEqual(got.messages, [Buffer.from("\x00abcdef")])
  assert.deepEqual(got.controls, [[OP_PING, Buffer.from("hi")]])
})

void test("refused: text frames, wrong masking, reserved bits, stray continuations, bad control frames", () => {
  const cases: [string, Buffer, boolean][] = [
    ["text frame", frame(OP_TEXT, Buffer.from("x"), 1), true],
    ["unmasked frame from a client", frame(OP_BINARY, Buffer.from("x"), null), true],
    ["masked frame from a server", frame(OP_BINARY, Buffer.from("x"), 1), false],
    ["reserved bit", Buffer.concat([Buffer.of(0xc2), frame(OP_BINARY, Buffer.from("x"), null).subarray(1)]), false],
    ["continuation first", frame(OP_CONTINUATION, Buffer.from("x"), null), false],
    ["fragmented ping", frame(OP_PING, Buffer.from("x"), null, false), false],
    ["126-octet close", frame(OP_CLOSE, Buffer.alloc(126), null), false],
    ["unknown opcode 3", frame(3, Buffer.from("x"), null), false],
  ]
  for (const [name, wire, masked] of cases) {
    const { p } = parser(masked)
    assert.throws(() => p.push(wire), isProto("EPROTO"), name)
  }
})

void test("lengths are checked against the limit from the header alone, before any payload", () => {
  const { p, got } = parser(false, 1000)
  // A 2^40-octet frame announced in 10 octets: refused at once.
  const head = Buffer.of(0x82, 127, 0, 0, 0x01, 0, 0, 0, 0, 0)
  assert.throws(() => p.push(head), isProto("EMSGSIZE"))
  const q = parser(false, 1000)
  assert.throws(() => q.p.push(Buffer.of(0x82, 127, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)), isProto("EMSGSIZE"))
  // Fragments count together.
  const f = parser(false, 10)
  f.p.push(frame(OP_BINARY, Buffer.alloc(6), null, false))
  assert.throws(() => f.p.push(frame(OP_CONTINUATION, Buffer.alloc(6), null)), isProto("EMSGSIZE"))
  assert.equal(got.messages.length, 0)
})

void test("upgrade: a libzmq-style request is accepted with ZWS2.0/NULL, and the client checks the reply", () => {
  const key = "dGhlIHNhbXBsZSBub25jZQ=="
  // RFC 6455 1.3's worked example.
  assert.equal(acceptKey(key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
  const req = encodeRequest("127.0.0.1:5555", "/zmq", key, "NULL").toString("latin1")
  assert.match(req, /Sec-WebSocket-Protocol: ZWS2\.0\/NULL,ZWS2\.0\r\n/)
  const head = req.slice(0, req.indexOf("\r\n\r\n"))
  assert.deepEqual(acceptRequest(head, "NULL"), { key, protocol: "ZWS2.0/NULL" })
  assert.throws(() => acceptRequest(head, "PLAIN"), ProtocolError)
  const res = encodeResponse(key, "ZWS2.0/NULL").toString("latin1")
  assert.equal(checkResponse(res.slice(0, res.indexOf("\r\n\r\n")), key, "NULL"), "ZWS2.0/NULL")
  assert.throws(() => checkResponse(res.slice(0, res.indexOf("\r\n\r\n")), "b3RoZXIga2V5IDEyMzQ1Ng==", "NULL"), ProtocolError)
})

void test("upgrade: the head is bounded, and bytes after it are handed back", () => {
  const r = new HeadReader()
  assert.equal(r.push(Buffer.from("GET / HTTP/1.1\r\n")), null)
  const got = r.push(Buffer.from("Host: x\r\n\r\n\x82\x00", "latin1"))
  assert.ok(got !== null)
  assert.equal(got.rest.length, 2)
  const slow = new HeadReader()
  assert.throws(() => {
    for (let i = 0; i < 1000; i++) slow.push(Buffer.alloc(100, 0x41))
  }, ProtocolError)
})

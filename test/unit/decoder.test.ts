import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { constants as bufferConstants } from "node:buffer"
import { FRAME_OVERHEAD, FrameDecoder, ProtocolError, type DecoderSink } from "../../src/internal.js"

// ---------------------------------------------------------------------------
// Helpers. Vectors are written out by hand from RFC 37 "Framing"; nothing here
// uses our encoder.
// ---------------------------------------------------------------------------

type Event = { kind: "msg"; frames: Buffer[] } | { kind: "cmd"; body: Buffer }

/** Collects everything the decoder produces; `pauseEvery` makes it return false. */
class Collector implements DecoderSink {
  readonly events: Event[] = []
  constructor(private readonly pause = false) {}
  onMessage(frames: Buffer[]): boolean {
    this.events.push({ kind: "msg", frames })
    return !this.pause
  }
  onCommand(body: Buffer): boolean {
    this.events.push({ kind: "cmd", body })
    return !this.pause
  }
}

/** A comparable, readable form of the decoder's output. */
function show(events: Event[]): string[][] {
  return events.map((e) => (e.kind === "msg" ? ["msg", ...e.frames.map((f) => f.toString("hex"))] : ["cmd", e.body.toString("hex")]))
}

/** A Buffer with its own ArrayBuffer (never from Node's shared pool), so `.buffer` identity means something. */
function own(bytes: ArrayLike<number>): Buffer {
  const b = Buffer.from(new ArrayBuffer(bytes.length))
  for (let i = 0; i < bytes.length; i++) b[i] = bytes[i]!
  return b
}

function ascii(s: string): number[] {
  return [...Buffer.from(s, "ascii")]
}

function pattern(n: number, seed = 0): number[] {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((i * 31 + seed * 7 + 1) & 0xff)
  return out
}

/** 64-bit big-endian size field, written out octet by octet. */
function size64(n: bigint): number[] {
  const out: number[] = []
  for (let i = 7; i >= 0; i--) out.push(Number((n >> BigInt(i * 8)) & 0xffn))
  return out
}

/** Feeds chunks, resuming whenever the sink paused us, and returns what came out. */
function decode(chunks: Buffer[], pause = false, maxFrameSize = -1): { events: Event[]; decoder: FrameDecoder } {
  const sink = new Collector(pause)
  const decoder = new FrameDecoder(sink, maxFrameSize)
  for (const c of chunks) {
    let done = decoder.push(c)
    while (!done) done = decoder.resume()
    assert.equal(decoder.paused, false)
  }
  return { events: sink.events, decoder }
}

function whole(v: number[]): Buffer[] {
  return [own(v)]
}

function splitAt(v: number[], at: number): Buffer[] {
  return [own(v.slice(0, at)), own(v.slice(at))]
}

function byteByByte(v: number[]): Buffer[] {
  return v.map((b) => own([b]))
}

function throwsProtocol(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`)
    assert.equal(err.reason, reason)
    return true
  })
}

// ---------------------------------------------------------------------------
// Codec vectors
// ---------------------------------------------------------------------------

const hello = ascii("hello")
const body255 = pattern(255, 1)
const body256 = pattern(256, 2)
const body300 = pattern(300, 3)

/** READY with Socket-Type=PULL and an empty Identity (RFC 37 "The NULL Security Mechanism"). */
const readyBody = [
  0x05, ...ascii("READY"),
  0x0b, ...ascii("Socket-Type"), 0x00, 0x00, 0x00, 0x04, ...ascii("PULL"),
  0x08, ...ascii("Identity"), 0x00, 0x00, 0x00, 0x00,
]
const pingBody = [0x04, ...ascii("PING"), 0x00, 0x0a, ...ascii("ctx")]

interface Vector {
  name: string
  bytes: number[]
  expect: string[][]
}

const hex = (b: number[]): string => Buffer.from(b).toString("hex")

const vectors: Vector[] = [
  {
    name: "short frame",
    bytes: [0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f],
    expect: [["msg", hex(hello)]],
  },
  {
    name: "long frame (8-octet size)",
    bytes: [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c, ...body300],
    expect: [["msg", hex(body300)]],
  },
  {
    name: "0-byte frame",
    bytes: [0x00, 0x00],
    expect: [["msg", ""]],
  },
  {
    name: "255-byte short frame",
    bytes: [0x00, 0xff, ...body255],
    expect: [["msg", hex(body255)]],
  },
  {
    name: "256-byte long frame",
    bytes: [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, ...body256],
    expect: [["msg", hex(body256)]],
  },
  {
    name: "long frame with a size below 256",
    bytes: [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, ...hello],
    expect: [["msg", hex(hello)]],
  },
  {
    name: "long frame with size 0",
    bytes: [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    expect: [["msg", ""]],
  },
  {
    name: "multipart with MORE flags and empty frames",
    bytes: [
      0x01, 0x00, // empty, MORE
      0x01, 0x03, 0x61, 0x62, 0x63, // "abc", MORE
      0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // empty long frame, MORE
      0x03, ...size64(300n), ...body300, // long, MORE
      0x00, 0x00, // empty, last
    ],
    expect: [["msg", "", hex(ascii("abc")), "", hex(body300), ""]],
  },
  {
    name: "multipart ending in a long frame",
    bytes: [0x01, 0x01, 0x78, 0x02, ...size64(256n), ...body256],
    expect: [["msg", "78", hex(body256)]],
  },
  {
    name: "READY command with metadata",
    bytes: [0x04, readyBody.length, ...readyBody],
    expect: [["cmd", hex(readyBody)]],
  },
  {
    name: "long command frame",
    bytes: [0x06, ...size64(BigInt(readyBody.length)), ...readyBody],
    expect: [["cmd", hex(readyBody)]],
  },
  {
    name: "command between messages",
    bytes: [
      0x00, 0x01, 0x41, // "A"
      0x04, pingBody.length, ...pingBody,
      0x01, 0x01, 0x42, 0x00, 0x00, // "B", ""
      0x04, readyBody.length, ...readyBody,
      0x00, 0x01, 0x43, // "C"
    ],
    expect: [["msg", "41"], ["cmd", hex(pingBody)], ["msg", "42", ""], ["cmd", hex(readyBody)], ["msg", "43"]],
  },
  {
    name: "several messages back to back",
    bytes: [0x00, 0x01, 0x31, 0x00, 0x00, 0x00, 0x02, 0x32, 0x33, 0x02, ...size64(3n), 0x34, 0x35, 0x36],
    expect: [["msg", "31"], ["msg", ""], ["msg", "3233"], ["msg", "343536"]],
  },
]

const allBytes = vectors.flatMap((v) => v.bytes)
const allExpect = vectors.flatMap((v) => v.expect)

void describe("FrameDecoder: codec vectors", () => {
  for (const v of vectors) {
    void test(`${v.name}: whole, split at every offset, byte by byte`, () => {
      assert.deepEqual(show(decode(whole(v.bytes)).events), v.expect, "whole")
      for (let at = 0; at <= v.bytes.length; at++) {
        assert.deepEqual(show(decode(splitAt(v.bytes, at)).events), v.expect, `split at ${at}`)
      }
      assert.deepEqual(show(decode(byteByByte(v.bytes)).events), v.expect, "byte by byte")
    })

    void test(`${v.name}: same output when the sink pauses after every event`, () => {
      assert.deepEqual(show(decode(whole(v.bytes), true).events), v.expect, "whole")
      for (let at = 0; at <= v.bytes.length; at++) {
        assert.deepEqual(show(decode(splitAt(v.bytes, at), true).events), v.expect, `split at ${at}`)
      }
      assert.deepEqual(show(decode(byteByByte(v.bytes), true).events), v.expect, "byte by byte")
    })
  }

  void test("all vectors concatenated: whole, every split, byte by byte, paused or not", () => {
    for (const pause of [false, true]) {
      assert.deepEqual(show(decode(whole(allBytes), pause).events), allExpect)
      for (let at = 0; at <= allBytes.length; at++) {
        assert.deepEqual(show(decode(splitAt(allBytes, at), pause).events), allExpect, `split at ${at}`)
      }
      assert.deepEqual(show(decode(byteByByte(allBytes), pause).events), allExpect)
    }
  })

  void test("empty chunks are harmless anywhere", () => {
    const chunks: Buffer[] = [own([])]
    for (const b of allBytes) chunks.push(own([b]), own([]))
    assert.deepEqual(show(decode(chunks).events), allExpect)
  })

  void test("a large frame (over 1 MiB) spanning many chunks is reassembled exactly", () => {
    const n = (1 << 20) * 2 + 12345
    const body = Buffer.alloc(n)
    for (let i = 0; i < n; i++) body[i] = (i * 7 + (i >>> 8)) & 0xff
    const header = [0x01, 0x01, 0x7a, 0x03, ...size64(BigInt(n))]
    const stream = Buffer.concat([Buffer.from(header), body, Buffer.from([0x00, 0x00])])
    for (const step of [1000, 65536, 777_777]) {
      const chunks: Buffer[] = []
      for (let off = 0; off < stream.length; off += step) chunks.push(stream.subarray(off, off + step))
      const { events } = decode(chunks)
      assert.equal(events.length, 1)
      const e = events[0]!
      assert.equal(e.kind, "msg")
      if (e.kind !== "msg") return
      assert.equal(e.frames.length, 3)
      assert.equal(e.frames[0]!.toString(), "z")
      assert.ok(e.frames[1]!.equals(body), `body differs with step ${step}`)
      assert.equal(e.frames[2]!.length, 0)
    }
  })

  void test("midMessage tracks partial frames and unfinished multipart messages", () => {
    const dec = new FrameDecoder(new Collector())
    assert.equal(dec.midMessage, false)
    dec.push(own([0x00]))
    assert.equal(dec.midMessage, true, "flags read, size pending")
    dec.push(own([0x02, 0x61]))
    assert.equal(dec.midMessage, true, "body pending")
    dec.push(own([0x62]))
    assert.equal(dec.midMessage, false)
    dec.push(own([0x01, 0x00]))
    assert.equal(dec.midMessage, true, "MORE frame received")
    dec.push(own([0x00, 0x00]))
    assert.equal(dec.midMessage, false)
  })
})

// ---------------------------------------------------------------------------
// Zero-copy
// ---------------------------------------------------------------------------

void describe("FrameDecoder: zero-copy", () => {
  void test("frames wholly inside one chunk are views of that chunk", () => {
    const chunk = own([0x01, 0x03, 0x61, 0x62, 0x63, 0x03, ...size64(300n), ...body300, 0x00, 0x02, 0x64, 0x65])
    const { events } = decode([chunk])
    assert.equal(events.length, 1)
    const e = events[0]!
    assert.ok(e.kind === "msg")
    const [a, b, c] = e.frames
    assert.ok(a && b && c)
    for (const f of [a, b, c]) assert.equal(f.buffer, chunk.buffer)
    assert.equal(a.byteOffset, chunk.byteOffset + 2)
    assert.equal(b.byteOffset, chunk.byteOffset + 5 + 9)
    assert.equal(c.byteOffset, chunk.byteOffset + 5 + 9 + 300 + 2)
    // A view, really: writing to the chunk shows through.
    chunk[2] = 0x41
    assert.equal(a.toString(), "Abc")
  })

  void test("a command wholly inside one chunk is a view of it", () => {
    const chunk = own([0x04, readyBody.length, ...readyBody])
    const { events } = decode([chunk])
    const e = events[0]!
    assert.ok(e.kind === "cmd")
    assert.equal(e.body.buffer, chunk.buffer)
  })

  void test("a frame spanning chunks is a copy, and the decoder returns to views afterwards", () => {
    const bytes = [0x01, 0x05, ...hello, 0x00, 0x03, 0x78, 0x79, 0x7a]
    // Split inside the first frame's body, inside its header, and right after its flags.
    for (const at of [4, 1, 2]) {
      const [c1, c2] = splitAt(bytes, at)
      assert.ok(c1 && c2)
      const { events } = decode([c1, c2])
      const e = events[0]!
      assert.ok(e.kind === "msg")
      const [first, second] = e.frames
      assert.ok(first && second)
      assert.equal(first.toString(), "hello")
      assert.notEqual(first.buffer, c1.buffer, `split at ${at}`)
      assert.notEqual(first.buffer, c2.buffer, `split at ${at}`)
      // The next frame lies wholly inside the second chunk.
      assert.equal(second.buffer, c2.buffer, `split at ${at}`)
      assert.equal(second.toString(), "xyz")
      // The copy does not change when the chunks are reused.
      c1.fill(0)
      c2.fill(0x20)
      assert.equal(first.toString(), "hello")
      assert.equal(second.toString(), "   ")
    }
  })

  void test("a zero-length frame inside a chunk is delivered as an empty view", () => {
    const chunk = own([0x00, 0x00])
    const e = decode([chunk]).events[0]!
    assert.ok(e.kind === "msg")
    assert.equal(e.frames[0]!.length, 0)
  })
})

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

void describe("FrameDecoder: errors", () => {
  void test("a size above maxFrameSize throws EMSGSIZE as soon as the size is known (short frame)", () => {
    // Only the header: the body never arrives.
    throwsProtocol(() => new FrameDecoder(new Collector(), 100).push(own([0x00, 101])), "EMSGSIZE")
    // Header split: no error after the flags, error once the size octet arrives.
    const dec = new FrameDecoder(new Collector(), 100)
    assert.equal(dec.push(own([0x00])), true)
    throwsProtocol(() => dec.push(own([101])), "EMSGSIZE")
  })

  void test("a size above maxFrameSize throws EMSGSIZE as soon as the size is known (long frame)", () => {
    const header = [0x02, ...size64(101n)]
    throwsProtocol(() => new FrameDecoder(new Collector(), 100).push(own(header)), "EMSGSIZE")
    const dec = new FrameDecoder(new Collector(), 100)
    for (let i = 0; i < header.length - 1; i++) assert.equal(dec.push(own([header[i]!])), true, `octet ${i}`)
    throwsProtocol(() => dec.push(own([header[header.length - 1]!])), "EMSGSIZE")
  })

  void test("maxFrameSize applies to commands and to each frame, not to the message", () => {
    throwsProtocol(() => new FrameDecoder(new Collector(), 10).push(own([0x04, 11])), "EMSGSIZE")
    const { events } = decode([own([0x01, 10, ...pattern(10), 0x01, 10, ...pattern(10), 0x00, 10, ...pattern(10)])], false, 10)
    assert.equal(events.length, 1)
  })

  void test("a frame of exactly maxFrameSize is accepted; maxFrameSize 0 allows only empty frames", () => {
    assert.deepEqual(show(decode([own([0x00, 100, ...pattern(100)])], false, 100).events), [["msg", hex(pattern(100))]])
    assert.deepEqual(show(decode([own([0x00, 0x00])], false, 0).events), [["msg", ""]])
    throwsProtocol(() => new FrameDecoder(new Collector(), 0).push(own([0x00, 0x01])), "EMSGSIZE")
  })

  void test("a 64-bit size with the high bit set throws", () => {
    for (const max of [-1, 1000]) {
      throwsProtocol(() => new FrameDecoder(new Collector(), max).push(own([0x02, ...size64(1n << 63n)])), "EMSGSIZE")
      // High bit plus a tiny low part: must not be masked down to 5.
      throwsProtocol(() => new FrameDecoder(new Collector(), max).push(own([0x02, ...size64((1n << 63n) | 5n), ...hello])), "EMSGSIZE")
    }
  })

  void test("a size of 2^64-1 throws", () => {
    for (const max of [-1, 1000]) {
      throwsProtocol(() => new FrameDecoder(new Collector(), max).push(own([0x02, ...size64((1n << 64n) - 1n)])), "EMSGSIZE")
      const dec = new FrameDecoder(new Collector(), max)
      const header = [0x02, ...size64((1n << 64n) - 1n)]
      for (let i = 0; i < 8; i++) dec.push(own([header[i]!]))
      throwsProtocol(() => dec.push(own([header[8]!])), "EMSGSIZE")
    }
  })

  void test("sizes are not truncated: 2^53+1, 2^32+5 and 2^53 are never read as something small", () => {
    const cases = [(1n << 53n) + 1n, 1n << 53n, (1n << 32n) + 5n, (1n << 40n) + 5n]
    for (const n of cases) {
      // A limit of 1000: any truncation to a small number would slip under it.
      throwsProtocol(() => new FrameDecoder(new Collector(), 1000).push(own([0x02, ...size64(n), ...hello])), "EMSGSIZE")
    }
    // No limit: 2^53 and above cannot be held, so they are refused too.
    throwsProtocol(() => new FrameDecoder(new Collector(), -1).push(own([0x02, ...size64((1n << 53n) + 1n)])), "EMSGSIZE")
    throwsProtocol(() => new FrameDecoder(new Collector(), -1).push(own([0x02, ...size64(1n << 53n)])), "EMSGSIZE")
  })

  void test("a size just above Node's Buffer limit throws", () => {
    const limit = BigInt(bufferConstants.MAX_LENGTH)
    throwsProtocol(() => new FrameDecoder(new Collector(), -1).push(own([0x02, ...size64(limit + 1n)])), "EMSGSIZE")
    // Also when the header comes in pieces.
    const dec = new FrameDecoder(new Collector(), -1)
    const header = [0x02, ...size64(limit + 1n)]
    dec.push(own(header.slice(0, 4)))
    throwsProtocol(() => dec.push(own(header.slice(4))), "EMSGSIZE")
  })

  void test("a size of exactly Node's Buffer limit is accepted without allocating it", () => {
    const before = process.memoryUsage().arrayBuffers
    const dec = new FrameDecoder(new Collector(), -1)
    assert.equal(dec.push(own([0x02, ...size64(BigInt(bufferConstants.MAX_LENGTH)), 1, 2, 3])), true)
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024)
    assert.equal(dec.midMessage, true)
  })

  void test("a huge declared size followed by a few bytes does not allocate the declared size", () => {
    const GiB = 1024 * 1024 * 1024
    for (const split of [false, true]) {
      const before = process.memoryUsage().arrayBuffers
      const sink = new Collector()
      const dec = new FrameDecoder(sink, -1)
      const header = [0x02, ...size64(BigInt(GiB))]
      if (split) {
        for (const b of header) dec.push(own([b]))
      } else {
        dec.push(own(header))
      }
      for (let i = 0; i < 4; i++) dec.push(own(pattern(16, i)))
      const grown = process.memoryUsage().arrayBuffers - before
      assert.ok(grown < 64 * 1024 * 1024, `arrayBuffers grew by ${grown} bytes`)
      assert.equal(sink.events.length, 0)
      assert.equal(dec.midMessage, true)
    }
  })

  void test("message budget: an endless MORE chain of empty frames is cut off with ENOBUFS", () => {
    const budget = 64 * 1024
    const n = budget / FRAME_OVERHEAD + 1
    const chain = Buffer.alloc(n * 2)
    for (let i = 0; i < n; i++) chain[i * 2] = 0x01
    const sink = new Collector()
    throwsProtocol(() => new FrameDecoder(sink, -1, budget).push(chain), "ENOBUFS")
    assert.equal(sink.events.length, 0)
  })

  void test("message budget: a message costing exactly the budget is accepted", () => {
    const budget = 64 * 1024
    const n = budget / FRAME_OVERHEAD
    const bytes = Buffer.alloc(n * 2)
    for (let i = 0; i < n - 1; i++) bytes[i * 2] = 0x01
    const sink = new Collector()
    new FrameDecoder(sink, -1, budget).push(bytes)
    assert.equal(sink.events.length, 1)
    const e = sink.events[0]!
    assert.ok(e.kind === "msg")
    assert.equal(e.frames.length, n)
  })

  void test("message budget: one frame more is rejected at its header, before its body arrives", () => {
    const budget = 4096
    // 3 frames of 1000 bytes (3 x 1128 = 3384), then a frame claiming 600 (+128 > 4096).
    // Flags 0x03: MORE and a long (8-octet) size.
    const parts = [0, 1, 2].map(() => Buffer.concat([Buffer.of(0x03, 0, 0, 0, 0, 0, 0, 0x03, 0xe8), Buffer.alloc(1000)]))
    const sink = new Collector()
    const dec = new FrameDecoder(sink, -1, budget)
    dec.push(Buffer.concat(parts))
    throwsProtocol(() => dec.push(Buffer.of(0x02, 0, 0, 0, 0, 0, 0, 0x02, 0x58)), "ENOBUFS")
    assert.equal(sink.events.length, 0)
  })

  void test("message budget: with no budget, 100,000 frames make one message (libzmq sets no frame cap)", () => {
    const n = 100_000
    const bytes = Buffer.alloc(n * 2)
    for (let i = 0; i < n - 1; i++) bytes[i * 2] = 0x01
    const { events } = decode([bytes])
    assert.equal(events.length, 1)
    const e = events[0]!
    assert.ok(e.kind === "msg")
    assert.equal(e.frames.length, n)
  })

  void test("message budget: commands are not counted against it", () => {
    const sink = new Collector()
    const cmd = Buffer.concat([Buffer.of(0x04, 200), Buffer.alloc(200)])
    new FrameDecoder(sink, -1, 256).push(Buffer.concat([cmd, cmd, cmd]))
    assert.equal(sink.events.length, 3)
  })
})

// ---------------------------------------------------------------------------
// Pause / resume
// ---------------------------------------------------------------------------

void describe("FrameDecoder: pause and resume", () => {
  const three = [
    0x01, 0x01, 0x61, 0x00, 0x01, 0x62, // ["a", "b"]
    0x00, 0x00, // [""]
    0x02, ...size64(3n), 0x63, 0x64, 0x65, // ["cde"]
  ]

  void test("a sink returning false pauses; resume() continues from the exact byte", () => {
    const sink = new Collector(true)
    const dec = new FrameDecoder(sink)
    const chunk = own(three)

    assert.equal(dec.push(chunk), false)
    assert.equal(dec.paused, true)
    assert.deepEqual(show(sink.events), [["msg", "61", "62"]])
    assert.throws(() => dec.push(own([0x00, 0x00])), /paused/)

    assert.equal(dec.resume(), false)
    assert.equal(dec.paused, true)
    assert.deepEqual(show(sink.events), [["msg", "61", "62"], ["msg", ""]])

    assert.equal(dec.resume(), false)
    // The last message ended the chunk: nothing is held any more.
    assert.equal(dec.paused, false)
    assert.deepEqual(show(sink.events), [["msg", "61", "62"], ["msg", ""], ["msg", "636465"]])
    // Frames delivered before and after the pauses are still views of the chunk.
    for (const e of sink.events) if (e.kind === "msg") for (const f of e.frames) assert.equal(f.buffer, chunk.buffer)

    assert.equal(dec.resume(), true)
    assert.equal(sink.events.length, 3)
    // And the decoder takes more input.
    assert.equal(dec.push(own([0x00, 0x01, 0x66])), false)
    assert.deepEqual(show(sink.events).at(-1), ["msg", "66"])
  })

  void test("resume() without a pause is a no-op returning true", () => {
    const sink = new Collector()
    const dec = new FrameDecoder(sink)
    assert.equal(dec.resume(), true)
    assert.equal(dec.paused, false)
    assert.equal(sink.events.length, 0)
  })

  void test("pausing before a message that spans into the next chunk", () => {
    const sink = new Collector(true)
    const dec = new FrameDecoder(sink)
    // "x", then the first part of "hello".
    assert.equal(dec.push(own([0x00, 0x01, 0x78, 0x00, 0x05, 0x68, 0x65])), false)
    assert.equal(dec.paused, true)
    assert.equal(sink.events.length, 1)
    assert.equal(dec.resume(), true, "rest of the chunk consumed without delivering")
    assert.equal(dec.paused, false)
    assert.equal(sink.events.length, 1)
    assert.equal(dec.push(own([0x6c, 0x6c, 0x6f, 0x00, 0x00])), false)
    assert.deepEqual(show(sink.events), [["msg", "78"], ["msg", hex(hello)]])
    assert.equal(dec.paused, true)
    assert.equal(dec.resume(), false)
    assert.deepEqual(show(sink.events).at(-1), ["msg", ""])
  })

  void test("a command's sink returning false pauses too", () => {
    const sink = new Collector(true)
    const dec = new FrameDecoder(sink)
    assert.equal(dec.push(own([0x04, pingBody.length, ...pingBody, 0x00, 0x01, 0x7a])), false)
    assert.deepEqual(show(sink.events), [["cmd", hex(pingBody)]])
    assert.equal(dec.paused, true)
    assert.equal(dec.resume(), false)
    assert.deepEqual(show(sink.events), [["cmd", hex(pingBody)], ["msg", "7a"]])
  })

  void test("pausing on an empty frame completed from a split header", () => {
    const sink = new Collector(true)
    const dec = new FrameDecoder(sink)
    assert.equal(dec.push(own([0x02, 0, 0, 0])), true)
    // The rest of the size (0) and another frame in the same chunk.
    assert.equal(dec.push(own([0, 0, 0, 0, 0, 0x00, 0x01, 0x71])), false)
    assert.equal(dec.paused, true)
    assert.deepEqual(show(sink.events), [["msg", ""]])
    assert.equal(dec.resume(), false)
    assert.deepEqual(show(sink.events), [["msg", ""], ["msg", "71"]])
  })
})

/**
 * Reading in place: a transport that chooses where its reads land asks
 * bodyTarget() for the rest of a large body and reports with bodyFilled()
 * (src/transport/direct-read.ts). Here the "reads" are copies into the target.
 */
void describe("FrameDecoder: bodies read in place", () => {
  /** Delivers `bytes` as a transport would: into the target while there is one, else as chunks of `chunk` bytes. */
  function feed(dec: FrameDecoder, bytes: Buffer, min: number, chunk: number, step = Infinity): Buffer[] {
    const targets: Buffer[] = []
    let off = 0
    while (off < bytes.length) {
      const target = dec.bodyTarget(min)
      if (target !== null) {
        targets.push(target)
        const n = Math.min(target.length, bytes.length - off, step)
        bytes.copy(target, 0, off, off + n)
        off += n
        let done = dec.bodyFilled(n)
        while (!done) done = dec.resume()
      } else {
        const n = Math.min(chunk, bytes.length - off)
        let done = dec.push(bytes.subarray(off, off + n))
        off += n
        while (!done) done = dec.resume()
      }
    }
    return targets
  }

  const frame = (flags: number, body: number[]): number[] =>
    body.length > 255 ? [flags | 0x02, ...size64(BigInt(body.length)), ...body] : [flags, body.length, ...body]

  void test("a large body lands in its own buffer, which is the frame delivered", () => {
    const body = pattern(200_000, 3)
    const wire = own([...frame(0x01, pattern(10, 1)), ...frame(0x00, body), ...frame(0x00, [0x61])])
    const sink = new Collector()
    const dec = new FrameDecoder(sink)
    const targets = feed(dec, wire, 1024, 4096, 50_000)
    assert.deepEqual(show(sink.events), [["msg", hex(pattern(10, 1)), hex(body)], ["msg", "61"]])
    assert.ok(targets.length >= 2, "the body was read in place, in several reads")
    const delivered = (sink.events[0] as { frames: Buffer[] }).frames[1]!
    for (const t of targets) assert.equal(t.buffer, delivered.buffer, "every read went into the delivered frame's memory")
  })

  void test("no target between frames, for a short rest, or while paused", () => {
    const sink = new Collector(true)
    const dec = new FrameDecoder(sink)
    assert.equal(dec.bodyTarget(1), null, "between frames")
    assert.equal(dec.push(own([0x02, ...size64(5000n), 1, 2, 3])), true)
    assert.equal(dec.bodyTarget(5000), null, "4997 bytes missing, fewer than asked for")
    assert.equal(dec.bodyTarget(4997)?.length, 4997)
    // A chunk that completes the body (sink pauses) and starts another frame.
    assert.equal(dec.push(own([...pattern(4997), 0x00, 0x03, 1])), false)
    assert.equal(dec.paused, true)
    assert.equal(dec.bodyTarget(1), null, "paused")
    assert.equal(dec.resume(), true)
    assert.equal(dec.bodyTarget(1)?.length, 2, "the rest of the 3-byte frame")
  })

  void test("bodyFilled without a target, or after a push, is refused", () => {
    const dec = new FrameDecoder(new Collector())
    assert.throws(() => dec.bodyFilled(1))
    dec.push(own([0x02, ...size64(100_000n), 1]))
    assert.notEqual(dec.bodyTarget(1), null)
    dec.push(own([2]))
    assert.throws(() => dec.bodyFilled(1), "the target was invalidated by push()")
  })

  void test("a body above the preallocation limit is read in bounded pieces and joined", () => {
    const size = 3 * 1024 * 1024 + 17
    const body = Buffer.alloc(size)
    for (let i = 0; i < size; i++) body[i] = (i * 7 + 3) & 0xff
    const wire = Buffer.concat([own([0x02, ...size64(BigInt(size))]), body])
    const sink = new Collector()
    const dec = new FrameDecoder(sink)
    const targets = feed(dec, wire, 1024, 9, 300_000)
    assert.equal(sink.events.length, 1)
    assert.ok((sink.events[0] as { frames: Buffer[] }).frames[0]!.equals(body))
    // Each piece is at most max(1 MiB, bytes received before it).
    for (const t of targets) assert.ok(t.length <= Math.max(1 << 20, size), `target of ${t.length}`)
  })

  void test("a huge declared size hands out at most 1 MiB before bytes arrive", () => {
    const before = process.memoryUsage().arrayBuffers
    const dec = new FrameDecoder(new Collector(), -1)
    dec.push(own([0x02, ...size64(BigInt(bufferConstants.MAX_LENGTH)), 1, 2, 3]))
    const target = dec.bodyTarget(1)
    assert.equal(target?.length, 1 << 20)
    // Half a piece arrives: the same piece is offered again, nothing new allocated.
    assert.equal(dec.bodyFilled(1000), true)
    assert.equal(dec.bodyTarget(1)?.length, (1 << 20) - 1000)
    assert.equal(dec.bodyTarget(1)?.buffer, target?.buffer)
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024)
  })

  void test("pieces and pushed chunks mixed within one gathered body", () => {
    const size = (1 << 20) + 5000
    const body = Buffer.alloc(size)
    for (let i = 0; i < size; i++) body[i] = (i * 13 + 1) & 0xff
    const wire = Buffer.concat([own([0x02, ...size64(BigInt(size))]), body, own([0x00, 0x01, 0x7a])])
    const sink = new Collector()
    const dec = new FrameDecoder(sink)
    let off = 0
    let turn = 0
    while (off < wire.length) {
      // Alternate: a small push, then a read into the target if there is one.
      const target = turn++ % 2 === 1 ? dec.bodyTarget(1) : null
      if (target !== null) {
        const n = Math.min(target.length, 70_000, wire.length - off)
        wire.copy(target, 0, off, off + n)
        off += n
        dec.bodyFilled(n)
      } else {
        const n = Math.min(40_000, wire.length - off)
        dec.push(wire.subarray(off, off + n))
        off += n
      }
    }
    assert.equal(sink.events.length, 2)
    assert.ok((sink.events[0] as { frames: Buffer[] }).frames[0]!.equals(body))
    assert.deepEqual(show(sink.events.slice(1)), [["msg", "7a"]])
  })
})

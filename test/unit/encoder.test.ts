import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { FrameDecoder, FrameEncoder, type DecoderSink } from "../../src/internal.js"

/** mulberry32: a tiny seeded PRNG, so every run encodes the same "random" traffic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function int(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1))
}

function bytesOf(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff
  return b
}

function hexOf(out: Buffer[]): string {
  return Buffer.concat(out).toString("hex")
}

function h(bytes: number[]): string {
  return Buffer.from(bytes).toString("hex")
}

function size64(n: number): number[] {
  const out: number[] = []
  let v = BigInt(n)
  for (let i = 0; i < 8; i++) {
    out.unshift(Number(v & 0xffn))
    v >>= 8n
  }
  return out
}

void describe("FrameEncoder: framing", () => {
  void test("a short single-frame message: flags 0x00, one-octet size", () => {
    const enc = new FrameEncoder()
    enc.encodeMessage([Buffer.from("abc")])
    assert.equal(hexOf(enc.take()), h([0x00, 0x03, 0x61, 0x62, 0x63]))
  })

  void test("an empty frame", () => {
    const enc = new FrameEncoder()
    enc.encodeMessage([Buffer.alloc(0)])
    assert.equal(hexOf(enc.take()), h([0x00, 0x00]))
  })

  void test("MORE on every frame but the last, LONG above 255 octets", () => {
    const big = bytesOf(300, 1)
    const enc = new FrameEncoder()
    enc.encodeMessage([Buffer.from("a"), Buffer.alloc(0), big, Buffer.from("z")])
    const expected = [
      0x01, 0x01, 0x61,
      0x01, 0x00,
      0x03, ...size64(300), ...big,
      0x00, 0x01, 0x7a,
    ]
    assert.equal(hexOf(enc.take()), h(expected))
  })

  void test("the last frame of a message may be long: flags 0x02", () => {
    const big = bytesOf(256, 2)
    const enc = new FrameEncoder()
    enc.encodeMessage([Buffer.from("a"), big])
    assert.equal(hexOf(enc.take()), h([0x01, 0x01, 0x61, 0x02, ...size64(256), ...big]))
  })

  void test("255 octets is a short frame, 256 a long one", () => {
    const b255 = bytesOf(255, 3)
    const b256 = bytesOf(256, 4)
    const enc = new FrameEncoder()
    enc.encodeMessage([b255])
    enc.encodeMessage([b256])
    assert.equal(hexOf(enc.take()), h([0x00, 0xff, ...b255, 0x02, ...size64(256), ...b256]))
  })

  void test("commands: COMMAND flag, short and long, never MORE", () => {
    const small = Buffer.from([0x04, ...Buffer.from("PING"), 0x00, 0x0a])
    const large = Buffer.concat([Buffer.from([0x05, ...Buffer.from("READY")]), bytesOf(400, 5)])
    const enc = new FrameEncoder()
    enc.encodeCommand(small)
    enc.encodeCommand(large)
    assert.equal(hexOf(enc.take()), h([0x04, small.length, ...small, 0x06, ...size64(large.length), ...large]))
  })

  void test("encodeFrame with explicit flags", () => {
    const enc = new FrameEncoder()
    enc.encodeFrame(Buffer.from("q"), 0x01)
    enc.encodeFrame(bytesOf(256, 6), 0x01)
    const out = Buffer.concat(enc.take())
    assert.equal(out[0], 0x01)
    assert.equal(out[3], 0x03)
  })

  void test("encodeRaw keeps its place in the byte stream", () => {
    const greeting = Buffer.alloc(64, 0xee)
    const enc = new FrameEncoder()
    enc.encodeMessage([Buffer.from("x")])
    enc.encodeRaw(greeting)
    enc.encodeMessage([Buffer.from("y")])
    assert.equal(hexOf(enc.take()), h([0x00, 0x01, 0x78, ...greeting, 0x00, 0x01, 0x79]))
  })

  void test("pendingBytes counts everything not yet taken", () => {
    const enc = new FrameEncoder()
    assert.equal(enc.pendingBytes, 0)
    enc.encodeMessage([Buffer.from("abc")])
    assert.equal(enc.pendingBytes, 5)
    enc.encodeMessage([bytesOf(10000, 7)])
    assert.equal(enc.pendingBytes, 5 + 9 + 10000)
    enc.encodeRaw(Buffer.alloc(64))
    assert.equal(enc.pendingBytes, 5 + 9 + 10000 + 64)
    const out = enc.take()
    assert.equal(Buffer.concat(out).length, 5 + 9 + 10000 + 64)
    assert.equal(enc.pendingBytes, 0)
    assert.deepEqual(enc.take(), [])
  })
})

void describe("FrameEncoder: copying and references", () => {
  void test("bodies of 8 KiB and more are passed by reference", () => {
    const big = bytesOf(8 * 1024, 8)
    const enc = new FrameEncoder()
    enc.encodeMessage([Buffer.from("head"), big, Buffer.from("tail")])
    const out = enc.take()
    assert.ok(out.some((b) => b === big), "the very Buffer appears in the output")
    // Order is kept around it: header, body, next frame.
    const i = out.indexOf(big)
    assert.equal(hexOf(out.slice(0, i)), h([0x01, 0x04, ...Buffer.from("head"), 0x03, ...size64(8192)]))
    assert.equal(hexOf(out.slice(i + 1)), h([0x00, 0x04, ...Buffer.from("tail")]))
    // A reference, so later writes to it show (documented: large bodies are never copied).
    big[0] = 0xaa
    assert.equal(out[i]![0], 0xaa)
  })

  void test("bodies just under 8 KiB are copied into the batch", () => {
    const body = bytesOf(8 * 1024 - 1, 9)
    const enc = new FrameEncoder()
    enc.encodeMessage([body])
    const out = enc.take()
    assert.ok(out.every((b) => b !== body))
    assert.ok(out.every((b) => b.buffer !== body.buffer))
    const snapshot = hexOf(out)
    body.fill(0)
    assert.equal(hexOf(out), snapshot, "copied: the caller may reuse its buffer")
  })

  void test("small frames are packed into one buffer", () => {
    const enc = new FrameEncoder()
    for (let i = 0; i < 100; i++) enc.encodeMessage([Buffer.from(`m${i}`), bytesOf(i, i)])
    const out = enc.take()
    assert.equal(out.length, 1)
    let expected: number[] = []
    for (let i = 0; i < 100; i++) {
      const a = [...Buffer.from(`m${i}`)]
      expected = expected.concat([0x01, a.length, ...a, 0x00, i, ...bytesOf(i, i)])
    }
    assert.equal(hexOf(out), h(expected))
  })

  void test("buffers already taken are never overwritten by later encoding", () => {
    const enc = new FrameEncoder()
    for (let i = 0; i < 50; i++) enc.encodeMessage([bytesOf(100, i)])
    const first = enc.take()
    const snapshot = hexOf(first)
    // Enough small frames to fill the rest of the scratch area and more.
    for (let i = 0; i < 2000; i++) enc.encodeMessage([bytesOf(200, 255 - (i & 0xff))])
    const second = enc.take()
    assert.equal(hexOf(first), snapshot)
    assert.equal(Buffer.concat(second).length, 2000 * 202)
  })
})

// ---------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------

type Item = { kind: "msg"; frames: Buffer[] } | { kind: "cmd"; body: Buffer }

class Collector implements DecoderSink {
  readonly items: Item[] = []
  onMessage(frames: Buffer[]): boolean {
    this.items.push({ kind: "msg", frames })
    return true
  }
  onCommand(body: Buffer): boolean {
    this.items.push({ kind: "cmd", body })
    return true
  }
}

function show(items: Item[]): string[][] {
  return items.map((e) => (e.kind === "msg" ? ["msg", ...e.frames.map((f) => f.toString("hex"))] : ["cmd", e.body.toString("hex")]))
}

function randomSize(rand: () => number): number {
  const r = rand()
  if (r < 0.1) return 0
  if (r < 0.6) return int(rand, 1, 255)
  if (r < 0.75) return int(rand, 250, 260)
  if (r < 0.95) return int(rand, 256, 9000)
  return int(rand, 60_000, 140_000)
}

function randomBuffer(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0
  return b
}

function randomTraffic(rand: () => number, count: number): Item[] {
  const items: Item[] = []
  for (let i = 0; i < count; i++) {
    if (rand() < 0.1) {
      items.push({ kind: "cmd", body: randomBuffer(rand, int(rand, 1, 300)) })
    } else {
      const n = int(rand, 1, 5)
      const frames: Buffer[] = []
      for (let j = 0; j < n; j++) frames.push(randomBuffer(rand, randomSize(rand)))
      items.push({ kind: "msg", frames })
    }
  }
  return items
}

function encodeAll(items: Item[]): Buffer[] {
  const enc = new FrameEncoder()
  const out: Buffer[] = []
  for (const [i, item] of items.entries()) {
    if (item.kind === "msg") enc.encodeMessage(item.frames)
    else enc.encodeCommand(item.body)
    // Take now and then, as the engine does after each flush.
    if (i % 17 === 16) out.push(...enc.take())
  }
  out.push(...enc.take())
  return out
}

function rechunk(rand: () => number, stream: Buffer, maxChunk: number): Buffer[] {
  const chunks: Buffer[] = []
  let off = 0
  while (off < stream.length) {
    const n = int(rand, 1, maxChunk)
    chunks.push(stream.subarray(off, off + n))
    off += n
  }
  return chunks
}

function decodeAll(chunks: Buffer[]): Item[] {
  const sink = new Collector()
  const dec = new FrameDecoder(sink)
  for (const c of chunks) assert.equal(dec.push(c), true)
  assert.equal(dec.midMessage, false)
  return sink.items
}

void describe("FrameEncoder → FrameDecoder round trip", () => {
  for (const seed of [1, 2, 3, 0xdecade, 0xc0ffee]) {
    void test(`random messages and commands, seed ${seed}`, () => {
      const rand = mulberry32(seed)
      const items = randomTraffic(rand, 300)
      const expected = show(items)
      const encoded = encodeAll(items)
      // As the encoder handed the buffers over.
      assert.deepEqual(show(decodeAll(encoded)), expected)
      const stream = Buffer.concat(encoded)
      // Random chunk sizes, small and large.
      for (const maxChunk of [7, 300, 5000, 100_000]) {
        assert.deepEqual(show(decodeAll(rechunk(rand, stream, maxChunk))), expected, `chunks up to ${maxChunk}`)
      }
    })
  }

  void test("byte-by-byte decoding of a random small stream", () => {
    const rand = mulberry32(42)
    const items: Item[] = []
    for (let i = 0; i < 40; i++) {
      const frames: Buffer[] = []
      for (let j = int(rand, 1, 3); j > 0; j--) frames.push(randomBuffer(rand, int(rand, 0, 300)))
      items.push({ kind: "msg", frames })
    }
    const stream = Buffer.concat(encodeAll(items))
    const chunks: Buffer[] = []
    for (let i = 0; i < stream.length; i++) chunks.push(stream.subarray(i, i + 1))
    assert.deepEqual(show(decodeAll(chunks)), show(items))
  })
})

void describe("FrameEncoder: encodeSmall (a small message copied into the batch at send())", () => {
  void test("the same bytes as encodeMessage for 0 to 128 octets, Buffers and plain Uint8Arrays", () => {
    for (const n of [0, 1, 2, 63, 64, 65, 127, 128]) {
      const body = bytesOf(n, n)
      const viaMessage = new FrameEncoder()
      viaMessage.encodeMessage([body])
      const viaSmall = new FrameEncoder()
      viaSmall.encodeSmall(new Uint8Array(body))
      assert.equal(hexOf(viaSmall.take()), hexOf(viaMessage.take()), `${n} octets`)
    }
  })

  void test("copies the body: changing the caller's buffer afterwards changes nothing sent", () => {
    const body = Buffer.from("abcd")
    const enc = new FrameEncoder()
    enc.encodeSmall(body)
    body.fill(0x7a)
    enc.encodeSmall(body)
    assert.equal(hexOf(enc.take()), h([0x00, 0x04, 0x61, 0x62, 0x63, 0x64, 0x00, 0x04, 0x7a, 0x7a, 0x7a, 0x7a]))
  })

  void test("keeps its place among other frames, across batch boundaries", () => {
    const enc = new FrameEncoder()
    const expected = new FrameEncoder()
    const big = bytesOf(10_000, 9)
    for (let i = 0; i < 5_000; i++) {
      const small = bytesOf(i % 129, i)
      enc.encodeSmall(small)
      expected.encodeMessage([small])
      if (i % 1000 === 0) {
        enc.encodeMessage([Buffer.from("x"), big])
        expected.encodeMessage([Buffer.from("x"), big])
      }
    }
    const got = enc.take()
    assert.ok(got.length > 2, "the batch spans several buffers")
    assert.equal(hexOf(got), hexOf(expected.take()))
  })
})

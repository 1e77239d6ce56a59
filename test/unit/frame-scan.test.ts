import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { FrameScanner, type ScanLimits } from "../../src/codec/frame-scan.js"
import { FRAME_OVERHEAD, FrameDecoder, type DecoderSink } from "../../src/internal.js"
import { msgCost } from "../../src/pipe.js"

// Frames written out by hand from RFC 37 "Framing" (flags, 1- or 8-octet size, body).
const MORE = 0x01
const LONG = 0x02
const COMMAND = 0x04

function short(flags: number, body: number[]): number[] {
  return [flags, body.length, ...body]
}

function long(flags: number, body: number[]): number[] {
  const size = [0, 0, 0, 0, (body.length >>> 24) & 0xff, (body.length >>> 16) & 0xff, (body.length >>> 8) & 0xff, body.length & 0xff]
  return [flags | LONG, ...size, ...body]
}

function bytes(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff)
}

const NO_LIMITS: ScanLimits = { maxFrameSize: -1, messageBudget: -1, frameMax: 32 * 1024 }

/** What the decoder makes of the same bytes: whole messages and their msgCost. */
function reference(stream: Buffer): { messages: number; cost: number } {
  let messages = 0
  let cost = 0
  const sink: DecoderSink = {
    onMessage(frames) {
      messages++
      cost += msgCost(frames)
      return true
    },
    onCommand() {
      return true
    },
  }
  new FrameDecoder(sink).push(stream)
  return { messages, cost }
}

/** Scans `stream` cut into pieces at the given offsets. */
function scanCut(stream: Buffer, cuts: number[], limits = NO_LIMITS): FrameScanner {
  const s = new FrameScanner(limits)
  let at = 0
  for (const cut of [...cuts, stream.length]) {
    s.scan(stream.subarray(at, cut))
    at = cut
  }
  return s
}

// Short and long sizes, empty frames, multipart messages, a 300-byte body, and a partial message at the end.
const STREAM = Buffer.from([
  ...short(0, bytes(5, 1)),
  ...short(MORE, []),
  ...short(MORE, bytes(1, 2)),
  ...short(0, bytes(255, 3)),
  ...long(0, bytes(3, 4)),
  ...long(MORE, bytes(300, 5)),
  ...short(0, []),
  ...short(0, []),
  ...short(MORE, bytes(7, 6)),
  ...short(0, bytes(2, 7)).slice(0, 3),
])

void describe("FrameScanner", () => {
  void test("counts the whole messages and their msgCost as the decoder delivers them, however the bytes are cut", () => {
    const want = reference(STREAM)
    assert.equal(want.messages, 5)
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const s = scanCut(STREAM, [cut])
      assert.deepEqual({ messages: s.messages, cost: s.cost, flagged: s.flagged }, { ...want, flagged: false }, `cut at ${cut}`)
    }
    const oneByOne = scanCut(STREAM, Array.from({ length: STREAM.length }, (_, i) => i))
    assert.deepEqual({ messages: oneByOne.messages, cost: oneByOne.cost }, want)
  })

  void test("the cost is the body bytes plus FRAME_OVERHEAD a frame", () => {
    const s = scanCut(Buffer.from([...short(MORE, bytes(10, 1)), ...short(0, [])]), [])
    assert.equal(s.messages, 1)
    assert.equal(s.cost, 10 + 2 * FRAME_OVERHEAD)
  })

  void test("a command frame is flagged, and nothing after it is counted", () => {
    const stream = Buffer.from([...short(0, bytes(4, 1)), ...short(COMMAND, [4, ...Buffer.from("PING"), 0, 0]), ...short(0, bytes(4, 2))])
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = scanCut(stream, [cut])
      assert.equal(s.flagged, true, `cut at ${cut}`)
      assert.equal(s.messages, 1, `cut at ${cut}: only the message before the command`)
    }
  })

  void test("a body above frameMax is flagged at its header, short or long, before its bytes arrive", () => {
    const limits = { ...NO_LIMITS, frameMax: 100 }
    const atLimit = scanCut(Buffer.from([...short(0, bytes(100, 1)), ...long(0, bytes(100, 2))]), [], limits)
    assert.deepEqual({ messages: atLimit.messages, flagged: atLimit.flagged }, { messages: 2, flagged: false })
    assert.equal(scanCut(Buffer.from(short(0, bytes(101, 1)).slice(0, 2)), [], limits).flagged, true)
    // A long header claiming 2^56 bytes: flagged at the first octet that makes it too large.
    const huge = Buffer.from([LONG, 1, 0, 0, 0, 0, 0, 0, 0])
    for (let cut = 0; cut <= huge.length; cut++) assert.equal(scanCut(huge, [cut], limits).flagged, true, `cut at ${cut}`)
  })

  void test("headers the decoder refuses are flagged: above maxFrameSize, or a message above the budget", () => {
    const maxFrame = { ...NO_LIMITS, maxFrameSize: 10 }
    assert.equal(scanCut(Buffer.from(short(0, bytes(10, 1))), [], maxFrame).flagged, false)
    assert.equal(scanCut(Buffer.from(short(0, bytes(11, 1))), [], maxFrame).flagged, true)
    // Budget for two frames of 10 bytes: the third frame of the same message crosses it.
    const budget = { ...NO_LIMITS, messageBudget: 2 * (10 + FRAME_OVERHEAD) }
    const ok = scanCut(Buffer.from([...short(MORE, bytes(10, 1)), ...short(0, bytes(10, 2))]), [], budget)
    assert.deepEqual({ messages: ok.messages, flagged: ok.flagged }, { messages: 1, flagged: false })
    const over = scanCut(Buffer.from([...short(MORE, bytes(10, 1)), ...short(MORE, bytes(10, 2)), ...short(0, [])]), [], budget)
    assert.deepEqual({ messages: over.messages, flagged: over.flagged }, { messages: 0, flagged: true })
  })

  void test("reset() starts over at a message boundary", () => {
    const s = scanCut(STREAM, [])
    s.reset()
    assert.deepEqual({ messages: s.messages, cost: s.cost, flagged: s.flagged }, { messages: 0, cost: 0, flagged: false })
    s.scan(Buffer.from(short(0, bytes(3, 1))))
    assert.equal(s.messages, 1)
  })
})

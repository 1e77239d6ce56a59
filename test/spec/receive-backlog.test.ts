/**
 * A receiver with a high-water mark above the decode batch (1024 messages,
 * engine.ts DECODE_BATCH) keeps the rest of its input raw and decodes it a
 * batch at a time as the application reads (engine/held-input.ts). What
 * must not change: every message arrives whole and in order, the high-water
 * mark (in messages) still stops reading, a PING is answered while the
 * application does not read (RFC 37 "Connection Heartbeating"), and the
 * whole messages that arrived before the peer closed are delivered.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Pull, Subscriber } from "../../src/index.js"
import { encodeCommand } from "../../src/internal.js"
import { connectReady, EventLog, frame, type RawPeer } from "../fuzz/raw-peer.js"
import { liveMemory as retained } from "../helpers/memory.js"
import { scaled, until } from "../helpers/time.js"

const MORE = 0x01
const COMMAND = 0x04
const MiB = 1024 * 1024

/** Message `i`: one to three frames, bodies of 0 to 299 bytes (some with 8-octet sizes), all derived from `i`. */
function message(i: number): Buffer[] {
  const parts = (i % 3) + 1
  return Array.from({ length: parts }, (_, p) => {
    const size = (i * 7 + p * 131) % 300
    const body = Buffer.alloc(Math.max(4, size))
    body.writeUInt32BE(i, 0) // bodies under 4 bytes keep a truncated index: still a pattern the check recomputes.
    return body.subarray(0, size)
  })
}

function encoded(i: number): Buffer {
  const frames = message(i)
  return Buffer.concat(frames.map((f, p) => frame(f, p < frames.length - 1 ? MORE : 0)))
}

/** `count` messages as wire bytes, cut into pieces of uneven sizes so that frames straddle writes. */
function wireStream(first: number, count: number): Buffer[] {
  const all = Buffer.concat(Array.from({ length: count }, (_, k) => encoded(first + k)))
  const pieces: Buffer[] = []
  for (let at = 0, k = 0; at < all.length; k++) {
    const n = 1 + ((k * 7919) % 20_000)
    pieces.push(all.subarray(at, at + n))
    at += n
  }
  return pieces
}

function assertMessage(got: Buffer[], i: number): void {
  const want = message(i)
  assert.equal(got.length, want.length, `message ${i}: frame count`)
  for (let p = 0; p < want.length; p++) assert.ok(got[p]!.equals(want[p]!), `message ${i}, frame ${p}`)
}

/** Resolves once `raw` has received bytes containing `needle`. */
function receivedBytes(raw: RawPeer, needle: Buffer): Promise<void> {
  let seen = Buffer.alloc(0)
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer): void => {
      seen = Buffer.concat([seen, c])
      if (seen.includes(needle)) {
        raw.socket.off("data", onData)
        resolve()
      }
    }
    raw.socket.on("data", onData)
    void raw.closed.then(() => reject(new Error("connection closed before the expected bytes")))
  })
}

void describe("receive backlog: input past a decode batch is kept raw", () => {
  void it("30,000 mixed messages, read after they all arrived, come whole and in order", { timeout: scaled(120_000) }, async () => {
    const pull = new Pull({ linger: 0, receiveHighWaterMark: 100_000 })
    let raw: RawPeer | null = null
    try {
      await pull.bind("tcp://127.0.0.1:*")
      raw = await connectReady(pull.lastEndpoint!, "PUSH")
      const count = 30_000
      for (const piece of wireStream(0, count)) raw.write(piece)
      // A PING after them: its PONG says the receiver has read (not necessarily decoded) everything before.
      raw.write(frame(encodeCommand("PING", Buffer.from([0, 0, ...Buffer.from("mark")])), COMMAND))
      await receivedBytes(raw, Buffer.from("PONGmark"))
      for (let i = 0; i < count; i++) assertMessage(await pull.receive(), i)
      assert.equal([...pull.pipes][0]!.inbound.length, 0, "nothing more than was sent")
    } finally {
      raw?.socket.destroy()
      pull.close()
    }
  })

  void it("a PING behind a backlog is answered while the application reads nothing", { timeout: scaled(120_000) }, async () => {
    const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 100_000 })
    let raw: RawPeer | null = null
    try {
      sub.subscribe()
      await sub.bind("tcp://127.0.0.1:*")
      raw = await connectReady(sub.lastEndpoint!, "PUB")
      // The batch fills up first (its last message is in the queue before the PING is read).
      for (const piece of wireStream(0, 3_000)) raw.write(piece)
      await until(() => [...sub.pipes].some((p) => p.inbound.length >= 1024), "a decoded batch")
      for (const piece of wireStream(3_000, 3_000)) raw.write(piece)
      raw.write(frame(encodeCommand("PING", Buffer.from([0, 0, ...Buffer.from("held")])), COMMAND))
      await receivedBytes(raw, Buffer.from("PONGheld"))
      for (let i = 0; i < 6_000; i++) assertMessage(await sub.receive(), i)
    } finally {
      raw?.socket.destroy()
      sub.close()
    }
  })

  void it("the high-water mark counts held messages: reading stops, memory stays bounded, nothing is lost", { timeout: scaled(120_000) }, async () => {
    const hwm = 5_000
    const pull = new Pull({ linger: 0, receiveHighWaterMark: hwm })
    let raw: RawPeer | null = null
    try {
      await pull.bind("tcp://127.0.0.1:*")
      const base = retained()
      raw = await connectReady(pull.lastEndpoint!, "PUSH")
      // 100,000 messages of 400 bytes: 40 MiB, far more than the kernel's socket buffers hold. One
      // buffer of 1,000 numbered messages written 100 times: the test's own copy stays 400 KiB.
      const body = Buffer.alloc(400)
      const block = Buffer.concat(
        Array.from({ length: 1000 }, (_, i) => {
          body.writeUInt32BE(i, 0)
          return frame(body)
        }),
      )
      const count = 100_000
      for (let k = 0; k < count / 1000; k++) raw.write(block)
      // Reading has stopped once the peer's unsent bytes stay put (100 ms of polls).
      let last = -1
      let still = 0
      await until(() => {
        const w = raw!.socket.writableLength
        still = w > 0 && w === last ? still + 1 : 0
        last = w
        return still >= 20
      }, "the receiver to stop reading")
      const grown = retained() - base
      // 5,000 messages of ~400 bytes are 2 MiB raw; unbounded reading would hold most of the 40 MiB.
      assert.ok(grown < 12 * MiB, `retained memory grew by ${(grown / MiB).toFixed(1)} MiB`)
      assert.ok(raw.socket.writableLength > 10 * MiB, "the rest is held back by TCP, at the sender")
      for (let i = 0; i < count; i++) {
        const [msg] = await pull.receive()
        assert.equal(msg!.readUInt32BE(0), i % 1000, `message ${i} in order`)
      }
    } finally {
      raw?.socket.destroy()
      pull.close()
    }
  })

  void it("a peer that sends a backlog and closes has every whole message delivered, and no half one", { timeout: scaled(120_000) }, async () => {
    const pull = new Pull({ linger: 0, receiveHighWaterMark: 100_000 })
    let raw: RawPeer | null = null
    try {
      await pull.bind("tcp://127.0.0.1:*")
      const log = new EventLog(pull.events)
      raw = await connectReady(pull.lastEndpoint!, "PUSH")
      const count = 8_000
      for (const piece of wireStream(0, count)) raw.write(piece)
      // Half of a two-frame message, then FIN.
      raw.write(frame(Buffer.from("first half"), MORE))
      raw.end()
      await log.waitFor("disconnect", 1)
      for (let i = 0; i < count; i++) assertMessage(await pull.receive(), i)
      pull.receiveTimeout = 0
      await assert.rejects(pull.receive(), { code: "EAGAIN" }, "the half message is not delivered")
    } finally {
      raw?.socket.destroy()
      pull.close()
    }
  })
})

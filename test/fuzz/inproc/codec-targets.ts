/**
 * In-process fuzz targets for src/codec: the frame decoder (checked against an
 * independent reference walk), the greeting parser, and the command and
 * metadata parsers. No sockets: each input is a few microseconds.
 */
import { decodeCommand, decodeErrorReason, decodeMetadata, encodeCommand, encodeMetadata } from "../../../src/codec/command.js"
import { FrameDecoder, type DecoderSink } from "../../../src/codec/decoder.js"
import { decodeGreeting, encodeGreeting } from "../../../src/codec/greeting.js"
import { ProtocolError } from "../../../src/codec/protocol-error.js"
import { referenceDecode, sameEvents, type DecoderEvent } from "../reference-decoder.js"
import { chunks, describe, mutate, type Field, type Rng } from "./mutate.js"

const F_MORE = 1
const F_LONG = 2
const F_CMD = 4
const COMMAND_NAMES = ["READY", "PING", "PONG", "ERROR", "SUBSCRIBE", "CANCEL", "JOIN", "HELLO", "X"]

/** A valid frame stream and the positions of its flags and size fields. */
function validStream(rng: Rng): { bytes: Buffer; fields: Field[] } {
  const parts: Buffer[] = []
  const fields: Field[] = []
  let off = 0
  const frame = (flags: number, body: Buffer): void => {
    const long = body.length > 255 || rng.chance(0.05)
    const head = Buffer.alloc(long ? 9 : 2)
    head[0] = flags | (long ? F_LONG : 0)
    if (long) head.writeUInt32BE(body.length, 5)
    else head[1] = body.length
    fields.push({ off, kind: "flags" }, { off: off + 1, kind: long ? "size64" : "size8" })
    parts.push(head, body)
    off += head.length + body.length
  }
  const items = 1 + rng.int(5)
  for (let i = 0; i < items; i++) {
    if (rng.chance(0.25)) {
      frame(F_CMD, encodeCommand(rng.pick(COMMAND_NAMES), rng.bytes(rng.int(12))))
    } else {
      const count = 1 + rng.int(4)
      for (let f = 0; f < count; f++) {
        // Mostly short bodies: the framing is what we fuzz; 255/256 straddle the short/long boundary.
        const size = rng.pick([0, 1, 2, 5, 9, 30, 64, 255, 256, 300])
        frame(f < count - 1 ? F_MORE : 0, rng.bytes(size))
      }
    }
  }
  return { bytes: Buffer.concat(parts), fields }
}

/** Command parsers the engine reaches from the decoder: only ProtocolError may escape them. */
export function checkParsers(body: Buffer): string | null {
  try {
    const cmd = decodeCommand(body)
    if (cmd.name === "ERROR") decodeErrorReason(cmd.data)
    const meta = decodeMetadata(cmd.data)
    let total = 0
    for (const v of meta.values()) {
      total += v.length
      if (v.buffer !== body.buffer) return "metadata value is not a view of the command"
    }
    if (total > cmd.data.length) return `metadata values (${total} bytes) exceed the command (${cmd.data.length})`
    return null
  } catch (err) {
    return err instanceof ProtocolError ? null : `command parser threw ${describe(err)}`
  }
}

const MAX_SIZES = [-1, -1, -1, 0, 1, 255, 256, 1024, 65536]
const BUDGETS = [-1, -1, 1 << 20, 4096, 200]

/**
 * Decoder: a mutated (or intact) stream fed in random chunks, with the sink
 * pausing at random. What it delivers must equal the reference walk, and it
 * may fail only with ProtocolError and only where the reference fails.
 */
export function decoderInput(rng: Rng): string | null {
  const { bytes: valid, fields } = validStream(rng)
  const mutated = rng.chance(0.85)
  const bytes = mutated ? mutate(rng, valid, fields).bytes : valid
  const maxFrameSize = rng.pick(MAX_SIZES)
  const budget = rng.pick(BUDGETS)
  const events: DecoderEvent[] = []
  const pauseAt = rng.chance(0.2) ? 0.3 : 0
  let pauseRng = rng.u32()
  const wantPause = (): boolean => {
    pauseRng = (Math.imul(pauseRng, 1103515245) + 12345) >>> 0
    return pauseAt > 0 && pauseRng / 0x1_0000_0000 < pauseAt
  }
  const sink: DecoderSink = {
    onMessage: (frames) => {
      // Frames are views of our input or buffers the decoder gave away: kept as they are.
      events.push({ msg: frames })
      return !wantPause()
    },
    onCommand: (body) => {
      events.push({ cmd: body })
      return !wantPause()
    },
  }
  const decoder = new FrameDecoder(sink, maxFrameSize, budget)
  let error: unknown = null
  try {
    for (const c of chunks(rng, bytes)) {
      // Each resume delivers at least one item or consumes the chunk: bounded by the chunk's length.
      let done = decoder.push(c)
      for (let guard = 0; !done; guard++) {
        if (guard > c.length + 1) return "decoder paused without progress"
        done = decoder.resume()
      }
    }
  } catch (err) {
    error = err
  }
  if (error !== null && !(error instanceof ProtocolError)) return `decoder threw ${describe(error)}`
  const ref = referenceDecode(bytes, maxFrameSize, budget)
  if ((error !== null) !== ref.error) return error !== null ? `decoder failed where the reference did not: ${describe(error)}` : "decoder accepted what the reference refuses"
  const diff = sameEvents(events, ref.events)
  if (diff !== null) return `delivered differs from the reference: ${diff}`
  for (const e of events) if ("cmd" in e) {
    const p = checkParsers(e.cmd)
    if (p !== null) return p
  }
  return null
}

/** Greeting: a mutated valid greeting; only ProtocolError, and a parse that agrees with the bytes. */
export function greetingInput(rng: Rng): string | null {
  const valid = encodeGreeting(rng.pick(["NULL", "PLAIN", "CURVE"]), rng.chance(0.5), rng.int(256))
  const fields: Field[] = [0, 9, 10, 11, 32].map((off) => ({ off, kind: "u8" as const }))
  for (let i = 12; i < 20; i++) fields.push({ off: i, kind: "name" })
  const m = mutate(rng, valid, fields).bytes
  // The engine only parses a complete 64-octet greeting.
  const g = Buffer.alloc(64)
  m.copy(g, 0, 0, Math.min(64, m.length))
  try {
    const r = decodeGreeting(g)
    if (g[0] !== 0xff || (g[9]! & 1) !== 1) return "decodeGreeting accepted a bad signature"
    if (r.mechanism.includes("\0")) return "mechanism name holds a NUL"
    if (r.major !== g[10] || r.minor !== g[11]) return "version differs from the bytes"
    return null
  } catch (err) {
    return err instanceof ProtocolError ? null : `decodeGreeting threw ${describe(err)}`
  }
}

/** Commands with metadata (READY, INITIATE-like): mutated name sizes and value lengths. */
export function metadataInput(rng: Rng): string | null {
  const props: [string, Buffer][] = []
  const count = rng.int(4)
  for (let i = 0; i < count; i++) props.push([rng.pick(["Socket-Type", "Identity", "User-Id", "X-Custom"]), rng.bytes(rng.int(40))])
  const body = encodeCommand(rng.pick(["READY", "INITIATE", "ERROR"]), encodeMetadata(props))
  const fields: Field[] = [{ off: 0, kind: "size8" }]
  let off = 1 + body[0]!
  for (const [name, value] of props) {
    fields.push({ off, kind: "size8" }, { off: off + 1, kind: "name" }, { off: off + 1 + name.length, kind: "u32" })
    off += 1 + name.length + 4 + value.length
  }
  return checkParsers(mutate(rng, body, fields).bytes)
}

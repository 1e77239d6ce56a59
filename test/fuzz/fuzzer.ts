/**
 * A seeded, reproducible mutation fuzzer for zmq-ts.
 *
 * Inputs start from valid corpora (greetings for NULL/PLAIN/CURVE in ZMTP 3.0
 * and 3.1; READY/HELLO/WELCOME/INITIATE/ERROR/PING/PONG/SUBSCRIBE/CANCEL
 * commands; short, long and boundary-sized frames; multipart messages; CURVE
 * MESSAGE boxes) and are mutated: bit flips, "interesting" bytes (0x00, 0xff,
 * 0x7f, 0x80 ...), length-field tweaks (+-1, 0, max, 2^63, 2^64-1 ...),
 * truncation, duplication, splicing with another input, random chunks
 * inserted or ranges deleted. Every input is sent in random chunks.
 *
 * Targets:
 *  - "decoder": FrameDecoder fed directly (random chunking, a sink that
 *    pauses at random), checked against an independent reference walk of the
 *    same bytes. Oracle: only ProtocolError is thrown, the deliveries match
 *    the reference exactly, memory held stays within what was sent (plus the
 *    decoder's documented 1 MiB preallocation).
 *  - "bind:TYPE:MECH" / "connect:TYPE:MECH": a zmq-ts socket of TYPE with
 *    mechanism MECH, bound (attackers connect to it; it is the PLAIN/CURVE
 *    server) or connecting (it dials an attacker's listener for each input;
 *    it is the PLAIN/CURVE client), attacked by raw TCP peers while a
 *    well-behaved peer (zmq-ts or the `zeromq` package, alternating) of a
 *    compatible type and the same mechanism exchanges messages before,
 *    during (where no attacker can legitimately take them) and after every
 *    batch. Oracle: no uncaught exception or unhandled rejection; every
 *    attacker connection is ended by the socket once the attacker is done;
 *    the good peer's messages arrive whole, in order, uncorrupted; anything
 *    else the application receives is a complete message some attacker
 *    really sent (nothing half-delivered, nothing invented); memory after a
 *    forced GC stays bounded.
 *  - "replay:SIDE:TYPE:MECH": published attack inputs against every socket
 *    type and mechanism: CVE-2019-6250 (a frame whose 64-bit size would
 *    wrap pointer arithmetic, in ZMTP 3 after a valid handshake and in a
 *    ZMTP 2 greeting), a 4 GiB claim trickled with 1 MiB, oversized metadata
 *    in validly encrypted CURVE INITIATE/READY boxes (and in PLAIN/NULL
 *    cleartext), and a long SUBSCRIBE then CANCEL.
 *
 * Every input is derived from (seed, target, iteration) alone, so a failure
 * is reported with all three and can be replayed with
 * `npm run fuzz -- --seed S --target T --iteration I` (or a range I..J: the
 * sockets carry state from one input to the next within a visit).
 *
 * Synchronisation is by events only. Timers exist solely as watchdogs that
 * turn a hang into a reported failure.
 */
import { constants as bufferConstants } from "node:buffer"
import { createHash, randomInt } from "node:crypto"
import * as net from "node:net"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import * as zmq from "zeromq"
import { openAfter, precompute, publicFromSecret, sealAfter, type KeyPair } from "../../src/crypto/box.js"
import * as zts from "../../src/index.js"
import { z85Encode } from "../../src/util.js"
import { decodeCommand, decodeErrorReason, decodeGreeting, decodeMetadata, FRAME_OVERHEAD, FrameDecoder, ProtocolError, type Pipe } from "../../src/internal.js"
import { Prng, tcpAddress } from "./raw-peer.js"
import { referenceDecode, sameEvents, type DecoderEvent } from "./reference-decoder.js"

// =============================================================================
// Seeds and randomness
// =============================================================================

/** FNV-1a followed by a murmur3 finaliser: a stable 32-bit hash of a string. */
function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The seed of one input: a function of the run's seed, the target and the iteration only. */
export function inputSeed(seed: number, target: string, iteration: number): number {
  return hash32(`${seed >>> 0}|${target}|${iteration}`)
}

export function rngFor(seed: number, target: string, iteration: number): Prng {
  return new Prng(inputSeed(seed, target, iteration))
}

function chance(rng: Prng, p: number): boolean {
  return rng.u32() / 0x1_0000_0000 < p
}

/** Printable-ish bytes, never starting with "good" (the well-behaved peer's tag). */
function atkText(rng: Prng, max = 40): Buffer {
  const n = rng.int(max + 1)
  const b = Buffer.allocUnsafe(3 + n)
  b.write("atk", 0, "latin1")
  for (let i = 0; i < n; i++) b[3 + i] = chance(rng, 0.8) ? 0x20 + rng.int(95) : rng.int(256)
  return b
}

// =============================================================================
// Wire builders (independent of src/codec) with the positions of length fields
// =============================================================================

const F_MORE = 0x01
const F_LONG = 0x02
const F_CMD = 0x04
const MAX_LENGTH = bufferConstants.MAX_LENGTH

type FieldKind = "flags" | "size8" | "size64" | "u32" | "u8"
interface Field {
  off: number
  kind: FieldKind
}

interface Seeded {
  bytes: Buffer
  fields: Field[]
}

class Builder {
  private parts: Buffer[] = []
  private len = 0
  readonly fields: Field[] = []

  get length(): number {
    return this.len
  }

  raw(b: Buffer, fields: Field[] = []): this {
    for (const f of fields) this.fields.push({ off: this.len + f.off, kind: f.kind })
    this.parts.push(b)
    this.len += b.length
    return this
  }

  frame(body: Buffer, flags: number, forceLong = false, bodyFields: Field[] = []): this {
    const long = forceLong || body.length > 255
    const head = Buffer.alloc(long ? 9 : 2)
    if (long) {
      head[0] = flags | F_LONG
      head.writeBigUInt64BE(BigInt(body.length), 1)
    } else {
      head[0] = flags & ~F_LONG
      head[1] = body.length
    }
    const fields: Field[] = [
      { off: 0, kind: "flags" },
      { off: 1, kind: long ? "size64" : "size8" },
      ...bodyFields.map((f) => ({ off: head.length + f.off, kind: f.kind })),
    ]
    return this.raw(Buffer.concat([head, body]), fields)
  }

  message(frames: Buffer[], forceLong = false): this {
    frames.forEach((f, i) => this.frame(f, i < frames.length - 1 ? F_MORE : 0, forceLong))
    return this
  }

  command(name: string, data: Buffer = Buffer.alloc(0), dataFields: Field[] = []): this {
    const n = Buffer.from(name, "latin1")
    const body = Buffer.concat([Buffer.of(n.length), n, data])
    return this.frame(body, F_CMD, false, [{ off: 0, kind: "u8" }, ...dataFields.map((f) => ({ off: 1 + n.length + f.off, kind: f.kind }))])
  }

  build(): Seeded {
    return { bytes: Buffer.concat(this.parts, this.len), fields: [...this.fields] }
  }
}

function frameBytes(body: Buffer, flags: number): Buffer {
  return new Builder().frame(body, flags).build().bytes
}

function commandBody(name: string, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.of(name.length), Buffer.from(name, "latin1"), data])
}

/** RFC 37 metadata: name-size, name, 4-octet value-size, value. */
function metadata(props: [string, Buffer | string][]): Seeded {
  const b = new Builder()
  for (const [name, value] of props) {
    const n = Buffer.from(name, "latin1")
    const v = Buffer.from(value)
    const head = Buffer.alloc(1 + n.length + 4)
    head[0] = n.length
    n.copy(head, 1)
    head.writeUInt32BE(v.length, 1 + n.length)
    b.raw(Buffer.concat([head, v]), [
      { off: 0, kind: "u8" },
      { off: 1 + n.length, kind: "u32" },
    ])
  }
  return b.build()
}

/** A 64-octet ZMTP 3.x greeting (RFC 37). */
function greetingBytes(mechanism: string, asServer: boolean, minor = 1, major = 3): Buffer {
  const g = Buffer.alloc(64)
  g[0] = 0xff
  g[8] = 1
  g[9] = 0x7f
  g[10] = major
  g[11] = minor
  g.write(mechanism, 12, "latin1")
  g[32] = asServer ? 1 : 0
  return g
}

const GREETING_FIELDS: Field[] = [
  { off: 0, kind: "u8" },
  { off: 8, kind: "u8" },
  { off: 9, kind: "u8" },
  { off: 10, kind: "u8" },
  { off: 11, kind: "u8" },
  { off: 12, kind: "u8" },
  { off: 32, kind: "u8" },
]

// =============================================================================
// Corpora
// =============================================================================

export type Mech = "NULL" | "PLAIN" | "CURVE"
export const MECHS: readonly Mech[] = ["NULL", "PLAIN", "CURVE"]
export const TYPES = ["PUSH", "PULL", "PAIR", "REQ", "REP", "DEALER", "ROUTER", "PUB", "SUB", "XPUB", "XSUB"] as const
export type SockType = (typeof TYPES)[number]

/** Peer types each type accepts (RFC 37 / libzmq), written out independently of src. */
const COMPATIBLE: Record<SockType, readonly string[]> = {
  PUSH: ["PULL"],
  PULL: ["PUSH"],
  PAIR: ["PAIR"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XPUB: ["SUB", "XSUB"],
  XSUB: ["PUB", "XPUB"],
}

function props(rng: Prng, peerType: string): [string, Buffer | string][] {
  const p: [string, Buffer | string][] = [["Socket-Type", peerType]]
  if (chance(rng, 0.4)) p.push(["Identity", chance(rng, 0.5) ? Buffer.alloc(0) : `atk-id-${rng.int(1000)}`])
  if (chance(rng, 0.2)) p.push(["X-Fuzz", atkText(rng, 20)])
  return p
}

/** Post-handshake traffic from an attacker: messages and commands of every kind. */
function genTraffic(rng: Prng, b: Builder, maxItems = 6): void {
  const n = 1 + rng.int(maxItems)
  for (let i = 0; i < n; i++) {
    switch (rng.int(13)) {
      case 0:
        b.message([atkText(rng)])
        break
      case 1: {
        const k = 2 + rng.int(4)
        b.message(Array.from({ length: k }, () => (chance(rng, 0.2) ? Buffer.alloc(0) : atkText(rng, 20))))
        break
      }
      case 2: {
        const t = atkText(rng, 0)
        b.message([Buffer.concat([t, Buffer.alloc(253 + rng.int(1200), 0x61 + rng.int(26))])])
        break
      }
      case 3: {
        const size = rng.pick([0, 1, 254, 255, 256])
        b.message([Buffer.concat([Buffer.from("atk"), Buffer.alloc(Math.max(0, size - 3), 0x62)]).subarray(0, size)])
        break
      }
      case 4:
        b.message(chance(rng, 0.5) ? [Buffer.alloc(0), atkText(rng)] : [Buffer.from(`atk-route-${rng.int(100)}`), Buffer.alloc(0), atkText(rng)])
        break
      case 5: {
        const d = Buffer.alloc(2)
        d.writeUInt16BE(rng.pick([0, 0, 1, 10, 0xffff]), 0)
        b.command("PING", Buffer.concat([d, rng.bytes(rng.int(21))]), [{ off: 0, kind: "u8" }])
        break
      }
      case 6:
        b.command("PONG", rng.bytes(rng.int(17)))
        break
      case 7:
        b.command(chance(rng, 0.6) ? "SUBSCRIBE" : "CANCEL", atkText(rng, 30))
        break
      case 8: {
        const reason = atkText(rng, 30)
        b.command("ERROR", Buffer.concat([Buffer.of(reason.length), reason]), [{ off: 0, kind: "u8" }])
        break
      }
      case 9: {
        const name = Array.from({ length: 1 + rng.int(12) }, () => String.fromCharCode(0x41 + rng.int(26))).join("")
        b.command(name, atkText(rng, 10))
        break
      }
      case 10:
        b.message([Buffer.concat([Buffer.of(rng.int(2)), atkText(rng, 20)])])
        break
      case 11:
        b.message([atkText(rng, 30)], true)
        break
      default: {
        const m = metadata(props(rng, "PAIR"))
        b.command(rng.pick(["READY", "INITIATE", "HELLO", "WELCOME"]), m.bytes, m.fields)
      }
    }
  }
}

/** A whole stream from an attacker that plays `role`, from the greeting on. */
function genBlind(rng: Prng, mech: Mech, role: "client" | "server", peerType: string, keys: RunKeys): Seeded {
  const minor = chance(rng, 0.25) ? 0 : 1
  const b = new Builder()
  // Sometimes announce another mechanism, or none of ours.
  const announced = chance(rng, 0.08) ? rng.pick(["NULL", "PLAIN", "CURVE", "GSSAPI", ""]) : mech
  b.raw(greetingBytes(announced, role === "server", minor), GREETING_FIELDS)
  if (mech === "NULL") {
    const m = metadata(props(rng, peerType))
    b.command("READY", m.bytes, m.fields)
  } else if (mech === "PLAIN" && role === "client") {
    const user = chance(rng, 0.1) ? atkText(rng, 5) : Buffer.from("u")
    const pass = chance(rng, 0.1) ? atkText(rng, 5) : Buffer.from("p")
    b.command("HELLO", Buffer.concat([Buffer.of(user.length), user, Buffer.of(pass.length), pass]), [
      { off: 0, kind: "u8" },
      { off: 1 + user.length, kind: "u8" },
    ])
    const m = metadata(props(rng, peerType))
    b.command("INITIATE", m.bytes, m.fields)
  } else if (mech === "PLAIN") {
    b.command("WELCOME")
    const m = metadata(props(rng, peerType))
    b.command("READY", m.bytes, m.fields)
  } else if (role === "client") {
    // A valid HELLO (a fresh transient key, the real server key); what
    // follows cannot be valid without the server's cookie.
    const c = new CurveClientSide(rng, keys.server.publicKey, keys.client)
    b.frame(c.hello(), F_CMD)
    b.frame(Buffer.concat([Buffer.from("\x08INITIATE", "latin1"), rng.bytes(96 + 8 + 16 + 128 + rng.int(40))]), F_CMD)
  } else {
    b.frame(Buffer.concat([Buffer.from("\x07WELCOME", "latin1"), rng.bytes(160)]), F_CMD)
    b.frame(Buffer.concat([Buffer.from("\x05READY", "latin1"), rng.bytes(24 + rng.int(40))]), F_CMD)
  }
  if (chance(rng, 0.85)) genTraffic(rng, b)
  return b.build()
}

// =============================================================================
// Mutations
// =============================================================================

const INTERESTING8 = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]
const INTERESTING_SIZES64: bigint[] = [
  0n,
  1n,
  0xffn,
  0x100n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  0xfffffffffffffff0n,
  BigInt(MAX_LENGTH),
  BigInt(MAX_LENGTH) + 1n,
]
const INTERESTING32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]

function tweakField(rng: Prng, buf: Buffer, f: Field): string {
  switch (f.kind) {
    case "size8":
    case "u8": {
      const v = buf[f.off]!
      const nv = rng.pick([0, v - 1, v + 1, 0xff, 0x7f, 0x80]) & 0xff
      buf[f.off] = nv
      return `${f.kind}@${f.off}:${v}->${nv}`
    }
    case "flags": {
      const v = buf[f.off]!
      const nv = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 0x80, 0xff, v ^ F_MORE, v ^ F_CMD, v ^ F_LONG, v | 0x08]) & 0xff
      buf[f.off] = nv
      return `flags@${f.off}:${v}->${nv}`
    }
    case "size64": {
      if (f.off + 8 > buf.length) return "noop"
      const v = buf.readBigUInt64BE(f.off)
      let nv = rng.pick([v - 1n, v + 1n, ...INTERESTING_SIZES64])
      if (nv < 0n) nv = 0n
      if (nv > 2n ** 64n - 1n) nv = 2n ** 64n - 1n
      buf.writeBigUInt64BE(nv, f.off)
      return `size64@${f.off}:${v}->${nv}`
    }
    case "u32": {
      if (f.off + 4 > buf.length) return "noop"
      const v = buf.readUInt32BE(f.off)
      const nv = rng.pick([v - 1, v + 1, ...INTERESTING32]) >>> 0
      buf.writeUInt32BE(nv, f.off)
      return `u32@${f.off}:${v}->${nv}`
    }
  }
}

/**
 * Applies 1..maxOps mutations. In-place ones (bit flips, interesting bytes,
 * length-field tweaks) come first, while the recorded field positions are
 * still right; then the ones that move bytes around.
 */
export function mutate(rng: Prng, seed: Seeded, donor: () => Buffer, maxOps = 4, cap = Infinity): { bytes: Buffer; ops: string[] } {
  let buf = Buffer.from(seed.bytes)
  const ops: string[] = []
  const n = 1 + rng.int(maxOps)
  const kinds = Array.from({ length: n }, () => rng.int(10)).sort((a, b) => a - b)
  for (const k of kinds) {
    if (buf.length === 0 && k < 5) continue
    switch (k) {
      case 0:
      case 1: {
        const at = rng.int(buf.length)
        const bit = rng.int(8)
        buf[at] = buf[at]! ^ (1 << bit)
        ops.push(`bitflip@${at}.${bit}`)
        break
      }
      case 2: {
        const at = rng.int(buf.length)
        buf[at] = rng.pick(INTERESTING8)
        ops.push(`byte@${at}=${buf[at]}`)
        break
      }
      case 3:
      case 4: {
        const fields = seed.fields.filter((f) => f.off < buf.length)
        if (fields.length === 0) break
        ops.push(tweakField(rng, buf, rng.pick(fields)))
        break
      }
      case 5: {
        const at = rng.int(buf.length + 1)
        buf = buf.subarray(0, at)
        ops.push(`truncate@${at}`)
        break
      }
      case 6: {
        if (buf.length === 0) break
        const from = rng.int(buf.length)
        const len = 1 + rng.int(Math.min(256, buf.length - from))
        const at = rng.int(buf.length + 1)
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(from, from + len), buf.subarray(at)])
        ops.push(`dup[${from}+${len}]@${at}`)
        break
      }
      case 7: {
        const other = donor()
        const cutA = rng.int(buf.length + 1)
        const cutB = rng.int(other.length + 1)
        buf = Buffer.concat([buf.subarray(0, cutA), other.subarray(cutB)])
        ops.push(`splice@${cutA}+donor@${cutB}`)
        break
      }
      case 8: {
        const at = rng.int(buf.length + 1)
        const chunk = rng.bytes(1 + rng.int(64))
        buf = Buffer.concat([buf.subarray(0, at), chunk, buf.subarray(at)])
        ops.push(`insert${chunk.length}@${at}`)
        break
      }
      default: {
        if (buf.length === 0) break
        const from = rng.int(buf.length)
        const len = 1 + rng.int(Math.min(64, buf.length - from))
        buf = Buffer.concat([buf.subarray(0, from), buf.subarray(from + len)])
        ops.push(`delete[${from}+${len}]`)
      }
    }
  }
  if (buf.length > cap) {
    buf = buf.subarray(0, cap)
    ops.push(`cap@${cap}`)
  }
  return { bytes: buf, ops }
}

/** Random cut points splitting `len` bytes into the chunks they are sent in. */
function chunkCuts(rng: Prng, len: number, allowBytewise: boolean): number[] {
  if (len <= 1) return []
  const mode = rng.int(10)
  if (mode === 0) return []
  if (mode === 1 && allowBytewise && len <= 512) return Array.from({ length: len - 1 }, (_, i) => i + 1)
  const k = 1 + rng.int(Math.min(12, len - 1))
  const set = new Set<number>()
  for (let i = 0; i < k; i++) set.add(1 + rng.int(len - 1))
  return [...set].sort((a, b) => a - b)
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = []
  let prev = 0
  for (const c of cuts) {
    if (c <= prev || c >= bytes.length) continue
    out.push(bytes.subarray(prev, c))
    prev = c
  }
  out.push(bytes.subarray(prev))
  return out
}

// =============================================================================
// Target (a): the decoder, checked against a reference walk
// =============================================================================

/** Command parsers reached from the decoder's sink: only ProtocolError is allowed out of them. */
function exerciseParsers(body: Buffer): string | null {
  const guard = (what: string, fn: () => unknown): string | null => {
    try {
      fn()
      return null
    } catch (err) {
      return err instanceof ProtocolError ? null : `${what} threw ${describeError(err)}`
    }
  }
  let cmd: { name: string; data: Buffer }
  try {
    cmd = decodeCommand(body)
  } catch (err) {
    return err instanceof ProtocolError ? null : `decodeCommand threw ${describeError(err)}`
  }
  return guard("decodeMetadata", () => decodeMetadata(cmd.data)) ?? (cmd.name === "ERROR" ? guard("decodeErrorReason", () => decodeErrorReason(cmd.data)) : null)
}

/** Where an unexpected error came from (a few frames; none for a watchdog's Stall). */
function stackOf(err: unknown): string {
  if (err instanceof Stall || !(err instanceof Error) || err.stack === undefined) return ""
  return `\n${err.stack.split("\n").slice(1, 6).join("\n")}`
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}

const DECODER_MAX_SIZES = [-1, -1, -1, 0, 1, 255, 256, 1024, 65536, 1 << 20]
/** The receive budget the decoder holds one message to (receiveMemoryLimit). */
const DECODER_BUDGETS = [-1, -1, 1 << 20, 1 << 20, 4096, 200]

/** One decoder input: returns a failure description, or null. */
export function runDecoderInput(seed: number, iteration: number, keys: RunKeys): { failure: string | null; bytes: number } {
  const rng = rngFor(seed, "decoder", iteration)
  // A handshake-plus-traffic stream without its greeting, i.e. frames only.
  const donor = (): Buffer => {
    const d = new Builder()
    genTraffic(rng, d)
    return d.build().bytes
  }
  const b = new Builder()
  const kind = rng.int(200)
  if (kind === 0) {
    // Many tiny frames in one message: at and across the largest budget below.
    const n = (1 << 20) / FRAME_OVERHEAD - 2 + rng.int(4)
    const many = Buffer.alloc(n * 2)
    for (let i = 0; i < n - 1; i++) many[i * 2] = F_MORE
    b.raw(many)
  } else if (kind < 12) {
    // Claims far more than is sent.
    b.raw(Buffer.concat([Buffer.of(F_LONG | rng.int(8)), bigBytes(rng.pick(INTERESTING_SIZES64))]), [{ off: 1, kind: "size64" }])
    b.raw(rng.bytes(rng.int(2048)))
  } else {
    const hs = genBlind(rng, rng.pick(MECHS), rng.pick(["client", "server"]), rng.pick(["PUSH", "SUB", "DEALER", "PAIR"]), keys)
    // The greeting parser gets the mutated greeting: only ProtocolError may come out of it.
    const g = mutate(rng, { bytes: hs.bytes.subarray(0, 64), fields: GREETING_FIELDS }, () => rng.bytes(64), 3).bytes
    if (g.length >= 64) {
      try {
        decodeGreeting(g.subarray(0, 64))
      } catch (err) {
        if (!(err instanceof ProtocolError)) return { failure: `decodeGreeting threw ${describeError(err)} for ${g.subarray(0, 64).toString("hex")}`, bytes: 64 }
      }
    }
    b.raw(hs.bytes.subarray(64), hs.fields.filter((f) => f.off >= 64).map((f) => ({ off: f.off - 64, kind: f.kind })))
    if (chance(rng, 0.3)) genTraffic(rng, b, 20)
  }
  const seeded = b.build()
  const { bytes } = kind === 0 && chance(rng, 0.5) ? { bytes: seeded.bytes } : mutate(rng, seeded, donor)
  const maxFrameSize = rng.pick(DECODER_MAX_SIZES)
  const budget = rng.pick(DECODER_BUDGETS)
  const cuts = chunkCuts(rng, bytes.length, true)
  const pauseP = rng.pick([0, 0.1, 0.5, 1])
  const ref = referenceDecode(bytes, maxFrameSize, budget)

  const got: DecoderEvent[] = []
  let parserFailure: string | null = null
  const sink = {
    onMessage(frames: Buffer[]): boolean {
      got.push({ msg: frames })
      return !chance(rng, pauseP)
    },
    onCommand(body: Buffer): boolean {
      got.push({ cmd: body })
      parserFailure ??= exerciseParsers(body)
      return !chance(rng, pauseP)
    },
  }
  const before = process.memoryUsage().arrayBuffers
  const decoder = new FrameDecoder(sink, maxFrameSize, budget)
  let thrown: unknown = null
  try {
    for (const chunk of splitAt(bytes, cuts)) {
      let done = decoder.push(chunk)
      let guard = 0
      while (!done) {
        if (++guard > 10_000_000) throw new Error("decoder never finished resuming")
        done = decoder.resume()
      }
    }
  } catch (err) {
    thrown = err
  }
  const grown = process.memoryUsage().arrayBuffers - before
  if (thrown !== null && !(thrown instanceof ProtocolError)) return { failure: `decoder threw ${describeError(thrown)} (not a ProtocolError)`, bytes: bytes.length }
  if (parserFailure !== null) return { failure: parserFailure, bytes: bytes.length }
  if ((thrown !== null) !== ref.error) {
    return { failure: thrown !== null ? `decoder failed (${describeError(thrown)}) where the reference does not` : "decoder accepted what the reference rejects", bytes: bytes.length }
  }
  const diff = sameEvents(got, ref.events)
  if (diff !== null) return { failure: `deliveries differ from the reference: ${diff} (maxFrameSize ${maxFrameSize}, budget ${budget})`, bytes: bytes.length }
  // Held memory: what was sent (views or one copy), plus the preallocation of
  // one body of at most 1 MiB; generous slack for pool slabs.
  const allowed = (1 << 20) + 4 * bytes.length + (512 << 10)
  if (grown > allowed) return { failure: `decoder grew arrayBuffers by ${grown} bytes for a ${bytes.length}-byte input`, bytes: bytes.length }
  return { failure: null, bytes: bytes.length }
}

function bigBytes(v: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(v)
  return b
}

// =============================================================================
// CurveZMQ (RFC 26 over RFC 25), written from the RFCs on src/crypto's boxes
// =============================================================================

const ZERO64 = Buffer.alloc(64)

function longNonce(prefix8: string, tail16: Uint8Array): Buffer {
  const n = Buffer.alloc(24)
  n.write(prefix8, 0, "latin1")
  Buffer.from(tail16.buffer, tail16.byteOffset, tail16.byteLength).copy(n, 8)
  return n
}

function shortNonce(prefix16: string, v: bigint): Buffer {
  const n = Buffer.alloc(24)
  n.write(prefix16, 0, "latin1")
  n.writeBigUInt64BE(v, 16)
  return n
}

function keyPairFrom(rng: Prng): KeyPair {
  const secretKey = rng.bytes(32)
  return { secretKey, publicKey: publicFromSecret(secretKey) }
}

const B = (s: string): Buffer => Buffer.from(s, "latin1")
const startsWith = (body: Buffer, s: string): boolean => body.length >= s.length && body.toString("latin1", 0, s.length) === s

interface CurveCodec {
  /** MESSAGE command body carrying `flags` (RFC 25: bit 0 MORE, bit 1 COMMAND) and `data`. */
  message(flags: number, data: Buffer): Buffer
  open(body: Buffer): { flags: number; data: Buffer } | null
  /** Lets the next message reuse the previous short nonce (a replay). */
  rewindNonce(): void
}

class CurveClientSide implements CurveCodec {
  private nonce = 1n
  private readonly transient: KeyPair
  private readonly helloKey: Uint8Array
  private serverTransient: Uint8Array | null = null
  private cookie: Buffer | null = null
  private precom: Uint8Array | null = null

  constructor(
    private readonly rng: Prng,
    private readonly serverPublic: Uint8Array,
    private readonly keys: KeyPair,
  ) {
    this.transient = keyPairFrom(rng)
    this.helloKey = precompute(serverPublic, this.transient.secretKey)
  }

  hello(): Buffer {
    const n = shortNonce("CurveZMQHELLO---", this.nonce++)
    const body = Buffer.alloc(200)
    body.write("\x05HELLO", 0, "latin1")
    body[6] = 1
    body[7] = 0
    Buffer.from(this.transient.publicKey).copy(body, 80)
    n.copy(body, 112, 16, 24)
    Buffer.from(sealAfter(this.helloKey, n, ZERO64)).copy(body, 120)
    return body
  }

  welcome(body: Buffer): boolean {
    if (body.length !== 168 || !startsWith(body, "\x07WELCOME")) return false
    const plain = openAfter(this.helloKey, longNonce("WELCOME-", body.subarray(8, 24)), body.subarray(24))
    if (plain === null) return false
    this.serverTransient = Buffer.from(plain.subarray(0, 32))
    this.cookie = Buffer.from(plain.subarray(32, 128))
    this.precom = precompute(this.serverTransient, this.transient.secretKey)
    return true
  }

  initiate(meta: Buffer): Buffer {
    const vouchNonce = this.rng.bytes(16)
    const vouch = sealAfter(precompute(this.serverTransient!, this.keys.secretKey), longNonce("VOUCH---", vouchNonce), Buffer.concat([this.transient.publicKey, this.serverPublic]))
    const inner = Buffer.concat([this.keys.publicKey, vouchNonce, vouch, meta])
    const n = shortNonce("CurveZMQINITIATE", this.nonce++)
    return Buffer.concat([B("\x08INITIATE"), this.cookie!, n.subarray(16), sealAfter(this.precom!, n, inner)])
  }

  ready(body: Buffer): Buffer | null {
    if (body.length < 30 || !startsWith(body, "\x05READY")) return null
    const plain = openAfter(this.precom!, shortNonce("CurveZMQREADY---", body.readBigUInt64BE(6)), body.subarray(14))
    return plain === null ? null : Buffer.from(plain)
  }

  message(flags: number, data: Buffer): Buffer {
    const n = shortNonce("CurveZMQMESSAGEC", this.nonce++)
    return Buffer.concat([B("\x07MESSAGE"), n.subarray(16), sealAfter(this.precom!, n, Buffer.concat([Buffer.of(flags), data]))])
  }

  open(body: Buffer): { flags: number; data: Buffer } | null {
    if (body.length < 33 || !startsWith(body, "\x07MESSAGE")) return null
    const plain = openAfter(this.precom!, shortNonce("CurveZMQMESSAGES", body.readBigUInt64BE(8)), body.subarray(16))
    return plain === null ? null : { flags: plain[0]!, data: Buffer.from(plain.subarray(1)) }
  }

  rewindNonce(): void {
    this.nonce--
  }
}

class CurveServerSide implements CurveCodec {
  private nonce = 1n
  private clientTransient: Buffer | null = null
  private helloKey: Uint8Array | null = null
  private readonly transient: KeyPair
  private precom: Uint8Array | null = null

  constructor(
    private readonly rng: Prng,
    private readonly keys: KeyPair,
  ) {
    this.transient = keyPairFrom(rng)
  }

  hello(body: Buffer): boolean {
    if (body.length !== 200 || !startsWith(body, "\x05HELLO")) return false
    this.clientTransient = Buffer.from(body.subarray(80, 112))
    try {
      this.helloKey = precompute(this.clientTransient, this.keys.secretKey)
    } catch {
      return false
    }
    const plain = openAfter(this.helloKey, shortNonce("CurveZMQHELLO---", body.readBigUInt64BE(112)), body.subarray(120))
    return plain !== null && Buffer.from(plain).equals(ZERO64)
  }

  welcome(): Buffer {
    const cookieKey = this.rng.bytes(32)
    const cookieNonce = this.rng.bytes(16)
    const cookie = sealAfter(cookieKey, longNonce("COOKIE--", cookieNonce), Buffer.concat([this.clientTransient!, this.transient.secretKey]))
    const wn = this.rng.bytes(16)
    const box = sealAfter(this.helloKey!, longNonce("WELCOME-", wn), Buffer.concat([this.transient.publicKey, cookieNonce, cookie]))
    return Buffer.concat([B("\x07WELCOME"), wn, box])
  }

  /** The client's metadata, or null if INITIATE does not open. */
  initiate(body: Buffer): Buffer | null {
    if (body.length < 257 || !startsWith(body, "\x08INITIATE")) return null
    this.precom = precompute(this.clientTransient!, this.transient.secretKey)
    const plain = openAfter(this.precom, shortNonce("CurveZMQINITIATE", body.readBigUInt64BE(105)), body.subarray(113))
    return plain === null || plain.length < 128 ? null : Buffer.from(plain.subarray(128))
  }

  ready(meta: Buffer): Buffer {
    const n = shortNonce("CurveZMQREADY---", this.nonce++)
    return Buffer.concat([B("\x05READY"), n.subarray(16), sealAfter(this.precom!, n, meta)])
  }

  message(flags: number, data: Buffer): Buffer {
    const n = shortNonce("CurveZMQMESSAGES", this.nonce++)
    return Buffer.concat([B("\x07MESSAGE"), n.subarray(16), sealAfter(this.precom!, n, Buffer.concat([Buffer.of(flags), data]))])
  }

  open(body: Buffer): { flags: number; data: Buffer } | null {
    if (body.length < 33 || !startsWith(body, "\x07MESSAGE")) return null
    const plain = openAfter(this.precom!, shortNonce("CurveZMQMESSAGEC", body.readBigUInt64BE(8)), body.subarray(16))
    return plain === null ? null : { flags: plain[0]!, data: Buffer.from(plain.subarray(1)) }
  }

  rewindNonce(): void {
    this.nonce--
  }
}

// =============================================================================
// A raw TCP connection with a ZMTP parser for what the other side sends
// =============================================================================

interface RawFrame {
  flags: number
  body: Buffer
}

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

class WireConn {
  readonly closed: Promise<void>
  private parts: Buffer[] = []
  private held = 0
  private need = 64
  private greetingBytes: Buffer | null = null
  private readonly frames: RawFrame[] = []
  private wake: (() => void) | null = null
  private isClosed = false
  private weEnded = false
  private peerEnded = false
  private resetByPeer = false
  /** Frames are kept only while someone may read them (large publications to an attacker are not). */
  keepFrames = true

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("end", () => {
      if (!this.weEnded) this.peerEnded = true
    })
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNRESET" && !this.weEnded) this.resetByPeer = true
    })
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.isClosed = true
        this.notify()
        resolve()
      })
    })
  }

  static connect(endpoint: string): Promise<WireConn> {
    const { host, port } = tcpAddress(endpoint)
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host, port, noDelay: true })
      s.once("error", reject)
      s.once("connect", () => {
        s.off("error", reject)
        resolve(new WireConn(s))
      })
    })
  }

  /** The other side ended the connection before we did. */
  get closedByPeer(): boolean {
    return this.peerEnded || this.resetByPeer
  }

  get open(): boolean {
    return !this.isClosed
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable && bytes.length > 0) this.socket.write(bytes)
  }

  /** Writes `bytes` in the chunks `cuts` makes, yielding to the event loop between them. */
  async send(bytes: Buffer, cuts: number[]): Promise<void> {
    const chunks = splitAt(bytes, cuts)
    for (let i = 0; i < chunks.length; i++) {
      if (!this.open) return
      this.write(chunks[i]!)
      if (i < chunks.length - 1) await yieldTurn()
    }
  }

  end(): void {
    this.weEnded = true
    if (!this.socket.destroyed) this.socket.end()
  }

  destroy(): void {
    this.weEnded = true
    this.socket.destroy()
  }

  async greeting(): Promise<Buffer | null> {
    while (this.greetingBytes === null) {
      if (this.isClosed) return null
      await this.waitData()
    }
    return this.greetingBytes
  }

  async frame(): Promise<RawFrame | null> {
    for (;;) {
      const f = this.frames.shift()
      if (f !== undefined) return f
      if (this.isClosed) return null
      await this.waitData()
    }
  }

  private waitData(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve
    })
  }

  private notify(): void {
    const w = this.wake
    this.wake = null
    w?.()
  }

  private onData(chunk: Buffer): void {
    this.parts.push(chunk)
    this.held += chunk.length
    if (this.held < this.need) return
    let buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held)
    if (this.greetingBytes === null) {
      this.greetingBytes = Buffer.from(buf.subarray(0, 64))
      buf = buf.subarray(64)
    }
    let off = 0
    for (;;) {
      const avail = buf.length - off
      if (avail < 2) {
        this.need = 2
        break
      }
      const flags = buf[off]!
      const head = flags & F_LONG ? 9 : 2
      if (avail < head) {
        this.need = head
        break
      }
      const size = head === 9 ? Number(buf.readBigUInt64BE(off + 1)) : buf[off + 1]!
      if (avail < head + size) {
        this.need = head + size
        break
      }
      if (this.keepFrames) this.frames.push({ flags, body: Buffer.from(buf.subarray(off + head, off + head + size)) })
      off += head + size
    }
    const rest = buf.subarray(off)
    this.parts = rest.length > 0 ? [rest] : []
    this.held = rest.length
    this.notify()
  }
}

// =============================================================================
// Live inputs
// =============================================================================

export type Side = "bind" | "connect"

interface LogicalFrame {
  more: boolean
  command: boolean
  data: Buffer
}

/** What an attacker really sent, to check what the application received against: bytes framed from `start`, or CURVE's boxed frames. */
type SentRecord = { bytes: Buffer; start: number } | { frames: LogicalFrame[] }

interface LiveInput {
  iteration: number
  mode: "blind" | "session"
  peerType: string
  minor: number
  /** blind: the whole stream; session: the traffic after the handshake (CURVE: before boxing). */
  bytes: Buffer
  cuts: number[]
  ops: string[]
  /** session: the metadata sent in READY/INITIATE (possibly mutated). */
  meta: Buffer
  /** CURVE session: corruptions applied to the MESSAGE boxes. */
  boxOps: { index: number; kind: "flip" | "replay" | "short" | "outer" }[]
  rng: Prng
}

/** Bytes after the handshake are kept below this so a non-reading socket (PUSH) never reaches its high-water mark of 1000 messages. */
const LIVE_CAP = 1990

function genLiveInput(seed: number, target: string, iteration: number, mech: Mech, role: "client" | "server", tType: SockType, keys: RunKeys): LiveInput {
  const rng = rngFor(seed, target, iteration)
  const compatible = COMPATIBLE[tType]
  const peerType = chance(rng, 0.06) ? rng.pick(["PAIR", "PUSH", "PULL", "REQ", "REP", "DEALER", "ROUTER", "PUB", "SUB", "XPUB", "XSUB", "STREAM", "FOO"]) : rng.pick(compatible)
  const donor = (): Buffer => {
    const d = new Builder()
    genTraffic(rng, d)
    return d.build().bytes
  }
  const blind = chance(rng, 0.4)
  if (blind) {
    const s = genBlind(rng, mech, role, peerType, keys)
    const { bytes, ops } = mutate(rng, s, donor, 4, 64 + 600 + LIVE_CAP)
    return { iteration, mode: "blind", peerType, minor: 1, bytes, cuts: chunkCuts(rng, bytes.length, true), ops, meta: Buffer.alloc(0), boxOps: [], rng }
  }
  const minor = chance(rng, 0.25) ? 0 : 1
  const metaSeed = metadata(props(rng, peerType))
  let meta = metaSeed.bytes
  const ops: string[] = []
  if (chance(rng, 0.12)) {
    const m = mutate(rng, metaSeed, () => rng.bytes(rng.int(16)), 2)
    meta = m.bytes
    ops.push(...m.ops.map((o) => `meta:${o}`))
  }
  const t = new Builder()
  genTraffic(rng, t)
  const traffic = t.build()
  let bytes = traffic.bytes
  if (chance(rng, 0.85)) {
    const m = mutate(rng, traffic, donor, 4, LIVE_CAP)
    bytes = m.bytes
    ops.push(...m.ops)
  }
  const boxOps: LiveInput["boxOps"] = []
  if (mech === "CURVE" && chance(rng, 0.25)) {
    const n = 1 + rng.int(2)
    for (let i = 0; i < n; i++) boxOps.push({ index: rng.int(8), kind: rng.pick(["flip", "replay", "short", "outer"] as const) })
    ops.push(...boxOps.map((o) => `box${o.index}:${o.kind}`))
  }
  return { iteration, mode: "session", peerType, minor, bytes, cuts: chunkCuts(rng, bytes.length, false), ops, meta, boxOps, rng }
}

/** Splits traffic bytes into frames the lenient way an attacker would box them (a cut-off last frame is kept as it is). */
function logicalFrames(bytes: Buffer): LogicalFrame[] {
  const out: LogicalFrame[] = []
  let off = 0
  while (off < bytes.length && out.length < 1000) {
    const flags = bytes[off]!
    const sizeLen = flags & F_LONG ? 8 : 1
    const start = Math.min(bytes.length, off + 1 + sizeLen)
    let size = 0
    if (start - off - 1 === sizeLen) size = sizeLen === 8 ? Number(bytes.readBigUInt64BE(off + 1)) : bytes[off + 1]!
    const end = Math.min(bytes.length, start + size)
    out.push({ more: (flags & F_MORE) !== 0, command: (flags & F_CMD) !== 0, data: bytes.subarray(start, end) })
    off = end === off ? off + 1 : end
  }
  return out
}

// =============================================================================
// Plausibility: could an attacker really have sent this message?
// =============================================================================

/** Frames starting at `off` in a byte stream, until the stream stops parsing. */
function framesFrom(bytes: Buffer, off: number, max: number): RawFrame[] {
  const out: RawFrame[] = []
  while (off < bytes.length && out.length < max) {
    const flags = bytes[off]!
    const sizeLen = flags & F_LONG ? 8 : 1
    if (bytes.length - off - 1 < sizeLen) break
    const size = sizeLen === 8 ? bytes.readBigUInt64BE(off + 1) : BigInt(bytes[off + 1]!)
    const start = off + 1 + sizeLen
    if (BigInt(bytes.length - start) < size) break
    out.push({ flags, body: bytes.subarray(start, start + Number(size)) })
    off = start + Number(size)
  }
  return out
}

/**
 * The frames of what an attacker sent, as the socket's engine splits them:
 * a blind stream from the end of its 64-octet greeting, post-handshake
 * traffic from its start, CURVE traffic as the frames it boxed. Every
 * frame boundary is where the engine sees one, so a message is only
 * "sent" if it was sent whole.
 */
function recordFrames(rec: SentRecord): LogicalFrame[] {
  if ("frames" in rec) return rec.frames
  return framesFrom(rec.bytes, rec.start, 100_000).map((f) => ({ more: (f.flags & F_MORE) !== 0, command: (f.flags & F_CMD) !== 0, data: f.body }))
}

/** Whole messages in a frame sequence. Commands between the frames of a message do not end it (the engine takes them out, as libzmq does). */
function messagesOf(frames: LogicalFrame[]): Buffer[][] {
  const out: Buffer[][] = []
  let cur: Buffer[] = []
  for (const f of frames) {
    if (f.command) continue
    cur.push(f.data)
    if (!f.more) {
      out.push(cur)
      cur = []
    }
  }
  return out
}

/** What the socket under attack hands its application for a message a peer sent (null: nothing). */
export type Delivery = (sent: Buffer[]) => Buffer[] | null

/** REP: everything after the envelope, which ends at the first empty frame (not the last frame). */
const repDelivery: Delivery = (sent) => {
  for (let i = 0; i < sent.length - 1; i++) if (sent[i]!.length === 0) return sent.slice(i + 1)
  return null
}

/** True if `msg` is exactly what the socket would deliver for one whole message some attacker sent. */
function sentWhole(msg: Buffer[], sent: SentRecord[], delivery: Delivery): boolean {
  for (const rec of sent) {
    for (const m of messagesOf(recordFrames(rec))) {
      const d = delivery(m)
      if (d !== null && sameMsg(d, msg)) return true
    }
  }
  return false
}

/**
 * An XPUB notification (\x01/\x00 + topic): from a SUBSCRIBE or CANCEL
 * command, or a ZMTP 3.0 \x01/\x00 message, of either kind, since a
 * subscriber that leaves has its topics cancelled for it.
 */
function sentAsSubscription(note: Buffer, sent: SentRecord[]): boolean {
  const topic = note.subarray(1)
  const forms = [Buffer.concat([Buffer.of(1), topic]), Buffer.concat([Buffer.of(0), topic])]
  const commands = [Buffer.concat([B("\x09SUBSCRIBE"), topic]), Buffer.concat([B("\x06CANCEL"), topic])]
  for (const rec of sent) {
    const frames = recordFrames(rec)
    if (frames.some((f) => f.command && commands.some((c) => c.equals(f.data)))) return true
    // The first frame of a multipart message counts too: XPUB reads a
    // subscription from it and drops the rest (libzmq reads one from every
    // frame that starts with \x00/\x01).
    if (messagesOf(frames).some((m) => forms.some((x) => x.equals(m[0]!)))) return true
  }
  return false
}

// =============================================================================
// Sockets of both libraries behind one interface
// =============================================================================

interface Sock {
  bind(address: string): Promise<void>
  connect(address: string): void
  disconnect(address: string): void
  close(): void
  send(message: (Buffer | string)[]): Promise<void>
  receive(): Promise<Buffer[]>
  subscribe(...topics: string[]): void
  readonly lastEndpoint: string | null
  readonly events: unknown
}

type Lib = "zmq-ts" | "zeromq"

/**
 * A zmq-ts PUB that reports each subscription as its socket reads it from a
 * peer (a PUB tells nobody when a subscription has taken effect; this is
 * the event the fuzzer waits for instead of sleeping).
 */
/** Subscription listeners of TappedPublishers (sockets are sealed, as zeromq.js's: no fields of our own). */
const subscriptionTaps = new WeakMap<object, (topic: Buffer) => void>()

class TappedPublisher extends zts.Publisher {
  protected override xattachPipe(pipe: Pipe): void {
    const read = pipe.read.bind(pipe)
    pipe.read = () => {
      const m = read()
      const first = m?.[0]
      if (first !== undefined && first.length > 0 && first[0] === 1) {
        const topic = Buffer.from(first.subarray(1))
        // After the socket's read loop has applied it.
        queueMicrotask(() => subscriptionTaps.get(this)?.(topic))
      }
      return m
    }
    super.xattachPipe(pipe)
  }
}

type Ctor = new (options?: Record<string, unknown>) => unknown
const TS_CTORS: Record<string, Ctor> = {
  PUSH: zts.Push,
  PULL: zts.Pull,
  PAIR: zts.Pair,
  REQ: zts.Request,
  REP: zts.Reply,
  DEALER: zts.Dealer,
  ROUTER: zts.Router,
  PUB: TappedPublisher,
  SUB: zts.Subscriber,
  XPUB: zts.XPublisher,
  XSUB: zts.XSubscriber,
}
const ZMQ_CTORS: Record<string, Ctor> = {
  PUSH: zmq.Push,
  PULL: zmq.Pull,
  PAIR: zmq.Pair,
  REQ: zmq.Request,
  REP: zmq.Reply,
  DEALER: zmq.Dealer,
  ROUTER: zmq.Router,
  PUB: zmq.Publisher,
  SUB: zmq.Subscriber,
  XPUB: zmq.XPublisher,
  XSUB: zmq.XSubscriber,
}

function makeSocket(lib: Lib, type: string, options: Record<string, unknown>): Sock {
  const ctor = (lib === "zmq-ts" ? TS_CTORS : ZMQ_CTORS)[type]
  if (ctor === undefined) throw new Error(`no ${type} socket`)
  return new ctor(options) as Sock
}

export interface RunKeys {
  server: KeyPair
  client: KeyPair
  z85: { serverPublic: string; serverSecret: string; clientPublic: string; clientSecret: string }
}

function runKeys(seed: number): RunKeys {
  const rng = rngFor(seed, "keys", 0)
  const server = keyPairFrom(rng)
  const client = keyPairFrom(rng)
  return {
    server,
    client,
    z85: {
      serverPublic: z85Encode(server.publicKey),
      serverSecret: z85Encode(server.secretKey),
      clientPublic: z85Encode(client.publicKey),
      clientSecret: z85Encode(client.secretKey),
    },
  }
}

function securityOptions(mech: Mech, role: "server" | "client", keys: RunKeys): Record<string, unknown> {
  if (mech === "NULL") return {}
  if (mech === "PLAIN") return role === "server" ? { plainServer: true } : { plainUsername: "u", plainPassword: "p" }
  return role === "server"
    ? { curveServer: true, curveSecretKey: keys.z85.serverSecret, curvePublicKey: keys.z85.serverPublic }
    : { curveServerKey: keys.z85.serverPublic, curvePublicKey: keys.z85.clientPublic, curveSecretKey: keys.z85.clientSecret }
}

/**
 * A ZAP handler (RFC 27) at inproc://zeromq.zap.01: PLAIN lets in user "u"
 * with password "p" only; CURVE and NULL let everyone in.
 */
class ZapHandler {
  private closing = false
  readonly done: Promise<void>
  requests = 0

  constructor(
    private readonly sock: Sock,
    private readonly userId: string,
  ) {
    this.done = this.loop()
  }

  static async start(lib: Lib): Promise<ZapHandler> {
    const sock = makeSocket(lib, "REP", { linger: 0 })
    await sock.bind("inproc://zeromq.zap.01")
    // libzmq 4.3.5 (the zeromq package) stalls a REQ whose PLAIN server's ZAP
    // reply carried a User-Id (libzmq on both ends, measured), so its handler sends none.
    return new ZapHandler(sock, lib === "zmq-ts" ? "fuzz" : "")
  }

  private async loop(): Promise<void> {
    for (;;) {
      let req: Buffer[]
      try {
        req = await this.sock.receive()
      } catch (err) {
        if (this.closing) return
        throw err
      }
      this.requests++
      const [version, id, , , , mechanism, ...creds] = req
      let status = "200"
      if (mechanism?.toString() === "PLAIN") status = creds.length === 2 && creds[0]!.toString() === "u" && creds[1]!.toString() === "p" ? "200" : "400"
      await this.sock.send([version ?? "1.0", id ?? "1", status, status === "200" ? "OK" : "denied", status === "200" ? this.userId : "", Buffer.alloc(0)])
    }
  }

  async close(): Promise<void> {
    this.closing = true
    this.sock.close()
    await this.done
  }
}

// =============================================================================
// Socket events
// =============================================================================

interface SocketEvent {
  type: string
  error?: { code: string; message: string }
}

const EVENT_TYPES = ["accept", "connect", "handshake", "handshake:error:protocol", "handshake:error:auth", "handshake:error:other", "disconnect"] as const

/**
 * Counts a socket's Observer events and lets the fuzzer wait for a count.
 * Unlike raw-peer's EventLog it holds no keep-alive timer per wait (runFuzz
 * holds one for the whole run), so a wait abandoned by a watchdog cannot
 * keep the process alive.
 */
class Events {
  readonly events: SocketEvent[] = []
  private waiters: { type: string; count: number; resolve: () => void }[] = []

  constructor(observer: unknown) {
    const on = (observer as { on(type: string, listener: (e: SocketEvent) => void): unknown }).on.bind(observer)
    for (const type of EVENT_TYPES) on(type, (e) => this.record({ type, ...(e.error ? { error: e.error } : {}) }))
  }

  count(type: string): number {
    let n = 0
    for (const e of this.events) if (e.type === type) n++
    return n
  }

  waitFor(type: string, count: number): Promise<void> {
    if (this.count(type) >= count) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ type, count, resolve }))
  }

  private record(e: SocketEvent): void {
    this.events.push(e)
    const ready = this.waiters.filter((w) => w.type === e.type && this.count(w.type) >= w.count)
    if (ready.length === 0) return
    this.waiters = this.waiters.filter((w) => !ready.includes(w))
    for (const w of ready) w.resolve()
  }
}

// =============================================================================
// Watchdogs
// =============================================================================

class Stall extends Error {}

/** Fails (never retries) if `p` has not settled within `ms`: a hang becomes a reported failure. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | null = null
  const dog = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Stall(`${what}: nothing happened for ${ms} ms`)), ms)
  })
  return Promise.race([p, dog]).finally(() => {
    if (timer !== null) clearTimeout(timer)
  })
}

// =============================================================================
// Memory
// =============================================================================

let gcFn: (() => void) | null = null

/** heapUsed + arrayBuffers after full collections (--expose-gc, or turned on at run time). */
export async function settledMemory(): Promise<number> {
  if (gcFn === null) {
    const g = (globalThis as { gc?: () => void }).gc
    if (g !== undefined) {
      gcFn = g
    } else {
      v8.setFlagsFromString("--expose-gc")
      gcFn = vm.runInNewContext("gc") as () => void
    }
  }
  for (let i = 0; i < 3; i++) {
    gcFn()
    await yieldTurn()
  }
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const MiB = 1 << 20

// =============================================================================
// Live harness: one socket under attack plus a well-behaved peer
// =============================================================================

const G_ID = "good-dealer"
const T_ID = "target-dealer"

/** Types whose good traffic no attacker can take while it is connected (so it is checked during batches too). */
const DURING_OK: Record<SockType, boolean> = {
  PUSH: false,
  REQ: false,
  PULL: true,
  PAIR: true,
  REP: true,
  DEALER: true,
  ROUTER: true,
  PUB: true,
  SUB: true,
  XPUB: true,
  XSUB: true,
}

const GOOD_TYPE: Record<SockType, string> = {
  PUSH: "PULL",
  PULL: "PUSH",
  PAIR: "PAIR",
  REQ: "REP",
  REP: "REQ",
  DEALER: "ROUTER",
  ROUTER: "DEALER",
  PUB: "SUB",
  SUB: "XPUB",
  XPUB: "SUB",
  XSUB: "XPUB",
}

function goodMessage(round: number, i: number, tag: string): Buffer[] {
  const sizes = [0, 7, 255, 256, 1500, 40]
  const n = sizes[(round + i) % sizes.length]!
  const payload = Buffer.alloc(n)
  for (let k = 0; k < n; k++) payload[k] = (round * 31 + i * 7 + k) & 0xff
  return [Buffer.from("good"), Buffer.from(`${tag}:${round}.${i}`), payload]
}

/** How a subscription notification is remembered: as text when short, by digest when long (a 4 MiB topic is not kept). */
function noteKey(frame: Buffer): string {
  return frame.length <= 256 ? frame.toString("latin1") : `#${frame.length}:${createHash("sha256").update(frame).digest("hex")}`
}

const isGood = (m: Buffer[]): boolean => m[0]?.toString("latin1") === "good"

function sameMsg(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((f, i) => f.equals(b[i]!))
}

function showMsg(m: Buffer[]): string {
  return JSON.stringify(m.map((f) => (f.length > 40 ? `${f.toString("latin1", 0, 40)}...(${f.length})` : f.toString("latin1"))))
}

/** Serialises sends on one socket (a second send while one is pending would be EBUSY). */
function serialSender(sock: Sock): (m: (Buffer | string)[]) => Promise<void> {
  let chain: Promise<void> = Promise.resolve()
  return (m) => {
    const p = chain.then(() => sock.send(m))
    chain = p.catch(() => undefined)
    return p
  }
}

/** Reads a socket continuously, sorting good messages from foreign ones. */
class Pump {
  private readonly good: Buffer[][] = []
  private goodWaiter: (() => void) | null = null
  readonly foreign: { msg: Buffer[]; kind: "frames" | "note"; key?: string }[] = []
  readonly notes: string[] = []
  private noteWaiters: { note: string; resolve: () => void }[] = []
  closing = false
  error: unknown = null
  private readonly done: Promise<void>

  constructor(
    private readonly sock: Sock,
    private readonly handle: (m: Buffer[], pump: Pump) => Promise<void>,
  ) {
    this.done = this.run()
  }

  private async run(): Promise<void> {
    for (;;) {
      let m: Buffer[]
      try {
        m = await this.sock.receive()
      } catch (err) {
        if (!this.closing) this.error = err
        this.wakeAll()
        return
      }
      try {
        await this.handle(m, this)
      } catch (err) {
        if (!this.closing) this.error = err
        this.wakeAll()
        return
      }
    }
  }

  pushGood(m: Buffer[]): void {
    this.good.push(m)
    const w = this.goodWaiter
    this.goodWaiter = null
    w?.()
  }

  note(frame: Buffer): void {
    const s = noteKey(frame)
    this.notes.push(s)
    const ready = this.noteWaiters.filter((w) => w.note === s)
    this.noteWaiters = this.noteWaiters.filter((w) => w.note !== s)
    for (const w of ready) w.resolve()
  }

  waitNote(frame: Buffer | string): Promise<void> {
    const note = typeof frame === "string" ? frame : noteKey(frame)
    if (this.notes.includes(note)) return Promise.resolve()
    return new Promise((resolve) => this.noteWaiters.push({ note, resolve }))
  }

  async nextGood(): Promise<Buffer[]> {
    for (;;) {
      const m = this.good.shift()
      if (m !== undefined) return m
      if (this.error !== null) throw new Error(`receiving failed: ${describeError(this.error)}`)
      await new Promise<void>((resolve) => (this.goodWaiter = resolve))
    }
  }

  private wakeAll(): void {
    const w = this.goodWaiter
    this.goodWaiter = null
    w?.()
  }

  async stop(): Promise<void> {
    this.closing = true
    await this.done
  }
}

interface HarnessCounters {
  inputs: number
  batches: number
  foreign: number
  /** Attacker connections that completed the handshake. */
  through: number
}

export class Harness {
  T!: Sock
  G!: Sock
  log!: Events
  /** Where attackers connect (bind side), or where T connects to the good peer (connect side). */
  endpoint = ""
  private tPump: Pump | null = null
  private gPump: Pump | null = null
  private tSend!: (m: (Buffer | string)[]) => Promise<void>
  private gSend!: (m: (Buffer | string)[]) => Promise<void>
  private round = 0
  private attackers = 0
  private readonly sent: SentRecord[] = []
  /** Notifications a replay announced and checked itself (by key). */
  private readonly expectedNotes = new Set<string>()
  readonly counters: HarnessCounters = { inputs: 0, batches: 0, foreign: 0, through: 0 }
  private subTopics = new Map<string, (() => void)[]>()
  private readonly watchdogMs: number

  constructor(
    readonly type: SockType,
    readonly mech: Mech,
    readonly side: Side,
    readonly lib: Lib,
    readonly keys: RunKeys,
    watchdogMs: number,
  ) {
    this.watchdogMs = watchdogMs
  }

  get name(): string {
    return `${this.side}:${this.type}:${this.mech}`
  }

  private get tRole(): "server" | "client" {
    return this.side === "bind" ? "server" : "client"
  }

  async setup(): Promise<void> {
    const tOpts = { linger: 0, ...securityOptions(this.mech, this.tRole, this.keys), ...(this.type === "DEALER" ? { routingId: T_ID } : {}) }
    const gRole = this.tRole === "server" ? "client" : "server"
    const gType = GOOD_TYPE[this.type]
    const gOpts = { linger: 0, ...securityOptions(this.mech, gRole, this.keys), ...(gType === "DEALER" ? { routingId: G_ID } : {}) }
    this.T = makeSocket("zmq-ts", this.type, tOpts)
    this.G = makeSocket(this.lib, gType, gOpts)
    this.tSend = serialSender(this.T)
    this.gSend = serialSender(this.G)
    this.log = new Events(this.T.events)
    if (this.type === "PUB") {
      subscriptionTaps.set(this.T, (topic) => {
        const key = topic.toString("latin1")
        const list = this.subTopics.get(key) ?? []
        this.subTopics.set(key, [])
        for (const fn of list) fn()
      })
    }
    this.startPumps()
    if (this.side === "bind") {
      await this.T.bind("tcp://127.0.0.1:*")
      this.endpoint = this.T.lastEndpoint!
      this.G.connect(this.endpoint)
    } else {
      await this.G.bind("tcp://127.0.0.1:*")
      this.endpoint = this.G.lastEndpoint!
      this.T.connect(this.endpoint)
    }
    // After the bind: a send while a bind is under way throws EBUSY (zeromq.js).
    const subscribed = this.subscriptionSync()
    // The good peer's connection must not drop while it is being set up: fail
    // at once with what the socket reported rather than wait for a watchdog.
    const dropped = this.log.waitFor("disconnect", 1).then(() => {
      const seen = this.log.events.map((e) => (e.error ? `${e.type} ${e.error.code} (${e.error.message})` : e.type))
      throw new Error(`${this.name}: the good peer's connection was dropped during setup; socket events: ${seen.join(", ")}`)
    })
    const guard = <X>(p: Promise<X>, what: string): Promise<X> => within(Promise.race([p, dropped]), this.watchdogMs, `${this.name}: ${what}`)
    try {
      await guard(this.log.waitFor("handshake", 1), "the good peer's handshake")
      await guard(subscribed, "the good peer's subscription")
      await guard(this.exchange("after"), "first exchange with the good peer")
    } finally {
      dropped.catch(() => undefined)
    }
  }

  /** For the pub-sub types: subscribe to "good" and resolve once the publisher side has taken it. */
  private subscriptionSync(): Promise<void> {
    switch (this.type) {
      case "PUB": {
        const p = new Promise<void>((resolve) => this.subTopics.set("good", [resolve]))
        this.G.subscribe("good")
        return p
      }
      case "XPUB": {
        const p = this.tPump!.waitNote("\x01good")
        this.G.subscribe("good")
        return p
      }
      case "SUB": {
        const p = this.gPump!.waitNote("\x01good")
        this.T.subscribe("good")
        return p
      }
      case "XSUB": {
        const p = this.gPump!.waitNote("\x01good")
        void this.tSend([Buffer.from("\x01good", "latin1")])
        return p
      }
      default:
        return Promise.resolve()
    }
  }

  private startPumps(): void {
    const t = this.type
    const plain = (m: Buffer[], pump: Pump): Promise<void> => {
      if (isGood(m)) pump.pushGood(m)
      else pump.foreign.push({ msg: m, kind: "frames" })
      return Promise.resolve()
    }
    switch (t) {
      case "PULL":
      case "PAIR":
      case "SUB":
      case "XSUB":
      case "DEALER":
        this.tPump = new Pump(this.T, plain)
        break
      case "REP":
        this.tPump = new Pump(this.T, async (m, pump) => {
          if (isGood(m)) {
            await this.tSend([...m, "ack"])
            pump.pushGood(m)
          } else {
            pump.foreign.push({ msg: m, kind: "frames" })
            await this.tSend(["nack"])
          }
        })
        break
      case "ROUTER":
        this.tPump = new Pump(this.T, async (m, pump) => {
          const rest = m.slice(1)
          if (isGood(rest)) {
            if (m[0]!.toString("latin1") !== G_ID) throw new Error(`a good message came with routing id ${showMsg([m[0]!])}`)
            await this.tSend([m[0]!, ...rest, "ack"])
            pump.pushGood(rest)
          } else {
            pump.foreign.push({ msg: rest, kind: "frames" })
          }
        })
        break
      case "XPUB":
        this.tPump = new Pump(this.T, (m, pump) => {
          const f = m[0]
          if (m.length === 1 && f !== undefined && f.length > 0 && f[0]! <= 1) {
            pump.note(f)
            const key = noteKey(f)
            // A long topic is checked by its digest against what the replay sent; the frame itself is not kept.
            if (key !== "\x01good") pump.foreign.push(f.length > 256 ? { msg: [], kind: "note", key } : { msg: m, kind: "note", key })
          } else {
            pump.foreign.push({ msg: m, kind: "frames" })
          }
          return Promise.resolve()
        })
        break
      default:
        break
    }
    const g = GOOD_TYPE[t]
    if (g === "REP") {
      this.gPump = new Pump(this.G, async (m) => {
        await this.gSend([...m, "ack"])
      })
    } else if (g === "ROUTER") {
      this.gPump = new Pump(this.G, async (m) => {
        await this.gSend([...m, "ack"])
      })
    } else if (g === "XPUB") {
      this.gPump = new Pump(this.G, (m, pump) => {
        if (m[0] !== undefined) pump.note(m[0])
        return Promise.resolve()
      })
    }
  }

  private async expectFromPump(want: Buffer[], what: string): Promise<void> {
    const got = await this.tPump!.nextGood()
    if (!sameMsg(got, want)) throw new Error(`${what}: expected ${showMsg(want)}, got ${showMsg(got)}`)
  }

  private async expectFromG(want: Buffer[], what: string): Promise<void> {
    const got = await this.G.receive()
    if (!sameMsg(got, want)) throw new Error(`${what}: expected ${showMsg(want)}, got ${showMsg(got)}`)
  }

  /** One exchange with the good peer; "during" only for the types where attackers cannot take good traffic. */
  async exchange(phase: "during" | "after", n = 3): Promise<void> {
    const r = this.round++
    const ack = (m: Buffer[]): Buffer[] => [...m, Buffer.from("ack")]
    for (let i = 0; i < n; i++) {
      const m = goodMessage(r, i, phase)
      const what = `${this.name}: good exchange ${phase} #${r}.${i}`
      switch (this.type) {
        case "PUSH":
        case "PUB":
        case "XPUB":
          await this.tSend(m)
          await this.expectFromG(m, what)
          break
        case "PULL":
        case "SUB":
        case "XSUB":
          await this.gSend(m)
          await this.expectFromPump(m, what)
          break
        case "PAIR":
          await this.gSend(m)
          await this.expectFromPump(m, what)
          await this.tSend(m)
          await this.expectFromG(m, what)
          break
        case "REQ":
          await this.T.send(m)
          {
            const got = await this.T.receive()
            if (!sameMsg(got, ack(m))) throw new Error(`${what}: REQ got ${showMsg(got)}`)
          }
          break
        case "REP":
          await this.G.send(m)
          await this.expectFromG(ack(m), what)
          await this.expectFromPump(m, what)
          break
        case "DEALER":
          // T first: a ROUTER drops what it cannot route yet, and it knows T once T's message arrived.
          if (phase === "after") {
            await this.tSend(m)
            await this.expectFromPump(ack(m), what)
          }
          await this.gSend([T_ID, ...m])
          await this.expectFromPump(m, what)
          break
        case "ROUTER":
          await this.G.send(m)
          await this.expectFromPump(m, what)
          await this.expectFromG(ack(m), what)
          break
      }
    }
  }

  // ---- attackers ---------------------------------------------------------------

  /** Opens an attacker connection: to T (bind side), or T's connection to an attacker's listener (connect side). */
  async openAttacker(): Promise<{ conn: WireConn; finish: () => void }> {
    if (this.side === "bind") {
      const conn = await WireConn.connect(this.endpoint)
      this.attackers++
      return { conn, finish: () => undefined }
    }
    const server = net.createServer()
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen({ host: "127.0.0.1", port: 0 }, () => resolve())
    })
    const ep = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve))
    this.T.connect(ep)
    let sock: net.Socket
    try {
      sock = await within(accepted, this.watchdogMs, `${this.name}: T dialling the attacker`)
    } finally {
      server.close()
    }
    const conn = new WireConn(sock)
    return {
      conn,
      finish: () => {
        try {
          this.T.disconnect(ep)
        } catch {
          // closed during teardown
        }
      },
    }
  }

  /** Runs one fuzz input as an attacker and waits until the connection is gone. */
  async attack(inp: LiveInput): Promise<void> {
    const { conn, finish } = await this.openAttacker()
    try {
      if (inp.mode === "blind") {
        this.sent.push({ bytes: inp.bytes, start: 64 })
        await conn.send(inp.bytes, inp.cuts)
      } else {
        await this.playSession(conn, inp)
      }
      conn.end()
      await within(conn.closed, this.watchdogMs, `${this.name}: input ${inp.iteration}: the socket did not end the connection after the attacker's FIN`)
    } finally {
      conn.destroy()
      finish()
    }
    this.counters.inputs++
  }

  private async playSession(conn: WireConn, inp: LiveInput): Promise<void> {
    const role = this.side === "bind" ? "client" : "server"
    const codec = await handshake(conn, this.mech, role, inp.minor, inp.meta, inp.rng, this.keys)
    if (this.mech !== "CURVE") {
      this.sent.push({ bytes: inp.bytes, start: 0 })
      await conn.send(inp.bytes, inp.cuts)
      return
    }
    if (codec === null) return
    const frames = logicalFrames(inp.bytes)
    this.sent.push({ frames })
    const out: Buffer[] = []
    frames.forEach((f, i) => {
      const ops = inp.boxOps.filter((o) => o.index === i)
      if (ops.some((o) => o.kind === "replay")) codec.rewindNonce()
      let body = codec.message((f.more ? 1 : 0) | (f.command ? 2 : 0), f.data)
      let outerFlags = 0
      for (const o of ops) {
        if (o.kind === "flip") {
          body = Buffer.from(body)
          const at = 8 + inp.rng.int(body.length - 8)
          body[at] = body[at]! ^ (1 << inp.rng.int(8))
        } else if (o.kind === "short") {
          body = body.subarray(0, inp.rng.int(33))
        } else if (o.kind === "outer") {
          outerFlags = inp.rng.pick([F_MORE, F_CMD, F_MORE | F_CMD, 0x08])
        }
      }
      out.push(frameBytes(body, outerFlags))
    })
    const bytes = Buffer.concat(out)
    await conn.send(bytes, chunkCuts(inp.rng, bytes.length, false))
  }

  /** A batch: inputs run concurrently while the good peer exchanges; then checks. */
  async batch(inputs: LiveInput[]): Promise<void> {
    const during = DURING_OK[this.type] ? this.exchange("during") : Promise.resolve()
    await within(Promise.all([...inputs.map((i) => this.attack(i)), during]), this.watchdogMs * 2, `${this.name}: batch`)
    if (this.side === "bind") await within(this.log.waitFor("disconnect", this.attackers), this.watchdogMs, `${this.name}: disconnect events for every attacker`)
    await within(this.exchange("after"), this.watchdogMs, `${this.name}: good exchange after the batch`)
    this.checkPumps()
    this.counters.batches++
  }

  /** No receive loop failed; everything foreign was really sent by an attacker, whole. */
  checkPumps(): void {
    for (const p of [this.tPump, this.gPump]) {
      if (p !== null && p.error !== null) throw new Error(`${this.name}: receiving failed: ${describeError(p.error)}`)
    }
    const pump = this.tPump
    if (pump === null) return
    // Checked entries are dropped: nothing the attackers sent is kept longer than needed.
    for (const f of pump.foreign.splice(0)) {
      this.counters.foreign++
      if (this.type === "PAIR") throw new Error(`${this.name}: PAIR delivered a message from a second peer: ${showMsg(f.msg)}`)
      if (f.kind === "note" && f.key !== undefined && this.expectedNotes.has(f.key)) continue
      const ok = f.kind === "note" && f.msg[0] !== undefined ? sentAsSubscription(f.msg[0], this.sent) : f.kind === "frames" && sentWhole(f.msg, this.sent, this.type === "REP" ? repDelivery : (m) => m)
      if (!ok) throw new Error(`${this.name}: the application received a message no attacker sent whole: ${f.msg.length ? showMsg(f.msg) : f.key}`)
    }
  }

  async teardown(): Promise<void> {
    // Every handshake the socket reported but the good peer's.
    if (this.log !== undefined) this.counters.through = Math.max(0, this.log.count("handshake") - 1)
    for (const p of [this.tPump, this.gPump]) if (p !== null) p.closing = true
    this.T?.close()
    this.G?.close()
    await Promise.all([this.tPump?.stop(), this.gPump?.stop()])
  }

  // ---- replays -------------------------------------------------------------------

  /** Opens an attacker that completes a valid handshake; null if the socket ended it (it should not). */
  async validSession(peerType: string, minor = 1, meta?: Buffer): Promise<{ conn: WireConn; codec: CurveCodec | null; finish: () => void } | null> {
    const a = await this.openAttacker()
    const rng = rngFor(0, this.name, this.attackers)
    const m = meta ?? metadata([["Socket-Type", peerType]]).bytes
    const codec = await handshake(a.conn, this.mech, this.side === "bind" ? "client" : "server", minor, m, rng, this.keys, true)
    if (this.mech === "CURVE" && codec === null) {
      a.conn.destroy()
      a.finish()
      return null
    }
    return { conn: a.conn, codec, finish: a.finish }
  }

  private sendFrame(conn: WireConn, codec: CurveCodec | null, data: Buffer, flags: number): void {
    if (codec === null) conn.write(frameBytes(data, flags))
    else conn.write(frameBytes(codec.message((flags & F_MORE ? 1 : 0) | (flags & F_CMD ? 2 : 0), data), 0))
  }

  /** Reads frames (unboxing CURVE) until `pred` matches one; false if the connection closes first. */
  private async awaitFrame(conn: WireConn, codec: CurveCodec | null, pred: (f: { command: boolean; data: Buffer; more: boolean }) => boolean): Promise<boolean> {
    for (;;) {
      const f = await conn.frame()
      if (f === null) return false
      let lf = { command: (f.flags & F_CMD) !== 0, more: (f.flags & F_MORE) !== 0, data: f.body }
      if (codec !== null) {
        const o = codec.open(f.body)
        if (o === null) return false
        lf = { command: (o.flags & 2) !== 0, more: (o.flags & 1) !== 0, data: o.data }
      }
      if (pred(lf)) return true
    }
  }

  /**
   * CVE-2019-6250: after a valid handshake, a frame header whose 64-bit size
   * would make `pointer + size` wrap (0xFFFFFFFFFFFFFFF0 and friends). The
   * socket must drop the connection by itself, without waiting for the body.
   */
  async replayHugeFrame(size: bigint, flags: number): Promise<void> {
    const peerType = COMPATIBLE[this.type][0]!
    const s = await this.validSession(peerType)
    if (s === null) throw new Error(`${this.name}: valid handshake refused`)
    try {
      s.conn.write(Buffer.concat([Buffer.of(flags | F_LONG), bigBytes(size), Buffer.alloc(32, 0x41)]))
      await within(s.conn.closed, this.watchdogMs, `${this.name}: CVE-2019-6250 frame of size 0x${size.toString(16)}: the socket did not drop the connection`)
      if (!s.conn.closedByPeer) throw new Error(`${this.name}: connection closed, but not by the socket`)
    } finally {
      s.conn.destroy()
      s.finish()
    }
    this.counters.inputs++
  }

  /** CVE-2019-6250's original form: a ZMTP 2.0 greeting, then a v2 frame with a wrapping size. */
  async replayV2(): Promise<void> {
    const { conn, finish } = await this.openAttacker()
    try {
      // ZMTP 2.0 (RFC 15): signature, revision 1, socket type, identity frame; then a long frame.
      conn.write(Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 5, 0, 0]), Buffer.of(F_LONG), bigBytes(0xfffffffffffffff0n), Buffer.alloc(64, 0x41)]))
      await within(conn.closed, this.watchdogMs, `${this.name}: ZMTP 2.0 greeting with a wrapping frame size: not dropped`)
      if (!conn.closedByPeer) throw new Error(`${this.name}: ZMTP 2.0 connection closed, but not by the socket`)
    } finally {
      conn.destroy()
      finish()
    }
    this.counters.inputs++
  }

  /**
   * A claim the socket may accept (4 GiB - 1, which a Buffer can hold) with
   * only 1 MiB of body sent, then EOF: the connection ends and what was
   * gathered is freed (the harness's memory check covers it).
   */
  async replayTrickle(): Promise<void> {
    const peerType = COMPATIBLE[this.type][0]!
    const s = await this.validSession(peerType)
    if (s === null) throw new Error(`${this.name}: valid handshake refused`)
    try {
      s.conn.write(Buffer.concat([Buffer.of(F_LONG), bigBytes(2n ** 32n - 1n)]))
      for (let i = 0; i < 16; i++) s.conn.write(Buffer.alloc(64 << 10, 0x42))
      s.conn.end()
      await within(s.conn.closed, this.watchdogMs, `${this.name}: 4 GiB claim trickled with 1 MiB then EOF: not closed`)
    } finally {
      s.conn.destroy()
      s.finish()
    }
    this.counters.inputs++
  }

  /**
   * Metadata whose property claims more bytes than the command holds, in a
   * validly encrypted CURVE INITIATE (bind side) or READY (connect side), or
   * the cleartext INITIATE/READY of PLAIN and NULL. The handshake must fail
   * with a protocol error.
   */
  async replayBadMetadata(variant: number): Promise<string> {
    const peerType = COMPATIBLE[this.type][0]!
    const good = metadata([["Socket-Type", peerType]]).bytes
    const name = B("\x0bSocket-Type")
    const u32 = (v: number): Buffer => {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(v >>> 0)
      return b
    }
    const variants: Buffer[] = [
      Buffer.concat([name, u32(0xffffffff), B(peerType)]),
      Buffer.concat([name, u32(0x80000000), B(peerType)]),
      Buffer.concat([name, u32(peerType.length + 1), B(peerType)]),
      Buffer.concat([good, B("\x01X"), u32(0x7fffffff), B("tail")]),
      Buffer.concat([good, B("\xffSocket")]),
      Buffer.concat([good, name, B("\x00\x00")]),
      Buffer.concat([good, B("\x00")]),
    ]
    const meta = variants[variant % variants.length]!
    const before = this.log.count("handshake:error:protocol")
    const a = await this.openAttacker()
    try {
      const rng = rngFor(0, this.name, 1_000_000 + variant)
      await handshake(a.conn, this.mech, this.side === "bind" ? "client" : "server", 1, meta, rng, this.keys, true)
      await within(this.log.waitFor("handshake:error:protocol", before + 1), this.watchdogMs, `${this.name}: bad metadata #${variant}: no handshake:error:protocol`)
      await within(a.conn.closed, this.watchdogMs, `${this.name}: bad metadata #${variant}: connection not closed`)
    } finally {
      a.conn.destroy()
      a.finish()
    }
    this.counters.inputs++
    const e = this.log.events.filter((x) => x.type === "handshake:error:protocol").at(-1)
    return e?.error?.code ?? "?"
  }

  /**
   * A long SUBSCRIBE then CANCEL (ZMTP 3.1 commands, or 3.0 \x01/\x00
   * messages). Publishers take and drop the subscription (XPUB reports both),
   * others ignore it; memory returns to where it was.
   */
  async replayLongSubscription(len: number, form: "command" | "message", measure = true): Promise<number> {
    const pub = this.type === "PUB" || this.type === "XPUB"
    const peerType = pub ? "SUB" : COMPATIBLE[this.type][0]!
    const topic = Buffer.alloc(len)
    for (let i = 0; i < len; i++) topic[i] = (i * 131 + 7) & 0xff
    topic.write("atk-long", 0, "latin1")
    // Measured with the topic itself already allocated: only what the socket keeps counts.
    const before = measure ? await settledMemory() : 0
    this.expectedNotes.add(noteKey(Buffer.concat([Buffer.of(1), topic])))
    this.expectedNotes.add(noteKey(Buffer.concat([Buffer.of(0), topic])))
    const sentinel = B("atk-sentinel")
    this.sent.push({ bytes: Buffer.concat([frameBytes(commandBody("SUBSCRIBE", sentinel), F_CMD), frameBytes(Buffer.concat([Buffer.of(1), sentinel]), 0)]), start: 0 })
    const s = await this.validSession(peerType, form === "command" ? 1 : 0)
    if (s === null) throw new Error(`${this.name}: valid handshake refused`)
    try {
      const { conn, codec } = s
      const sub = (on: boolean, t: Buffer): void => {
        if (form === "command") this.sendFrame(conn, codec, commandBody(on ? "SUBSCRIBE" : "CANCEL", t), F_CMD)
        else this.sendFrame(conn, codec, Buffer.concat([Buffer.of(on ? 1 : 0), t]), 0)
      }
      if (pub) sub(true, sentinel)
      sub(true, topic)
      sub(false, topic)
      this.sendFrame(conn, codec, commandBody("PING", Buffer.concat([Buffer.alloc(2), B("long")])), F_CMD)
      const ponged = await within(
        this.awaitFrame(conn, codec, (f) => f.command && f.data.equals(commandBody("PONG", B("long")))),
        this.watchdogMs,
        `${this.name}: long ${form} subscription: no PONG`,
      )
      // A PAIR with its good peer attached refuses every other peer once it has handshaken.
      if (!ponged && this.type !== "PAIR") throw new Error(`${this.name}: long ${form} subscription: the connection was dropped`)
      if (ponged && this.type === "XPUB") {
        await within(
          Promise.all([this.tPump!.waitNote(Buffer.concat([Buffer.of(1), topic])), this.tPump!.waitNote(Buffer.concat([Buffer.of(0), topic]))]),
          this.watchdogMs,
          `${this.name}: XPUB did not report the long subscribe and cancel`,
        )
      }
      if (ponged && pub) {
        // The cancel took effect: the long-topic publication is not delivered, the sentinel is.
        await this.tSend([Buffer.concat([topic, B("x")])])
        await this.tSend([sentinel])
        let first: Buffer | null = null
        const got = await within(
          this.awaitFrame(conn, codec, (f) => {
            if (f.command) return false
            first = f.data
            return true
          }),
          this.watchdogMs,
          `${this.name}: sentinel publication`,
        )
        if (!got || first === null) throw new Error(`${this.name}: the subscriber was dropped before the sentinel`)
        if (!(first as Buffer).equals(sentinel)) throw new Error(`${this.name}: after CANCEL the subscriber received ${showMsg([first])} before the sentinel`)
      }
      conn.end()
      await within(conn.closed, this.watchdogMs, `${this.name}: long subscription: not closed after FIN`)
    } finally {
      s.conn.destroy()
      s.finish()
    }
    if (this.side === "bind") await within(this.log.waitFor("disconnect", this.attackers), this.watchdogMs, `${this.name}: disconnect after long subscription`)
    await within(this.exchange("after"), this.watchdogMs, `${this.name}: good exchange after long subscription`)
    this.checkPumps()
    this.counters.inputs++
    return measure ? (await settledMemory()) - before : 0
  }
}

/**
 * Performs the attacker's side of the handshake. NULL and PLAIN are written
 * blind (in order, without waiting), unless `wait` asks to see the other
 * side's last handshake command first. CURVE is interactive; the returned
 * codec boxes and unboxes MESSAGEs (null if the handshake did not complete).
 */
async function handshake(conn: WireConn, mech: Mech, role: "client" | "server", minor: number, meta: Buffer, rng: Prng, keys: RunKeys, wait = false): Promise<CurveCodec | null> {
  const g = greetingBytes(mech, role === "server", minor)
  if (mech === "NULL") {
    conn.write(Buffer.concat([g, frameBytes(Buffer.concat([B("\x05READY"), meta]), F_CMD)]))
    if (wait) await awaitCommand(conn, "\x05READY")
    return null
  }
  if (mech === "PLAIN") {
    if (role === "client") {
      conn.write(Buffer.concat([g, frameBytes(commandBody("HELLO", B("\x01u\x01p")), F_CMD), frameBytes(commandBody("INITIATE", meta), F_CMD)]))
    } else {
      conn.write(Buffer.concat([g, frameBytes(commandBody("WELCOME"), F_CMD), frameBytes(commandBody("READY", meta), F_CMD)]))
    }
    if (wait) await awaitCommand(conn, role === "client" ? "\x05READY" : "\x08INITIATE")
    return null
  }
  if (role === "client") {
    const c = new CurveClientSide(rng, keys.server.publicKey, keys.client)
    conn.write(Buffer.concat([g, frameBytes(c.hello(), F_CMD)]))
    if ((await conn.greeting()) === null) return null
    const w = await conn.frame()
    if (w === null || !c.welcome(w.body)) return null
    conn.write(frameBytes(c.initiate(meta), F_CMD))
    const r = await conn.frame()
    if (r === null || c.ready(r.body) === null) return null
    return c
  }
  const s = new CurveServerSide(rng, keys.server)
  conn.write(g)
  if ((await conn.greeting()) === null) return null
  const h = await conn.frame()
  if (h === null || !s.hello(h.body)) return null
  conn.write(frameBytes(s.welcome(), F_CMD))
  const i = await conn.frame()
  if (i === null || s.initiate(i.body) === null) return null
  conn.write(frameBytes(s.ready(meta), F_CMD))
  return s
}

async function awaitCommand(conn: WireConn, prefix: string): Promise<void> {
  for (;;) {
    const f = await conn.frame()
    if (f === null) return
    if (f.flags & F_CMD && startsWith(f.body, prefix)) return
  }
}

// =============================================================================
// Runner
// =============================================================================

export interface Failure {
  target: string
  seed: number
  iterations: string
  message: string
  repro: string
}

export interface TargetStats {
  inputs: number
  batches: number
  /** Attacker connections that completed the handshake. */
  through: number
  foreign: number
  failures: number
  ms: number
}

export interface FuzzReport {
  seed: number
  targets: Record<string, TargetStats>
  failures: Failure[]
  notes: string[]
  memory: { baseline: number; end: number; peakGrowth: number; rssBaseline: number; rssPeakGrowth: number }
  ms: number
}

export interface FuzzOptions {
  seed: number
  /** "short": fixed counts (the test suite). "long": keep going until `seconds` have passed. */
  profile: "short" | "long"
  seconds?: number
  /** Target name prefixes to run; all when empty. */
  targets?: string[]
  /** Target name prefixes to leave out. */
  skip?: string[]
  /** Replay only these iterations (inclusive range) of the selected targets. */
  iterations?: [number, number]
  /** Inputs per batch and batches per visit of a live target. */
  batchSize?: number
  batchesPerVisit?: number
  decoderInputs?: number
  /** Bytes of the long SUBSCRIBE replay. */
  longTopic?: number
  /** Measure memory (forced GC) around every visit (long profile), not only around the whole run. */
  visitMemory?: boolean
  log?: (line: string) => void
  watchdogMs?: number
}

export function allTargets(): string[] {
  const out = ["decoder"]
  for (const side of ["bind", "connect"] as const) for (const t of TYPES) for (const m of MECHS) out.push(`${side}:${t}:${m}`)
  for (const side of ["bind", "connect"] as const) for (const t of TYPES) for (const m of MECHS) out.push(`replay:${side}:${t}:${m}`)
  return out
}

function selected(all: string[], filters: string[] | undefined): string[] {
  if (filters === undefined || filters.length === 0) return all
  return all.filter((t) => filters.some((f) => t.startsWith(f)))
}

/** Which library the good peer uses: alternates over the targets so both are covered. */
export function goodLib(type: SockType, mech: Mech, side: Side): Lib {
  // A bound libzmq SUB sends its subscriptions only once the connecting
  // publisher has sent something (libzmq 4.3.5 to libzmq too, measured), so
  // a connecting publisher's subscription could not be awaited: zmq-ts there.
  if (side === "connect" && (type === "PUB" || type === "XPUB")) return "zmq-ts"
  // A zmq-ts XPUB cannot take SUBSCRIBE over CURVE (see the known-bug test in
  // fuzz-short.test.ts); the SUB/XSUB targets are fuzzed against libzmq's XPUB.
  if (mech === "CURVE" && (type === "SUB" || type === "XSUB")) return "zeromq"
  const n = TYPES.indexOf(type) + MECHS.indexOf(mech) + (side === "bind" ? 0 : 1)
  return n % 2 === 0 ? "zeromq" : "zmq-ts"
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now()
  const log = opts.log ?? (() => undefined)
  const seed = opts.seed >>> 0
  const keys = runKeys(seed)
  const long = opts.profile === "long"
  const deadline = long ? started + (opts.seconds ?? 300) * 1000 : Infinity
  const batchSize = opts.batchSize ?? (long ? 8 : 6)
  const batchesPerVisit = opts.batchesPerVisit ?? (long ? 4 : 2)
  const decoderChunk = opts.decoderInputs ?? (long ? 2000 : 3000)
  const longTopic = opts.longTopic ?? (long ? 4 * MiB : MiB + 1)
  const watchdogMs = opts.watchdogMs ?? 10_000
  const visitMemory = opts.visitMemory ?? long
  const skipped = opts.skip ?? []
  const targets = selected(allTargets(), opts.targets).filter((t) => !skipped.some((p) => t.startsWith(p)))
  const stats: Record<string, TargetStats> = {}
  for (const t of targets) stats[t] = { inputs: 0, batches: 0, through: 0, foreign: 0, failures: 0, ms: 0 }
  const failures: Failure[] = []
  const notes: string[] = []
  const nextIteration = new Map<string, number>()

  // Crashes anywhere in the process are failures of whatever ran at the time.
  let current = { target: "(none)", iterations: "-" }
  const crashes: unknown[] = []
  const onCrash = (err: unknown): void => {
    crashes.push(err)
  }
  process.on("uncaughtException", onCrash)
  process.on("unhandledRejection", onCrash)
  const keepAlive = setInterval(() => undefined, 1 << 30)

  const fail = (target: string, iterations: string, message: string): void => {
    const range = iterations
    failures.push({
      target,
      seed,
      iterations: range,
      message,
      repro: `npm run fuzz -- --seed ${seed} --target ${target}${/^\d/.test(range) ? ` --iteration ${range}` : ""}`,
    })
    if (stats[target]) stats[target].failures++
    log(`FAIL ${target} seed=${seed} iteration=${range}: ${message.split("\n")[0]}`)
  }
  const drainCrashes = (): void => {
    while (crashes.length > 0) {
      const err = crashes.shift()
      fail(current.target, current.iterations, `uncaught exception or unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    }
  }

  const zaps = [await ZapHandler.start("zmq-ts"), await ZapHandler.start("zeromq")]
  const baseline = await settledMemory()
  const rssBaseline = process.memoryUsage().rss
  let peakGrowth = 0
  let rssPeakGrowth = 0
  const memCheck = async (target: string, limit: number): Promise<void> => {
    const growth = (await settledMemory()) - baseline
    const rssGrowth = process.memoryUsage().rss - rssBaseline
    peakGrowth = Math.max(peakGrowth, growth)
    rssPeakGrowth = Math.max(rssPeakGrowth, rssGrowth)
    if (growth > limit) fail(target, "-", `heap + array buffers grew by ${(growth / MiB).toFixed(1)} MiB over the run's baseline after GC (limit ${limit / MiB} MiB)`)
    // RSS is not compacted by GC; a generous bound catches only runaway growth.
    if (rssGrowth > 8 * limit) fail(target, "-", `RSS grew by ${(rssGrowth / MiB).toFixed(1)} MiB over the run's baseline (limit ${(8 * limit) / MiB} MiB)`)
  }

  const iterationsFor = (target: string, count: number): number[] => {
    if (opts.iterations !== undefined) {
      const [a, b] = opts.iterations
      if ((nextIteration.get(target) ?? a) > b) return []
      const from = nextIteration.get(target) ?? a
      const to = Math.min(b, from + count - 1)
      nextIteration.set(target, to + 1)
      return Array.from({ length: to - from + 1 }, (_, i) => from + i)
    }
    const from = nextIteration.get(target) ?? 0
    nextIteration.set(target, from + count)
    return Array.from({ length: count }, (_, i) => from + i)
  }

  const visitDecoder = async (): Promise<void> => {
    const t0 = Date.now()
    const its = iterationsFor("decoder", decoderChunk)
    for (const it of its) {
      current = { target: "decoder", iterations: String(it) }
      const r = runDecoderInput(seed, it, keys)
      stats.decoder!.inputs++
      if (r.failure !== null) fail("decoder", String(it), r.failure)
      drainCrashes()
      if (it % 500 === 499) await yieldTurn()
      if (Date.now() > deadline) break
    }
    stats.decoder!.batches++
    stats.decoder!.ms += Date.now() - t0
    await memCheck("decoder", 32 * MiB)
  }

  const visitLive = async (target: string): Promise<void> => {
    const [sideS, typeS, mechS] = target.split(":") as [Side, SockType, Mech]
    const t0 = Date.now()
    const h = new Harness(typeS, mechS, sideS, goodLib(typeS, mechS, sideS), keys, watchdogMs)
    current = { target, iterations: "setup" }
    let range = "setup"
    try {
      await h.setup()
      const m0 = visitMemory ? await settledMemory() : 0
      for (let b = 0; b < batchesPerVisit && Date.now() < deadline; b++) {
        const its = iterationsFor(target, batchSize)
        if (its.length === 0) break
        range = its.length === 1 ? String(its[0]) : `${its[0]}..${its.at(-1)}`
        current = { target, iterations: range }
        const inputs = its.map((it) => genLiveInput(seed, target, it, mechS, sideS === "bind" ? "client" : "server", typeS, keys))
        await h.batch(inputs)
        drainCrashes()
      }
      if (visitMemory) {
        const grown = (await settledMemory()) - m0
        if (grown > 16 * MiB) fail(target, range, `memory grew by ${(grown / MiB).toFixed(1)} MiB during the visit (limit 16 MiB)`)
      }
    } catch (err) {
      fail(target, range, `${describeError(err)}${stackOf(err)}`)
    } finally {
      await h.teardown().catch((err: unknown) => fail(target, range, `teardown: ${describeError(err)}`))
      drainCrashes()
    }
    const s = stats[target]!
    s.inputs += h.counters.inputs
    s.batches += h.counters.batches
    s.foreign += h.counters.foreign
    s.through += h.counters.through
    s.ms += Date.now() - t0
    if (long) await memCheck(target, 64 * MiB)
  }

  const visitReplay = async (target: string): Promise<void> => {
    const [, sideS, typeS, mechS] = target.split(":") as [string, Side, SockType, Mech]
    const t0 = Date.now()
    const h = new Harness(typeS, mechS, sideS, goodLib(typeS, mechS, sideS), keys, watchdogMs)
    let step = "setup"
    current = { target, iterations: "-" }
    try {
      await h.setup()
      const allSizes: [bigint, number][] = [
        [0xfffffffffffffff0n, 0],
        [0xfffffffffffffff0n, F_MORE],
        [0xfffffffffffffff0n, F_CMD],
        [2n ** 64n - 1n, 0],
        [2n ** 63n, 0],
        [2n ** 53n + 1n, 0],
        [BigInt(MAX_LENGTH) + 1n, F_MORE],
      ]
      const sizes = long ? allSizes : allSizes.filter((_, i) => i === 0 || i === 2 || i === 3 || i === 6)
      for (const [size, flags] of sizes) {
        step = `huge frame 0x${size.toString(16)} flags ${flags}`
        await h.replayHugeFrame(size, flags)
      }
      step = "ZMTP 2.0 wrapping frame"
      await h.replayV2()
      step = "4 GiB claim trickled"
      await h.replayTrickle()
      const codes = new Set<string>()
      for (let v = 0; v < 7; v++) {
        step = `bad metadata #${v}`
        codes.add(await h.replayBadMetadata(v))
      }
      if (mechS === "CURVE" && (codes.size !== 1 || !codes.has("ERR_ZMTP_INVALID_METADATA"))) {
        throw new Error(`CURVE bad metadata reported as ${[...codes].join(", ")}, expected ERR_ZMTP_INVALID_METADATA`)
      }
      notes.push(`${target}: bad metadata reported as ${[...codes].join(", ")}`)
      step = "good exchange after replays"
      await within(h.exchange("after"), watchdogMs, `${target}: good exchange after replays`)
      h.checkPumps()
      const publisher = typeS === "PUB" || typeS === "XPUB"
      for (const form of publisher ? (["command", "message"] as const) : (["command"] as const)) {
        step = `long ${form} subscription`
        // Memory is measured where subscriptions are kept (and everywhere in the long profile).
        const grown = await h.replayLongSubscription(longTopic, form, long || publisher)
        if (grown > longTopic / 2) throw new Error(`long ${form} subscription of ${longTopic} bytes left ${grown} bytes behind after its CANCEL and disconnect`)
      }
      drainCrashes()
    } catch (err) {
      fail(target, "-", `${step}: ${describeError(err)}${stackOf(err)}`)
    } finally {
      await h.teardown().catch((err: unknown) => fail(target, "-", `teardown: ${describeError(err)}`))
      drainCrashes()
    }
    const s = stats[target]!
    s.inputs += h.counters.inputs
    s.through += h.counters.through
    s.batches++
    s.ms += Date.now() - t0
  }

  try {
    let round = 0
    for (;;) {
      for (const t of targets) {
        if (Date.now() > deadline) break
        // A target that keeps failing is reported, then left alone (long runs): its time goes to the others.
        if ((stats[t]?.failures ?? 0) >= 3) continue
        if (t === "decoder") await visitDecoder()
        else if (t.startsWith("replay:")) {
          if (round === 0) await visitReplay(t)
        } else await visitLive(t)
      }
      round++
      if (!long || Date.now() > deadline || opts.iterations !== undefined) break
      log(`round ${round} done after ${((Date.now() - started) / 1000).toFixed(0)} s: ${Object.values(stats).reduce((a, s) => a + s.inputs, 0)} inputs, ${failures.length} failures`)
    }
    await memCheck("(run)", 64 * MiB)
  } finally {
    for (const z of zaps) await z.close().catch(() => undefined)
    drainCrashes()
    clearInterval(keepAlive)
    // Late crashes (e.g. from closing sockets) still count.
    await yieldTurn()
    drainCrashes()
    process.off("uncaughtException", onCrash)
    process.off("unhandledRejection", onCrash)
  }
  const end = (await settledMemory()) - baseline
  return { seed, targets: stats, failures, notes, memory: { baseline, end, peakGrowth, rssBaseline, rssPeakGrowth }, ms: Date.now() - started }
}

// =============================================================================
// Command line (scripts/fuzz.mjs)
// =============================================================================

export function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined
  const n = v.startsWith("0x") ? Number.parseInt(v.slice(2), 16) : Number(v)
  if (!Number.isFinite(n)) throw new Error(`bad seed ${v}`)
  return n >>> 0
}

export function formatReport(r: FuzzReport): string {
  const lines: string[] = []
  const names = Object.keys(r.targets)
  const w = Math.max(...names.map((n) => n.length), 6)
  lines.push(`${"target".padEnd(w)}  inputs  batches  through  foreign  failures      ms`)
  let total = 0
  for (const n of names) {
    const s = r.targets[n]!
    total += s.inputs
    lines.push(
      `${n.padEnd(w)}  ${String(s.inputs).padStart(6)}  ${String(s.batches).padStart(7)}  ${String(s.through).padStart(7)}  ${String(s.foreign).padStart(7)}  ${String(s.failures).padStart(8)}  ${String(s.ms).padStart(6)}`,
    )
  }
  for (const f of r.failures) {
    lines.push(``, `FAILURE ${f.target} seed=${f.seed} iteration=${f.iterations}`, `  ${f.message.split("\n").join("\n  ")}`, `  reproduce: ${f.repro}`)
  }
  lines.push(
    ``,
    `columns: inputs executed; batches (visits for the decoder and replays); attacker connections that completed the handshake; messages from attackers the application received (each checked as really sent, whole)`,
    `summary: seed ${r.seed}, ${total} inputs over ${names.length} targets in ${(r.ms / 1000).toFixed(1)} s, ${r.failures.length} failure(s); ` +
      `heap + array buffers after GC ${(r.memory.end / MiB).toFixed(1)} MiB over the baseline (peak ${(r.memory.peakGrowth / MiB).toFixed(1)} MiB), ` +
      `RSS peak ${(r.memory.rssPeakGrowth / MiB).toFixed(1)} MiB over ${(r.memory.rssBaseline / MiB).toFixed(0)} MiB`,
  )
  return lines.join("\n")
}

/** The bytes of one live input, for reproducing a failure by hand (`--dump`). */
export function dumpInput(seed: number, target: string, iteration: number): string {
  const keys = runKeys(seed)
  if (target === "decoder") return `decoder inputs are regenerated by runDecoderInput(${seed}, ${iteration})`
  const [side, type, mech] = target.split(":") as [Side, SockType, Mech]
  if (!TYPES.includes(type) || !MECHS.includes(mech)) return `${target}: not a live target`
  const inp = genLiveInput(seed, target, iteration, mech, side === "bind" ? "client" : "server", type, keys)
  const lines = [
    `${target} #${iteration}: ${inp.mode} as ${inp.peerType} (ZMTP 3.${inp.minor}), ops [${inp.ops.join(", ")}]`,
    inp.mode === "session" ? `  metadata ${inp.meta.toString("hex")}` : "",
    `  ${inp.mode === "blind" ? "stream" : mech === "CURVE" ? "traffic (boxed frame by frame)" : "traffic after the handshake"} (${inp.bytes.length} bytes, cuts ${JSON.stringify(inp.cuts)}):`,
    ...(inp.bytes.toString("hex").match(/.{1,96}/g) ?? []).map((l) => `    ${l}`),
  ]
  return lines.filter((l) => l !== "").join("\n")
}

export async function cliMain(argv: string[]): Promise<number> {
  let seconds = 300
  let seed = parseSeed(process.env.ZMQ_TS_FUZZ_SEED)
  const targets: string[] = []
  const skip: string[] = []
  let iterations: [number, number] | undefined
  let dump = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case "--seconds":
        seconds = Number(value())
        break
      case "--seed":
        seed = parseSeed(value())
        break
      case "--target":
        targets.push(...value().split(","))
        break
      case "--skip":
        skip.push(...value().split(","))
        break
      case "--iteration": {
        const v = value()
        const m = /^(\d+)(?:\.\.(\d+))?$/.exec(v)
        if (!m) throw new Error(`bad --iteration ${v} (N or N..M)`)
        iterations = [Number(m[1]), Number(m[2] ?? m[1])]
        break
      }
      case "--dump":
        dump = true
        break
      case "--list":
        console.log(allTargets().join("\n"))
        return 0
      case "--help":
        console.log("usage: npm run fuzz -- [--seconds N] [--seed S] [--target PREFIX[,PREFIX...]] [--skip PREFIX[,...]] [--iteration N|N..M] [--dump] [--list]")
        return 0
      default:
        throw new Error(`unknown option ${a}`)
    }
  }
  seed ??= randomInt(0, 2 ** 32 - 1)
  if (dump) {
    if (iterations === undefined) throw new Error("--dump needs --iteration")
    for (const t of selected(allTargets(), targets)) for (let it = iterations[0]; it <= iterations[1]; it++) console.log(dumpInput(seed, t, it))
    return 0
  }
  console.log(`zmq-ts fuzz: seed ${seed} (override with --seed or ZMQ_TS_FUZZ_SEED), ${seconds} s${targets.length ? `, targets ${targets.join(",")}` : ""}`)
  const report = await runFuzz({
    seed,
    profile: "long",
    seconds: iterations !== undefined ? 3600 : seconds,
    targets,
    skip,
    ...(iterations ? { iterations } : {}),
    log: (l) => console.log(l),
  })
  console.log(formatReport(report))
  return report.failures.length > 0 ? 1 : 0
}

/**
 * An independent CurveZMQ implementation for the hostile-peer tests: both
 * sides of the RFC 26 handshake as used by ZMTP-CURVE (RFC 25), written from
 * the RFCs on top of the box primitives of src/crypto (and tweetnacl for the
 * one thing src/crypto refuses to do: a box under a low-order key). It shares
 * no code with src/mechanism/curve.ts and none with the engine's framing, so
 * it can check the zmq-ts client's and server's output byte for byte, and it
 * can be told to get any single step wrong.
 *
 * - `RawConnection`: one TCP connection, with its own greeting and frame
 *   parser, writers for frames, and what the peer did when it went away.
 * - `CurveClientSide` / `CurveServerSide`: the handshake as pure functions
 *   of the commands, with options to misbehave at each step. What they
 *   receive they check strictly (sizes, names, version, padding, the 64 zero
 *   octets of the HELLO signature, the vouch's C' and S, nonce order).
 */
import * as net from "node:net"
import nacl from "tweetnacl"
import { generateKeyPair, isLowOrder, openAfter, precompute, randomBytes, sealAfter, type KeyPair } from "../../src/crypto/box.js"

// ---- command layout (RFC 26 "High-level Grammar") -----------------------------------

export const HELLO_SIZE = 200
export const WELCOME_SIZE = 168
export const INITIATE_MIN = 257
export const READY_MIN = 30
export const MESSAGE_MIN = 33

/** Offsets inside HELLO: version, padding, C', short nonce, signature box. */
export const HELLO = { version: 6, padding: 8, client: 80, nonce: 112, box: 120 } as const
/** Offsets inside WELCOME: long nonce, box. */
export const WELCOME = { nonce: 8, box: 24 } as const
/** Offsets inside INITIATE: cookie (nonce + box), short nonce, box. */
export const INITIATE = { cookie: 9, nonce: 105, box: 113 } as const
/** Offsets inside READY: short nonce, box. */
export const READY = { nonce: 6, box: 14 } as const
/** Offsets inside MESSAGE: short nonce, box. */
export const MESSAGE = { nonce: 8, box: 16 } as const

/** Flags octet inside a MESSAGE box (RFC 25). */
export const BOX_MORE = 0x01
export const BOX_COMMAND = 0x02

/** ZMTP frame flags (RFC 37). */
export const FRAME_MORE = 0x01
export const FRAME_LONG = 0x02
export const FRAME_COMMAND = 0x04

const ZERO64 = Buffer.alloc(64)

// ---- ZMTP bits -----------------------------------------------------------------------------

/** A ZMTP 3.1 greeting (RFC 37): signature, version, mechanism, as-server, filler. */
export function greeting(mechanism = "CURVE", asServer = false): Buffer {
  const g = Buffer.alloc(64)
  g[0] = 0xff
  g[8] = 1
  g[9] = 0x7f
  g[10] = 3
  g[11] = 1
  g.write(mechanism, 12, "latin1")
  g[32] = asServer ? 1 : 0
  return g
}

/** One frame: short header up to 255 octets, long (8-octet size) above. */
export function frameBytes(body: Buffer, flags: number): Buffer {
  if (body.length <= 255) return Buffer.concat([Buffer.from([flags & ~FRAME_LONG, body.length]), body])
  const head = Buffer.alloc(9)
  head[0] = flags | FRAME_LONG
  head.writeBigUInt64BE(BigInt(body.length), 1)
  return Buffer.concat([head, body])
}

export function commandFrame(body: Buffer): Buffer {
  return frameBytes(body, FRAME_COMMAND)
}

/** Metadata (RFC 37): name-size, name, 4-octet value-size, value. */
export function encodeProperties(props: readonly (readonly [string, Buffer | string])[]): Buffer {
  const parts: Buffer[] = []
  for (const [name, value] of props) {
    const v = typeof value === "string" ? Buffer.from(value, "latin1") : value
    const head = Buffer.alloc(1 + name.length + 4)
    head[0] = name.length
    head.write(name, 1, "latin1")
    head.writeUInt32BE(v.length, 1 + name.length)
    parts.push(head, v)
  }
  return Buffer.concat(parts)
}

/** Parses metadata strictly; throws on anything malformed. Names are lower-cased. */
export function decodeProperties(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  let off = 0
  while (off < buf.length) {
    const n = buf[off]!
    if (n === 0 || off + 1 + n + 4 > buf.length) throw new Error("metadata: truncated name")
    const name = buf.toString("latin1", off + 1, off + 1 + n).toLowerCase()
    const len = buf.readUInt32BE(off + 1 + n)
    off += 1 + n + 4
    if (len > buf.length - off) throw new Error("metadata: truncated value")
    out.set(name, buf.subarray(off, off + len))
    off += len
  }
  return out
}

/** The metadata a well-behaved DEALER sends. */
export function dealerMetadata(identity = ""): Buffer {
  return encodeProperties([
    ["Socket-Type", "DEALER"],
    ["Identity", identity],
  ])
}

// ---- crypto helpers -------------------------------------------------------------------------

export function longNonce(prefix8: string, tail: Uint8Array): Buffer {
  const n = Buffer.alloc(24)
  n.write(prefix8, 0, "latin1")
  n.set(tail, 8)
  return n
}

export function shortNonce(prefix16: string, value: bigint): Buffer {
  const n = Buffer.alloc(24)
  n.write(prefix16, 0, "latin1")
  n.writeBigUInt64BE(value, 16)
  return n
}

/**
 * Public keys of small order (every X25519 with them gives an all-zero
 * secret): libsodium's blocklist, and two of them with the top bit set
 * (X25519 ignores it).
 */
export const LOW_ORDER_KEYS: readonly { name: string; key: Buffer }[] = (() => {
  const ff = (first: number): Buffer => Buffer.from([first, ...new Array<number>(30).fill(0xff), 0x7f])
  const keys = [
    { name: "zero", key: Buffer.alloc(32) },
    { name: "one", key: Buffer.from([1, ...new Array<number>(31).fill(0)]) },
    { name: "order 8 (e0eb7a7c...)", key: Buffer.from("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "hex") },
    { name: "order 8 (5f9c95bc...)", key: Buffer.from("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", "hex") },
    { name: "p-1", key: ff(0xec) },
    { name: "p", key: ff(0xed) },
    { name: "p+1", key: ff(0xee) },
  ]
  const withTopBit = (name: string, key: Buffer): { name: string; key: Buffer } => {
    const k = Buffer.from(key)
    k[31] = k[31]! | 0x80
    return { name: `${name}, top bit set`, key: k }
  }
  return [...keys, withTopBit("zero", keys[0]!.key), withTopBit("p-1", keys[4]!.key)]
})()

/**
 * crypto_box_beforenm as a careless NaCl does it: for a low-order key it
 * returns the key of the all-zero shared secret instead of refusing (which
 * is what lets an attacker make boxes that open under such a key).
 */
export function boxKey(theirPublic: Uint8Array, mySecret: Uint8Array): Uint8Array {
  if (isLowOrder(theirPublic)) return nacl.box.before(theirPublic, mySecret)
  return precompute(theirPublic, mySecret)
}

/**
 * The box key every low-order public key leads to: HSalsa20 of the all-zero
 * X25519 secret, whatever the other side's secret key.
 */
export function zeroSecretKey(): Uint8Array {
  return nacl.box.before(new Uint8Array(32), randomBytes(32))
}

/** A fresh key pair whose public key is a low-order point (the secret is never used for anything real). */
export function lowOrderPair(publicKey: Buffer): KeyPair {
  return { publicKey, secretKey: randomBytes(32) }
}

export class RawProtocolError extends Error {}

function expect(cond: boolean, what: string): void {
  if (!cond) throw new RawProtocolError(what)
}

/** Resizes a command: truncates, or pads with random octets. */
export function resize(body: Buffer, size: number): Buffer {
  if (size <= body.length) return Buffer.from(body.subarray(0, size))
  return Buffer.concat([body, randomBytes(size - body.length)])
}

/** Copy of `buf` with octet `at` XORed with `mask` (a bit flip). */
export function flip(buf: Buffer, at: number, mask = 0x01): Buffer {
  const out = Buffer.from(buf)
  out[at] = out[at]! ^ mask
  return out
}

// ---- the client side --------------------------------------------------------------------------

export interface CurveKeys {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface HelloOptions {
  /** Command name with its length octet (default "\x05HELLO"). */
  name?: string
  version?: [number, number]
  /** Short nonce (default: the next one). */
  nonce?: bigint
  /** The server key the signature box is made for (default: the real one). */
  boxFor?: Uint8Array
  /** Contents of the signature box (default 64 zeros). */
  signature?: Buffer
  /** Seal the box with this key instead of the one for C' and S. */
  key?: Uint8Array
  /** Replace the box by these octets. */
  box?: Buffer
}

export interface InitiateOptions {
  name?: string
  /** The cookie to send back (default: the one from WELCOME). */
  cookie?: Buffer
  nonce?: bigint
  /** The long-term public key C put in the box (default: ours). */
  clientPublic?: Uint8Array
  /** The secret key the vouch is made with (default: ours). */
  vouchSecret?: Uint8Array
  /** Seal the vouch with this box key instead. */
  vouchKey?: Uint8Array
  /** C' named inside the vouch (default: our transient key). */
  vouchTransient?: Uint8Array
  /** S named inside the vouch (default: the server's key). */
  vouchServer?: Uint8Array
  /** Replace the vouch box (80 octets) by these octets. */
  vouchBox?: Buffer
  /** Raw metadata octets (default: a DEALER's). */
  metadata?: Buffer
  /** Replace the initiate box by these octets. */
  box?: Buffer
}

/** The client half of RFC 26: builds HELLO, INITIATE and MESSAGE; checks WELCOME, READY and MESSAGE. */
export class CurveClientSide {
  readonly transient: KeyPair
  /** Our next short nonce (HELLO, INITIATE, MESSAGE share the sequence). */
  nonce = 1n
  /** The server's last short nonce (READY, MESSAGE). */
  peerNonce = 0n
  serverTransient: Uint8Array | null = null
  cookie: Buffer | null = null
  private precom: Uint8Array | null = null
  readMetadata: Map<string, Buffer> | null = null

  constructor(
    readonly serverKey: Uint8Array,
    readonly keys: CurveKeys,
    transient?: KeyPair,
  ) {
    this.transient = transient ?? generateKeyPair()
  }

  private take(nonce?: bigint): bigint {
    if (nonce !== undefined) {
      if (nonce >= this.nonce) this.nonce = nonce + 1n
      return nonce
    }
    return this.nonce++
  }

  hello(o: HelloOptions = {}): Buffer {
    const n = this.take(o.nonce)
    const h = Buffer.alloc(HELLO_SIZE)
    h.write(o.name ?? "\x05HELLO", 0, "latin1")
    const [major, minor] = o.version ?? [1, 0]
    h[HELLO.version] = major
    h[HELLO.version + 1] = minor
    h.set(this.transient.publicKey, HELLO.client)
    h.writeBigUInt64BE(n, HELLO.nonce)
    const box = o.box ?? sealAfter(o.key ?? boxKey(o.boxFor ?? this.serverKey, this.transient.secretKey), shortNonce("CurveZMQHELLO---", n), o.signature ?? ZERO64)
    h.set(box.subarray(0, 80), HELLO.box)
    return h
  }

  /** Opens WELCOME; throws RawProtocolError if it is not a valid one. */
  welcome(body: Buffer): void {
    expect(body.length === WELCOME_SIZE, `WELCOME is ${body.length} octets`)
    expect(body.toString("latin1", 0, 8) === "\x07WELCOME", "not a WELCOME")
    const plain = openAfter(boxKey(this.serverKey, this.transient.secretKey), longNonce("WELCOME-", body.subarray(WELCOME.nonce, WELCOME.box)), body.subarray(WELCOME.box))
    expect(plain !== null, "WELCOME box does not open")
    const p = Buffer.from(plain!)
    this.serverTransient = Buffer.from(p.subarray(0, 32))
    this.cookie = Buffer.from(p.subarray(32, 128))
    expect(!isLowOrder(this.serverTransient), "WELCOME names a low-order S'")
    this.precom = precompute(this.serverTransient, this.transient.secretKey)
  }

  initiate(o: InitiateOptions = {}): Buffer {
    expect(this.precom !== null && this.serverTransient !== null, "INITIATE before WELCOME")
    const serverTransient = this.serverTransient!
    const vouchNonce = randomBytes(16)
    const vouchPlain = Buffer.concat([o.vouchTransient ?? this.transient.publicKey, o.vouchServer ?? this.serverKey])
    const vouch = o.vouchBox ?? sealAfter(o.vouchKey ?? boxKey(serverTransient, o.vouchSecret ?? this.keys.secretKey), longNonce("VOUCH---", vouchNonce), vouchPlain)
    const inner = Buffer.concat([o.clientPublic ?? this.keys.publicKey, vouchNonce, vouch, o.metadata ?? dealerMetadata()])
    const n = this.take(o.nonce)
    const box = o.box ?? sealAfter(this.precom!, shortNonce("CurveZMQINITIATE", n), inner)
    const nonce = Buffer.alloc(8)
    nonce.writeBigUInt64BE(n)
    return Buffer.concat([Buffer.from(o.name ?? "\x08INITIATE", "latin1"), o.cookie ?? this.cookie!, nonce, box])
  }

  /** Opens READY; throws RawProtocolError if it is not a valid one. Returns its metadata. */
  ready(body: Buffer): Map<string, Buffer> {
    expect(body.length >= READY_MIN, `READY is ${body.length} octets`)
    expect(body.toString("latin1", 0, 6) === "\x05READY", "not a READY")
    const n = body.readBigUInt64BE(READY.nonce)
    expect(n > this.peerNonce, "READY nonce did not increase")
    const plain = openAfter(this.precom!, shortNonce("CurveZMQREADY---", n), body.subarray(READY.box))
    expect(plain !== null, "READY box does not open")
    this.peerNonce = n
    this.readMetadata = decodeProperties(Buffer.from(plain!))
    return this.readMetadata
  }

  /** A MESSAGE command body carrying one frame (flags inside the box); `prefix` names the direction. */
  message(data: Buffer | string, flags = 0, nonce?: bigint, prefix = "CurveZMQMESSAGEC"): Buffer {
    return makeMessage(this.precom!, prefix, this.take(nonce), flags, data)
  }

  openMessage(body: Buffer): { flags: number; data: Buffer } {
    const r = openMessage(this.precom!, "CurveZMQMESSAGES", this.peerNonce, body)
    this.peerNonce = r.nonce
    return r
  }
}

function makeMessage(key: Uint8Array, prefix: string, n: bigint, flags: number, data: Buffer | string): Buffer {
  const d = typeof data === "string" ? Buffer.from(data) : data
  const box = sealAfter(key, shortNonce(prefix, n), Buffer.concat([Buffer.from([flags]), d]))
  const head = Buffer.alloc(16)
  head.write("\x07MESSAGE", 0, "latin1")
  head.writeBigUInt64BE(n, MESSAGE.nonce)
  return Buffer.concat([head, box])
}

function openMessage(key: Uint8Array, prefix: string, last: bigint, body: Buffer): { flags: number; data: Buffer; nonce: bigint } {
  expect(body.length >= MESSAGE_MIN, `MESSAGE is ${body.length} octets`)
  expect(body.toString("latin1", 0, 8) === "\x07MESSAGE", "not a MESSAGE")
  const n = body.readBigUInt64BE(MESSAGE.nonce)
  expect(n > last, "MESSAGE nonce did not increase")
  const plain = openAfter(key, shortNonce(prefix, n), body.subarray(MESSAGE.box))
  expect(plain !== null, "MESSAGE box does not open")
  const p = Buffer.from(plain!)
  return { flags: p[0]!, data: p.subarray(1), nonce: n }
}

// ---- the server side --------------------------------------------------------------------------

export interface WelcomeOptions {
  name?: string
  /** Size of the command (default 168): truncated, or padded with random octets. */
  size?: number
  /** Seal the box with this secret key instead of s (a server without the right key). */
  sealWith?: Uint8Array
  /** S' to announce (default: ours). */
  serverTransient?: Uint8Array
  /** Replace the box by these octets. */
  box?: Buffer
}

export interface ReadyOptions {
  name?: string
  /** Short nonce written in the command (default: the next one). */
  nonce?: bigint
  /** Short nonce the box is sealed with (default: the one written). */
  boxNonce?: bigint
  /** Raw metadata octets (default: a DEALER's). */
  metadata?: Buffer
  /** Seal the box with this key instead of the one for S' and C'. */
  key?: Uint8Array
  /** Replace the box by these octets. */
  box?: Buffer
}

/** The server half of RFC 26: checks HELLO, INITIATE and MESSAGE; builds WELCOME, READY and MESSAGE. */
export class CurveServerSide {
  readonly transient: KeyPair = generateKeyPair()
  private readonly cookieKey = randomBytes(32)
  nonce = 1n
  peerNonce = 0n
  clientTransient: Uint8Array | null = null
  clientPublic: Uint8Array | null = null
  private precom: Uint8Array | null = null
  initiateMetadata: Map<string, Buffer> | null = null

  constructor(readonly keys: CurveKeys) {}

  private take(nonce?: bigint): bigint {
    if (nonce !== undefined) {
      if (nonce >= this.nonce) this.nonce = nonce + 1n
      return nonce
    }
    return this.nonce++
  }

  /** Checks HELLO as strictly as RFC 26 asks; throws RawProtocolError. */
  hello(body: Buffer): void {
    expect(body.length === HELLO_SIZE, `HELLO is ${body.length} octets`)
    expect(body.toString("latin1", 0, 6) === "\x05HELLO", "not a HELLO")
    expect(body[HELLO.version] === 1 && body[HELLO.version + 1] === 0, "HELLO version is not 1.0")
    expect(body.subarray(HELLO.padding, HELLO.client).equals(Buffer.alloc(72)), "HELLO padding is not zero")
    const c = Buffer.from(body.subarray(HELLO.client, HELLO.nonce))
    expect(!isLowOrder(c), "HELLO names a low-order C'")
    const n = body.readBigUInt64BE(HELLO.nonce)
    expect(n > this.peerNonce, "HELLO nonce is zero")
    const plain = openAfter(precompute(c, this.keys.secretKey), shortNonce("CurveZMQHELLO---", n), body.subarray(HELLO.box))
    expect(plain !== null, "HELLO box does not open")
    expect(Buffer.from(plain!).equals(ZERO64), "HELLO signature is not 64 zeros")
    this.peerNonce = n
    this.clientTransient = c
  }

  welcome(o: WelcomeOptions = {}): Buffer {
    const cookieNonce = randomBytes(16)
    const cookie = sealAfter(this.cookieKey, longNonce("COOKIE--", cookieNonce), Buffer.concat([this.clientTransient!, this.transient.secretKey]))
    const welcomeNonce = randomBytes(16)
    const plain = Buffer.concat([o.serverTransient ?? this.transient.publicKey, cookieNonce, cookie])
    const box = o.box ?? sealAfter(boxKey(this.clientTransient!, o.sealWith ?? this.keys.secretKey), longNonce("WELCOME-", welcomeNonce), plain)
    const w = Buffer.concat([Buffer.from(o.name ?? "\x07WELCOME", "latin1"), welcomeNonce, box])
    return o.size === undefined ? w : resize(w, o.size)
  }

  /** Checks INITIATE (cookie, box, vouch naming our C' and S, metadata); throws RawProtocolError. */
  initiate(body: Buffer): Map<string, Buffer> {
    expect(body.length >= INITIATE_MIN, `INITIATE is ${body.length} octets`)
    expect(body.toString("latin1", 0, 9) === "\x08INITIATE", "not an INITIATE")
    const cookie = openAfter(this.cookieKey, longNonce("COOKIE--", body.subarray(INITIATE.cookie, INITIATE.cookie + 16)), body.subarray(INITIATE.cookie + 16, INITIATE.nonce))
    expect(cookie !== null, "cookie does not open")
    expect(Buffer.from(cookie!).equals(Buffer.concat([this.clientTransient!, this.transient.secretKey])), "cookie is not ours")
    const n = body.readBigUInt64BE(INITIATE.nonce)
    expect(n > this.peerNonce, "INITIATE nonce did not increase")
    this.precom = precompute(this.clientTransient!, this.transient.secretKey)
    const plain = openAfter(this.precom, shortNonce("CurveZMQINITIATE", n), body.subarray(INITIATE.box))
    expect(plain !== null, "INITIATE box does not open")
    const p = Buffer.from(plain!)
    const c = Buffer.from(p.subarray(0, 32))
    expect(!isLowOrder(c), "INITIATE names a low-order C")
    const vouch = openAfter(precompute(c, this.transient.secretKey), longNonce("VOUCH---", p.subarray(32, 48)), p.subarray(48, 128))
    expect(vouch !== null, "vouch does not open")
    expect(Buffer.from(vouch!).equals(Buffer.concat([this.clientTransient!, this.keys.publicKey])), "vouch does not name C' and S")
    this.peerNonce = n
    this.clientPublic = c
    this.initiateMetadata = decodeProperties(p.subarray(128))
    return this.initiateMetadata
  }

  ready(o: ReadyOptions = {}): Buffer {
    const n = this.take(o.nonce)
    const boxN = o.boxNonce ?? n
    const box = o.box ?? sealAfter(o.key ?? this.precom!, shortNonce("CurveZMQREADY---", boxN), o.metadata ?? dealerMetadata())
    const nonce = Buffer.alloc(8)
    nonce.writeBigUInt64BE(n)
    return Buffer.concat([Buffer.from(o.name ?? "\x05READY", "latin1"), nonce, box])
  }

  /** A MESSAGE command body carrying one frame (flags inside the box); `prefix` names the direction. */
  message(data: Buffer | string, flags = 0, nonce?: bigint, prefix = "CurveZMQMESSAGES"): Buffer {
    return makeMessage(this.precom!, prefix, this.take(nonce), flags, data)
  }

  openMessage(body: Buffer): { flags: number; data: Buffer } {
    const r = openMessage(this.precom!, "CurveZMQMESSAGEC", this.peerNonce, body)
    this.peerNonce = r.nonce
    return r
  }
}

// ---- raw connection ------------------------------------------------------------------------

export interface Frame {
  flags: number
  body: Buffer
}

export interface ConnectionEnd {
  /** The peer sent FIN. */
  gotEnd: boolean
  /** The socket errored (ECONNRESET when the peer closed with unread data). */
  error: NodeJS.ErrnoException | null
  /** We destroyed the socket ourselves before the peer ended it. */
  destroyedByUs: boolean
}

/**
 * One TCP connection seen from the raw side: parses the peer's greeting and
 * ZMTP frames (its own parser), and records how the connection ended.
 */
export class RawConnection {
  /** Connections not closed yet, so that a test file can end them all if a test fails half-way. */
  static readonly open = new Set<RawConnection>()
  readonly closed: Promise<ConnectionEnd>
  private buf: Buffer = Buffer.alloc(0)
  private peerGreeting: Buffer | null = null
  private readonly frames: Frame[] = []
  private wake: (() => void) | null = null
  private gotEnd = false
  private error: NodeJS.ErrnoException | null = null
  private destroyedByUs = false
  private isClosed = false

  constructor(readonly socket: net.Socket) {
    RawConnection.open.add(this)
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("end", () => {
      this.gotEnd = true
      this.notify()
    })
    // ECONNRESET, EPIPE: an expected way for the peer to drop us.
    socket.on("error", (err: NodeJS.ErrnoException) => {
      this.error ??= err
    })
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        RawConnection.open.delete(this)
        this.isClosed = true
        this.notify()
        resolve({ gotEnd: this.gotEnd, error: this.error, destroyedByUs: this.destroyedByUs })
      })
    })
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host, port })
      socket.once("error", reject)
      socket.once("connect", () => {
        socket.off("error", reject)
        resolve(new RawConnection(socket))
      })
    })
  }

  get ended(): boolean {
    return this.isClosed || this.gotEnd
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes)
  }

  sendGreeting(asServer: boolean, mechanism = "CURVE"): void {
    this.write(greeting(mechanism, asServer))
  }

  sendCommand(body: Buffer): void {
    this.write(commandFrame(body))
  }

  /** A data frame; after a CURVE handshake libzmq sends MESSAGE boxes as plain frames. */
  sendFrame(body: Buffer, flags = 0): void {
    this.write(frameBytes(body, flags))
  }

  destroy(): void {
    if (!this.isClosed) this.destroyedByUs = true
    this.socket.destroy()
  }

  /** The peer's 64-octet greeting; null if the connection ends first. */
  async greeting(): Promise<Buffer | null> {
    while (this.peerGreeting === null) {
      if (this.ended) return null
      await this.waitData()
    }
    return this.peerGreeting
  }

  /** The peer's next frame; null if the connection ends first. */
  async frame(): Promise<Frame | null> {
    for (;;) {
      const f = this.frames.shift()
      if (f !== undefined) return f
      if (this.ended) return null
      await this.waitData()
    }
  }

  /** The next frame's body, which must be a command; null if the connection ends first. */
  async command(): Promise<Buffer | null> {
    const f = await this.frame()
    if (f === null) return null
    if ((f.flags & FRAME_COMMAND) === 0) throw new RawProtocolError(`expected a command frame, got flags ${f.flags}`)
    return f.body
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
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    if (this.peerGreeting === null) {
      if (this.buf.length < 64) return
      this.peerGreeting = Buffer.from(this.buf.subarray(0, 64))
      this.buf = this.buf.subarray(64)
    }
    for (;;) {
      if (this.buf.length < 2) break
      const flags = this.buf[0]!
      const long = (flags & FRAME_LONG) !== 0
      const head = long ? 9 : 2
      if (this.buf.length < head) break
      const size = long ? Number(this.buf.readBigUInt64BE(1)) : this.buf[1]!
      if (this.buf.length < head + size) break
      this.frames.push({ flags, body: Buffer.from(this.buf.subarray(head, head + size)) })
      this.buf = this.buf.subarray(head + size)
    }
    this.notify()
  }
}

/** Did the peer (not we) end the connection? */
export function endedByPeer(e: ConnectionEnd): boolean {
  // EPIPE too: a write after the peer's RST (we never end a connection ourselves without destroyedByUs).
  return !e.destroyedByUs && (e.gotEnd || e.error?.code === "ECONNRESET" || e.error?.code === "EPIPE")
}

/** A raw TCP server on 127.0.0.1; the test takes each accepted connection with next(). */
export class RawServer {
  /** Every connection accepted so far. */
  readonly connections: RawConnection[] = []
  private readonly queue: RawConnection[] = []
  private waiter: ((c: RawConnection) => void) | null = null

  private constructor(
    readonly server: net.Server,
    readonly port: number,
  ) {
    server.on("connection", (s: net.Socket) => {
      const c = new RawConnection(s)
      this.connections.push(c)
      const w = this.waiter
      this.waiter = null
      if (w) w(c)
      else this.queue.push(c)
    })
  }

  /** Servers not closed yet (see RawConnection.open). */
  static readonly open = new Set<RawServer>()

  static async listen(): Promise<RawServer> {
    const server = net.createServer()
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen({ host: "127.0.0.1", port: 0 }, () => resolve())
    })
    const raw = new RawServer(server, (server.address() as net.AddressInfo).port)
    RawServer.open.add(raw)
    return raw
  }

  get endpoint(): string {
    return `tcp://127.0.0.1:${this.port}`
  }

  /** The next accepted connection not yet taken. */
  next(): Promise<RawConnection> {
    const c = this.queue.shift()
    if (c !== undefined) return Promise.resolve(c)
    if (this.waiter !== null) return Promise.reject(new Error("RawServer.next() is already waiting"))
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  close(): Promise<void> {
    RawServer.open.delete(this)
    for (const c of this.connections) c.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}


/**
 * ZWS 2.0 (RFC 45) as libzmq 4.3.5's ws_engine speaks it, presented to the
 * ZMTP engine as a byte stream: the engine keeps doing the mechanism
 * handshake, heartbeats and message framing, and this layer maps them onto
 * WebSocket messages.
 *
 * - The HTTP upgrade replaces the ZMTP greeting (RFC 45 has none): the
 *   engine's own greeting is swallowed, and once the subprotocol is agreed
 *   the engine is handed the greeting the peer would have sent (ZMTP 3.0, so
 *   that subscriptions stay \x01/\x00 messages, as RFC 45 "Publish-Subscribe"
 *   and libzmq's ws_encoder send them).
 * - Each ZMTP frame becomes one binary message: a flags octet (0x01 MORE,
 *   0x02 COMMAND, RFC 45 "Framing") and the body; and back.
 * - Heartbeats are WebSocket ping/pong, not ZMTP PING/PONG commands
 *   (libzmq's ws_engine produce_ping_message): the engine's PING goes out as
 *   a ping frame and the peer's pong comes back to it as a PONG command.
 */
import { EventEmitter } from "node:events"
import { randomFillSync } from "node:crypto"
import type { Socket as NetSocket } from "node:net"
import { encodeGreeting } from "../../codec/greeting.js"
import { GREETING_SIZE } from "../../codec/constants.js"
import type { ByteStream } from "../../engine/byte-stream.js"
import { encodeHeader, FrameParser, maskPayload, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG } from "./frame.js"
import { acceptRequest, BAD_REQUEST, checkResponse, encodeRequest, encodeResponse, HeadReader, newKey, type ZwsMechanism } from "./handshake.js"

export interface ZwsOptions {
  /** The connecting side: sends the request and masks its frames (RFC 6455 5.3). */
  client: boolean
  mechanism: ZwsMechanism
  /** Our role in PLAIN/CURVE; the peer's greeting says the opposite. */
  asServer: boolean
  /** Host header and request path (client only). */
  host: string
  path: string
  /** Largest WebSocket message accepted, -1 for no limit. */
  maxMessage: number
}

/** Frames below this size are packed into one write with their neighbours. */
const PACK_LIMIT = 8 * 1024
const EMPTY = Buffer.alloc(0)
const PING_CMD = Buffer.from("\x04PING", "latin1")
const PONG_CMD = Buffer.from("\x04PONG", "latin1")
/** A ZMTP PONG command frame, as the engine reads it when the peer's pong arrives. */
const PONG_FRAME = Buffer.concat([Buffer.of(0x04, PONG_CMD.length), PONG_CMD])

function startsWith(pieces: Buffer[], prefix: Buffer): boolean {
  const first = pieces[0]
  return first !== undefined && first.length >= prefix.length && first.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
}

export class ZwsStream extends EventEmitter implements ByteStream {
  private state: "upgrading" | "open" | "closing" = "upgrading"
  private readonly head = new HeadReader()
  private readonly parser: FrameParser
  private readonly key: string
  private paused = false
  private inQueue: Buffer[] = []
  // Outbound: the engine's ZMTP bytes, parsed back into frames.
  private greetingLeft = GREETING_SIZE
  private readonly hdr = Buffer.alloc(9)
  private hdrFill = 0
  private bodyLeft = -1
  private bodyFlags = 0
  private bodyLen = 0
  private body: Buffer[] = []
  private corks = 0
  private out: Buffer[] = []
  private small: Buffer[] = []
  private smallBytes = 0
  private callbacks: ((error?: Error | null) => void)[] = []
  private maskPool = Buffer.alloc(0)
  private maskPos = 0

  constructor(
    private readonly raw: NetSocket,
    private readonly opts: ZwsOptions,
  ) {
    super()
    this.parser = new FrameParser(
      { onMessage: (p) => this.onMessage(p), onControl: (op, p) => this.onControl(op, p) },
      { expectMasked: !opts.client, maxMessage: opts.maxMessage },
    )
    this.key = opts.client ? newKey() : ""
    raw.on("data", (chunk: Buffer) => this.onRaw(chunk))
    raw.on("end", () => this.emit("end"))
    raw.on("close", () => this.emit("close"))
    raw.on("error", (err: Error) => this.emit("error", err))
    raw.on("drain", () => this.emit("drain"))
    if (opts.client) raw.write(encodeRequest(opts.host, opts.path, this.key, opts.mechanism))
  }

  get destroyed(): boolean {
    return this.raw.destroyed
  }

  get writableLength(): number {
    return this.raw.writableLength
  }

  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress
  }

  // ---- inbound -------------------------------------------------------------

  private onRaw(chunk: Buffer): void {
    try {
      if (this.state === "upgrading") {
        const got = this.head.push(chunk)
        if (got === null) return
        this.upgraded(got.head)
        chunk = got.rest
        if (chunk.length === 0) return
      }
      if (this.state === "open") this.parser.push(chunk)
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private upgraded(head: string): void {
    if (this.opts.client) {
      checkResponse(head, this.key, this.opts.mechanism)
    } else {
      const { key, protocol } = acceptRequest(head, this.opts.mechanism)
      this.raw.write(encodeResponse(key, protocol))
    }
    this.state = "open"
    // The greeting the peer would have sent over ZMTP: its mechanism, its role, version 3.0.
    const peerAsServer = this.opts.mechanism !== "NULL" && !this.opts.asServer
    const greeting = encodeGreeting(this.opts.mechanism, peerAsServer)
    greeting[11] = 0
    this.deliver(greeting)
  }

  private fail(err: Error): void {
    if (this.state === "upgrading" && !this.opts.client && !this.raw.destroyed) this.raw.write(BAD_REQUEST)
    this.state = "closing"
    this.emit("error", err)
  }

  private deliver(buf: Buffer): void {
    if (this.paused || this.inQueue.length > 0) this.inQueue.push(buf)
    else this.emit("data", buf)
  }

  private onMessage(payload: Buffer): void {
    if (this.state !== "open") return
    // RFC 45 "Framing": a flags octet, then the frame body; there is no empty message.
    if (payload.length === 0) throw new Error("ZWS message without a flags octet")
    const flags = payload[0]!
    const body = payload.subarray(1)
    const zflags = (flags & 0x01) | (flags & 0x02 ? 0x04 : 0)
    const size = body.length
    const long = size > 255
    if (size < PACK_LIMIT) {
      const frame = Buffer.allocUnsafe((long ? 9 : 2) + size)
      const at = this.zmtpHeader(frame, zflags, size)
      body.copy(frame, at)
      this.deliver(frame)
    } else {
      const header = Buffer.allocUnsafe(9)
      this.zmtpHeader(header, zflags, size)
      this.deliver(header)
      this.deliver(body)
    }
  }

  private zmtpHeader(into: Buffer, flags: number, size: number): number {
    if (size > 255) {
      into[0] = flags | 0x02
      into.writeUInt32BE(Math.floor(size / 0x1_0000_0000), 1)
      into.writeUInt32BE(size >>> 0, 5)
      return 9
    }
    into[0] = flags
    into[1] = size
    return 2
  }

  private onControl(opcode: number, payload: Buffer): void {
    if (this.state !== "open") return
    if (opcode === OP_PING) {
      // RFC 6455 5.5.3: a pong echoes the ping's application data.
      this.frame(OP_PONG, [Buffer.from(payload)], payload.length)
      this.flushOut(undefined)
    } else if (opcode === OP_PONG) {
      this.deliver(PONG_FRAME)
    } else if (opcode === OP_CLOSE) {
      // RFC 6455 5.5.1: answer with a close carrying the status code, then end
      // the connection (libzmq echoes the close too, then drops the connection).
      this.state = "closing"
      this.frame(OP_CLOSE, [Buffer.from(payload.subarray(0, 2))], Math.min(payload.length, 2))
      this.flushOut(undefined)
      this.raw.end()
    }
  }

  pause(): this {
    this.paused = true
    this.raw.pause()
    return this
  }

  resume(): this {
    this.paused = false
    while (!this.paused && this.inQueue.length > 0) this.emit("data", this.inQueue.shift()!)
    if (!this.paused) this.raw.resume()
    return this
  }

  // ---- outbound ------------------------------------------------------------

  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean {
    this.parseOut(chunk)
    if (this.corks > 0) {
      if (callback) this.callbacks.push(callback)
      return this.raw.writableLength < this.raw.writableHighWaterMark
    }
    return this.flushOut(callback)
  }

  cork(): void {
    this.corks++
  }

  uncork(): void {
    if (this.corks === 0) return
    if (--this.corks === 0) this.flushOut(undefined)
  }

  /** Splits the engine's ZMTP bytes (RFC 37 "Framing") into frames; bodies stay views. */
  private parseOut(chunk: Buffer): void {
    let pos = 0
    if (this.greetingLeft > 0) {
      pos = Math.min(this.greetingLeft, chunk.length)
      this.greetingLeft -= pos
    }
    while (pos < chunk.length) {
      if (this.bodyLeft < 0) {
        this.hdr[this.hdrFill++] = chunk[pos++]!
        const need = this.hdrFill >= 1 && (this.hdr[0]! & 0x02) !== 0 ? 9 : 2
        if (this.hdrFill < need) continue
        this.bodyFlags = this.hdr[0]!
        this.bodyLen = need === 9 ? this.hdr.readUInt32BE(1) * 0x1_0000_0000 + this.hdr.readUInt32BE(5) : this.hdr[1]!
        this.bodyLeft = this.bodyLen
        this.hdrFill = 0
      }
      const take = Math.min(this.bodyLeft, chunk.length - pos)
      if (take > 0) this.body.push(chunk.subarray(pos, pos + take))
      pos += take
      this.bodyLeft -= take
      if (this.bodyLeft === 0) {
        this.zmtpFrameOut(this.bodyFlags, this.body, this.bodyLen)
        this.body = []
        this.bodyLeft = -1
      }
    }
  }

  private zmtpFrameOut(zflags: number, pieces: Buffer[], size: number): void {
    if (this.state !== "open") return
    const command = (zflags & 0x04) !== 0
    if (command && size <= 5 + 2 + 16 && startsWith(pieces, PING_CMD)) {
      this.frame(OP_PING, [], 0)
      return
    }
    // The engine only PONGs a ZMTP PING, which a ZWS peer never sends.
    if (command && startsWith(pieces, PONG_CMD)) return
    const flags = Buffer.of((zflags & 0x01) | (command ? 0x02 : 0))
    this.frame(OP_BINARY, [flags, ...pieces], size + 1)
  }

  /** Appends one WebSocket frame: the client masks it into a copy, the server sends the pieces as they are. */
  private frame(opcode: number, pieces: Buffer[], size: number): void {
    if (this.opts.client) {
      const mask = this.nextMask()
      const header = encodeHeader(opcode, size, mask)
      const buf = Buffer.allocUnsafe(header.length + size)
      header.copy(buf, 0)
      let at = header.length
      for (const p of pieces) {
        maskPayload(p, buf, at, mask, at - header.length)
        at += p.length
      }
      this.push(buf)
    } else {
      this.push(encodeHeader(opcode, size, null))
      for (const p of pieces) this.push(p)
    }
  }

  /** RFC 6455 5.3: a fresh unpredictable key per frame, drawn from a pool of random octets. */
  private nextMask(): number {
    if (this.maskPos + 4 > this.maskPool.length) {
      this.maskPool = randomFillSync(Buffer.allocUnsafe(4096))
      this.maskPos = 0
    }
    const m = this.maskPool.readUInt32BE(this.maskPos)
    this.maskPos += 4
    return m
  }

  private push(buf: Buffer): void {
    if (buf.length < PACK_LIMIT) {
      this.small.push(buf)
      this.smallBytes += buf.length
      return
    }
    this.packSmall()
    this.out.push(buf)
  }

  private packSmall(): void {
    if (this.small.length === 0) return
    this.out.push(this.small.length === 1 ? this.small[0]! : Buffer.concat(this.small, this.smallBytes))
    this.small = []
    this.smallBytes = 0
  }

  private flushOut(callback: ((error?: Error | null) => void) | undefined): boolean {
    this.packSmall()
    const out = this.out
    this.out = []
    const callbacks = this.callbacks
    this.callbacks = []
    if (callback) callbacks.push(callback)
    const done =
      callbacks.length === 0
        ? undefined
        : (err?: Error | null): void => {
            for (const cb of callbacks) cb(err)
          }
    if (this.raw.destroyed) {
      if (done) queueMicrotask(() => done(null))
      return false
    }
    if (out.length === 0) return done ? this.raw.write(EMPTY, done) : this.raw.writableLength < this.raw.writableHighWaterMark
    let ok = true
    if (out.length > 1) this.raw.cork()
    for (let i = 0; i < out.length; i++) ok = this.raw.write(out[i]!, i === out.length - 1 ? done : undefined)
    if (out.length > 1) this.raw.uncork()
    return ok
  }

  // ---- ending --------------------------------------------------------------

  /** Closes politely: a close frame (1000, RFC 6455 7.4.1), then the TCP half-close. */
  end(): this {
    if (this.state === "open") {
      this.state = "closing"
      this.frame(OP_CLOSE, [Buffer.of(0x03, 0xe8)], 2)
      this.flushOut(undefined)
    }
    this.raw.end()
    return this
  }

  destroy(error?: Error): this {
    if (this.state === "closing" && !this.raw.destroyed && this.raw.writableLength > 0) {
      // Let a Bad Request or close frame leave, without waiting on the peer for long.
      this.raw.end()
      setTimeout(() => this.raw.destroy(), 1000).unref()
      return this
    }
    this.state = "closing"
    this.raw.destroy(error)
    return this
  }
}

/**
 * ZWS 2.0 (RFC 45) as libzmq 4.3.5's ws_engine speaks it, presented to the
 * ZMTP engine as a byte stream: our RFC 6455 framing (frame.ts) and upgrade
 * (handshake.ts) over a node:net or node:tls socket, with the ZMTP <-> ZWS
 * translation of zws-codec.ts (greeting, flags octet, heartbeats as
 * ping/pong, bare ZWS2.0's routing ids).
 */
import { EventEmitter } from "node:events"
import { randomFillSync } from "node:crypto"
import type { Socket as NetSocket } from "node:net"
import type { ByteStream } from "../../engine/byte-stream.js"
import type { SocketTypeName } from "../../sockets/socket-types.js"
import { encodeHeader, FrameParser, maskPayload, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG } from "./frame.js"
import { acceptRequest, BAD_REQUEST, checkResponse, encodeRequest, encodeResponse, HeadReader, newKey } from "./handshake.js"
import { ZwsCodec, type ZwsMechanism } from "./zws-codec.js"

export interface ZwsOptions {
  /** The connecting side: sends the request and masks its frames (RFC 6455 5.3). */
  client: boolean
  mechanism: ZwsMechanism
  /** Our role in PLAIN/CURVE; the peer's greeting says the opposite. */
  asServer: boolean
  socketType: SocketTypeName
  /** Host header and request path (client only). */
  host: string
  path: string
  /** Largest WebSocket message accepted, -1 for no limit. */
  maxMessage: number
}

/** Frames below this size are packed into one write with their neighbours. */
const PACK_LIMIT = 8 * 1024
const EMPTY = Buffer.alloc(0)

export class ZwsStream extends EventEmitter implements ByteStream {
  private state: "upgrading" | "open" | "closing" = "upgrading"
  private readonly head = new HeadReader()
  private readonly parser: FrameParser
  private readonly key: string
  private paused = false
  private inQueue: Buffer[] = []
  private readonly codec: ZwsCodec
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
    this.codec = new ZwsCodec(
      {
        message: (pieces, size) => this.frame(OP_BINARY, pieces, size),
        ping: () => this.frame(OP_PING, [], 0),
        deliver: (buf) => this.deliver(buf),
      },
      opts,
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
    let protocol: string
    if (this.opts.client) {
      protocol = checkResponse(head, this.key, this.opts.mechanism)
    } else {
      const accepted = acceptRequest(head, this.opts.mechanism)
      protocol = accepted.protocol
      this.raw.write(encodeResponse(accepted.key, protocol))
    }
    this.state = "open"
    this.codec.start(protocol)
  }

  private fail(err: Error): void {
    if (this.state === "upgrading" && !this.opts.client && !this.raw.destroyed) this.raw.write(BAD_REQUEST)
    this.state = "closing"
    this.codec.stop()
    this.emit("error", err)
  }

  private deliver(buf: Buffer): void {
    if (this.paused || this.inQueue.length > 0) this.inQueue.push(buf)
    else this.emit("data", buf)
  }

  private onMessage(payload: Buffer): void {
    if (this.state === "open") this.codec.fromPeer(payload)
  }

  private onControl(opcode: number, payload: Buffer): void {
    if (this.state !== "open") return
    if (opcode === OP_PING) {
      // RFC 6455 5.5.3: a pong echoes the ping's application data.
      this.frame(OP_PONG, [Buffer.from(payload)], payload.length)
      this.flushOut(undefined)
    } else if (opcode === OP_PONG) {
      this.codec.pong()
    } else if (opcode === OP_CLOSE) {
      // RFC 6455 5.5.1: answer with a close carrying the status code, then end
      // the connection (libzmq echoes the close too, then drops the connection).
      this.state = "closing"
      this.codec.stop()
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
    this.codec.fromEngine(chunk)
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
      this.codec.stop()
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
    this.codec.stop()
    this.raw.destroy(error)
    return this
  }
}

/**
 * A ws:// or wss:// connection through the browser's WebSocket, presented to
 * the ZMTP engine as a byte stream (ByteStream), with the ZMTP <-> ZWS 2.0
 * translation of zws-codec.ts. The browser does the HTTP upgrade, TLS and
 * RFC 6455 framing; a page can offer only bare "ZWS2.0" (its WebSocket API
 * refuses "/" in a subprotocol name), so the connection has no mechanism:
 * routing ids are exchanged as first messages (RFC 45 "No Mechanism").
 *
 * What the WebSocket API cannot do, and what we do instead:
 * - No ping: the engine's heartbeat could never be answered, so a socket
 *   with heartbeatInterval is refused at connect (transport.ts). The
 *   browser answers the peer's pings by itself.
 * - No pause: messages received while the engine is paused are queued here;
 *   the engine's own bound (receiveHighWaterMark) applies after it.
 * - No drain event: when bufferedAmount is above the high-water mark, it is
 *   checked again each DRAIN_POLL_MS until it has fallen below half of it.
 */
import { EventEmitter } from "node:events"
import { ProtocolError } from "../codec/protocol-error.js"
import type { ByteStream } from "../engine/byte-stream.js"
import type { SocketTypeName } from "../sockets/socket-types.js"
import { ZwsCodec } from "../transport/ws/zws-codec.js"

/** The part of the browser's WebSocket used here (the build has no DOM types). */
export interface BrowserWebSocket {
  readonly readyState: number
  readonly protocol: string
  readonly bufferedAmount: number
  binaryType: string
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
}

/** WebSocket.CLOSING: readyState at or past it means no more sending. */
const CLOSING = 2
/** Outgoing octets the browser may hold before write() asks the engine to wait. */
const HIGH_WATER = 1024 * 1024
const DRAIN_POLL_MS = 5

export interface BrowserWsOptions {
  socketType: SocketTypeName
  /** Largest WebSocket message accepted (flags octet included), -1 for no limit. */
  maxMessage: number
  /** Where the connection goes, for events and errors. */
  url: string
}

export class BrowserWsStream extends EventEmitter implements ByteStream {
  private readonly codec: ZwsCodec
  private paused = false
  private inQueue: Buffer[] = []
  private draining: ReturnType<typeof setTimeout> | null = null
  private ended = false

  constructor(
    private readonly ws: BrowserWebSocket,
    private readonly opts: BrowserWsOptions,
  ) {
    super()
    this.codec = new ZwsCodec(
      {
        message: (pieces, size) => this.send(pieces, size),
        // Never reached: heartbeats are refused at connect (see above).
        ping: () => undefined,
        deliver: (buf) => this.deliver(buf),
      },
      { mechanism: "NULL", asServer: false, socketType: opts.socketType },
    )
    ws.onmessage = (event) => this.onMessage(event.data)
    ws.onerror = () => this.emit("error", new Error(`WebSocket error on ${opts.url}`))
    ws.onclose = () => this.onClose()
  }

  /** The browser has opened the connection with `ws.protocol`: the engine may start. */
  start(): void {
    this.codec.start(this.ws.protocol)
  }

  get destroyed(): boolean {
    return this.ended || this.ws.readyState >= CLOSING
  }

  get writableLength(): number {
    return this.ws.bufferedAmount
  }

  get remoteAddress(): string | undefined {
    return undefined
  }

  private onMessage(data: unknown): void {
    try {
      // RFC 45 "Implementation": binary messages only; libzmq drops a peer sending text.
      if (!(data instanceof ArrayBuffer)) throw new ProtocolError("EPROTO", "WebSocket text message (ZWS carries binary messages only)")
      const max = this.opts.maxMessage
      if (max >= 0 && data.byteLength > max) throw new ProtocolError("EMSGSIZE", `WebSocket message of ${data.byteLength} octets exceeds ${max}`)
      this.codec.fromPeer(Buffer.from(data))
    } catch (err) {
      this.codec.stop()
      this.emit("error", err instanceof Error ? err : new Error(String(err)))
    }
  }

  private onClose(): void {
    if (this.ended) return
    this.ended = true
    this.codec.stop()
    if (this.draining !== null) clearTimeout(this.draining)
    this.emit("end")
    this.emit("close")
  }

  private deliver(buf: Buffer): void {
    if (this.paused || this.inQueue.length > 0) this.inQueue.push(buf)
    else this.emit("data", buf)
  }

  private send(pieces: Buffer[], size: number): void {
    if (this.ws.readyState >= CLOSING) return
    this.ws.send(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, size))
  }

  pause(): this {
    this.paused = true
    return this
  }

  resume(): this {
    this.paused = false
    while (!this.paused && this.inQueue.length > 0) this.emit("data", this.inQueue.shift()!)
    return this
  }

  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean {
    this.codec.fromEngine(chunk)
    // The browser owns the bytes once send() returns: the write is done as far as we can tell.
    if (callback) queueMicrotask(() => callback(null))
    if (this.ws.bufferedAmount < HIGH_WATER) return true
    this.watchDrain()
    return false
  }

  private watchDrain(): void {
    if (this.draining !== null) return
    this.draining = setTimeout(() => {
      this.draining = null
      if (this.ended) return
      if (this.ws.bufferedAmount <= HIGH_WATER / 2) this.emit("drain")
      else this.watchDrain()
    }, DRAIN_POLL_MS)
  }

  cork(): void {
    // Each ZMTP frame is its own WebSocket message: there is nothing to batch.
  }

  uncork(): void {}

  /** Closes politely: the browser sends a close frame (1000, RFC 6455 7.4.1). */
  end(): this {
    this.codec.stop()
    if (this.ws.readyState < CLOSING) this.ws.close(1000)
    return this
  }

  destroy(): this {
    this.codec.stop()
    if (this.ws.readyState < CLOSING) this.ws.close(1000)
    // 'close' follows in a later turn, as a node:net socket's does: the engine is not re-entered from its own call.
    queueMicrotask(() => this.onClose())
    return this
  }
}

/**
 * Helpers for the bad-input tests: a raw TCP "attacker" that writes hand-made
 * ZMTP bytes, builders for those bytes, an event log for a socket's Observer,
 * a seeded PRNG, and a small independent reference parser that says which
 * messages a correct receiver must deliver from a byte string.
 */
import * as net from "node:net"
import { encodeGreeting, encodeReady, FrameEncoder } from "../../src/internal.js"

// ---- wire bytes ----------------------------------------------------------------

export interface GreetingOptions {
  major?: number
  minor?: number
  mechanism?: string
  asServer?: boolean
}

/** A 64-octet greeting; by default a valid ZMTP 3.1 NULL client greeting. */
export function greeting(opts: GreetingOptions = {}): Buffer {
  const g = encodeGreeting(opts.mechanism ?? "NULL", opts.asServer ?? false)
  if (opts.major !== undefined) g[10] = opts.major
  if (opts.minor !== undefined) g[11] = opts.minor
  return g
}

/** One frame with the given flags, encoded by the project's encoder (short or long as needed). */
export function frame(body: Buffer | string, flags = 0): Buffer {
  const enc = new FrameEncoder()
  enc.encodeFrame(typeof body === "string" ? Buffer.from(body) : body, flags)
  return Buffer.concat(enc.take())
}

/** A READY command frame announcing `socketType` (and any extra properties). */
export function readyFrame(socketType: string, extra: [string, string][] = []): Buffer {
  const enc = new FrameEncoder()
  enc.encodeCommand(encodeReady([["Socket-Type", socketType], ...extra]))
  return Buffer.concat(enc.take())
}

/** Greeting + READY: a complete NULL handshake from the connecting side. */
export function handshake(socketType = "PUSH"): Buffer {
  return Buffer.concat([greeting(), readyFrame(socketType)])
}

/** Just a frame header with a 64-bit size (LONG is added to `flags`), no body. */
export function longHeader(flags: number, size: bigint): Buffer {
  const b = Buffer.alloc(9)
  b[0] = flags | 0x02
  b.writeBigUInt64BE(size, 1)
  return b
}

// ---- raw connection --------------------------------------------------------------

export interface RawClosed {
  /** The server sent FIN ('end' seen) before the socket closed. */
  gotEnd: boolean
  /** The socket errored (typically ECONNRESET when the server destroyed it with unread data). */
  error: NodeJS.ErrnoException | null
  /** Bytes the server sent us. */
  received: Buffer
}

export interface RawPeer {
  readonly socket: net.Socket
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<RawClosed>
  /** True once 'close' has been emitted. */
  readonly isClosed: () => boolean
  /** Writes bytes, ignoring EPIPE-style failures (the server may have gone already). */
  write(bytes: Buffer): void
  /** Half-closes our side (EOF to the server). */
  end(): void
  /**
   * Resolves once the server's greeting and first command (READY for NULL)
   * have arrived, i.e. the server is ready for traffic; rejects if the
   * connection closes first.
   */
  serverReady(): Promise<void>
}

/** Length of greeting + first frame in `buf`, or -1 if not all there yet. */
function greetingAndFirstFrame(buf: Buffer): number {
  if (buf.length < 66) return -1
  const flags = buf[64]!
  if (flags & 0x02) {
    if (buf.length < 73) return -1
    const end = 73 + Number(buf.readBigUInt64BE(65))
    return buf.length >= end ? end : -1
  }
  const end = 66 + buf[65]!
  return buf.length >= end ? end : -1
}

/** Parses "tcp://host:port" as zmq-ts and zeromq report it in lastEndpoint. */
export function tcpAddress(endpoint: string): { host: string; port: number } {
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint)
  if (!m) throw new Error(`not a tcp endpoint: ${endpoint}`)
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) }
}

/** Opens a raw TCP connection and resolves once it is connected. */
export function connectRaw(endpoint: string): Promise<RawPeer> {
  const { host, port } = tcpAddress(endpoint)
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port, noDelay: true })
    const chunks: Buffer[] = []
    let gotEnd = false
    let error: NodeJS.ErrnoException | null = null
    let isClosed = false
    let onData: (() => void) | null = null
    socket.on("data", (c: Buffer) => {
      chunks.push(c)
      onData?.()
    })
    socket.on("end", () => {
      gotEnd = true
    })
    const closed = new Promise<RawClosed>((res) => {
      socket.on("close", () => {
        isClosed = true
        res({ gotEnd, error, received: Buffer.concat(chunks) })
      })
    })
    const onConnectError = (err: Error): void => reject(err)
    socket.once("error", onConnectError)
    socket.once("connect", () => {
      socket.off("error", onConnectError)
      // From here on errors (ECONNRESET, EPIPE) are an expected way for the
      // server to drop us; record them instead of throwing.
      socket.on("error", (err: NodeJS.ErrnoException) => {
        error ??= err
      })
      resolve({
        socket,
        closed,
        isClosed: () => isClosed,
        write(bytes: Buffer) {
          if (!socket.destroyed && socket.writable) socket.write(bytes)
        },
        end() {
          if (!socket.destroyed) socket.end()
        },
        serverReady() {
          return new Promise<void>((res, rej) => {
            const check = (): void => {
              if (greetingAndFirstFrame(Buffer.concat(chunks)) >= 0) {
                onData = null
                res()
              }
            }
            onData = check
            check()
            void closed.then(() => rej(new Error("connection closed before the server's READY")))
          })
        },
      })
    })
  })
}

/** The server, not us, ended the connection: it sent FIN or reset it. */
export function closedByServer(c: RawClosed): boolean {
  return c.gotEnd || c.error?.code === "ECONNRESET"
}

// ---- observer log -------------------------------------------------------------------

/** The part of an event we look at; both zmq-ts and zeromq events fit. */
export interface LoggedEvent {
  type: string
  address?: string
  error?: { code: string; message: string }
}

interface EventSource {
  on(type: never, listener: (e: never) => void): unknown
}

const LOGGED_TYPES = ["accept", "handshake", "handshake:error:protocol", "handshake:error:other", "handshake:error:auth", "disconnect"] as const

/**
 * Records a socket's connection events in order, and lets a test wait until
 * a number of events of some type have happened (no polling, no sleeping).
 */
export class EventLog {
  readonly events: LoggedEvent[] = []
  private waiters: { type: string; count: number; resolve: () => void }[] = []

  constructor(observer: EventSource) {
    const on = observer.on.bind(observer) as unknown as (type: string, listener: (e: LoggedEvent) => void) => unknown
    for (const type of LOGGED_TYPES) on(type, (e) => this.record(e))
  }

  count(type: string, from = 0): number {
    let n = 0
    for (let i = from; i < this.events.length; i++) if (this.events[i]!.type === type) n++
    return n
  }

  /** Resolves once at least `count` events of `type` have been recorded in total. */
  waitFor(type: string, count: number, deadlineMs = 20_000): Promise<void> {
    if (this.count(type) >= count) return Promise.resolve()
    // The deadline timer also holds the event loop open while we wait:
    // zeromq.js keeps a process with Observer listeners alive by itself; the
    // tests should not depend on whether zmq-ts does. It rejects rather than
    // hang the test file when the events never come.
    let timer: NodeJS.Timeout | undefined
    const waiter = { type, count, resolve: (): void => undefined }
    return new Promise<void>((resolve, reject) => {
      waiter.resolve = resolve
      this.waiters.push(waiter)
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`waited ${deadlineMs} ms for ${count} "${type}" events, saw ${this.count(type)}: ${this.typesSince(0).join(", ")}`))
      }, deadlineMs)
    }).finally(() => clearTimeout(timer))
  }

  /** The event types recorded from index `from` on. */
  typesSince(from: number): string[] {
    return this.events.slice(from).map((e) => e.type)
  }

  /** Engines alive by the socket's own account: accepted minus disconnected. */
  get live(): number {
    return this.count("accept") - this.count("disconnect")
  }

  private record(e: LoggedEvent): void {
    this.events.push(e)
    const ready = this.waiters.filter((w) => this.count(w.type) >= w.count)
    if (ready.length === 0) return
    this.waiters = this.waiters.filter((w) => !ready.includes(w))
    for (const w of ready) w.resolve()
  }
}

// ---- seeded PRNG -----------------------------------------------------------------------

/** mulberry32: a small, fast, seeded 32-bit PRNG (deterministic across runs). */
export class Prng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.u32() % n
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff
    return b
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
}

// ---- reference parser -------------------------------------------------------------------

export interface ReferenceResult {
  /** Messages a correct receiver must deliver, in order. */
  messages: Buffer[][]
  /**
   * True when `messages` is everything it may deliver. False when the walk
   * reached a frame whose handling is implementation-defined (a command, or a
   * frame with reserved flag bits set): what follows is then unknown, but
   * `messages` must still be a prefix of what is delivered.
   */
  exact: boolean
  /** The walk ended on a frame above maxMessageSize (the connection must be dropped). */
  oversize: boolean
  /** A message (some frames with MORE, or a partial frame) was left unfinished at the end. */
  unfinished: boolean
}

/**
 * Independent of src: walks ZMTP 3.x frames (RFC 37 "Framing") in bytes that
 * follow a completed handshake and are then followed by EOF.
 */
export function referenceParse(bytes: Buffer, maxMessageSize: number): ReferenceResult {
  const messages: Buffer[][] = []
  let pending: Buffer[] = []
  let off = 0
  while (off < bytes.length) {
    const flags = bytes[off]!
    if ((flags & 0xf8) !== 0 || (flags & 0x04) !== 0) {
      return { messages, exact: false, oversize: false, unfinished: false }
    }
    const long = (flags & 0x02) !== 0
    const headerLen = long ? 9 : 2
    if (bytes.length - off < headerLen) break
    const size = long ? bytes.readBigUInt64BE(off + 1) : BigInt(bytes[off + 1]!)
    if (maxMessageSize >= 0 && size > BigInt(maxMessageSize)) {
      return { messages, exact: true, oversize: true, unfinished: false }
    }
    if (BigInt(bytes.length - off - headerLen) < size) break
    const n = Number(size)
    pending.push(bytes.subarray(off + headerLen, off + headerLen + n))
    off += headerLen + n
    if ((flags & 0x01) === 0) {
      messages.push(pending)
      pending = []
    }
  }
  return { messages, exact: true, oversize: false, unfinished: pending.length > 0 || off < bytes.length }
}

/** A raw peer connected to `endpoint` whose NULL handshake as `type` the server has answered. */
export async function connectReady(endpoint: string, type: string): Promise<RawPeer> {
  const raw = await connectRaw(endpoint)
  raw.write(handshake(type))
  await raw.serverReady()
  return raw
}

import * as net from "node:net"
import type { ByteStream, StreamReader } from "../engine/byte-stream.js"

/*
 * Reading tcp and ipc connections with net's `onread` option instead of
 * 'data' events. Node then reads into a buffer we choose before every read
 * (`onread.buffer` as a function, called after each read for the next one):
 *
 * - While the decoder waits for the rest of a large frame's body, the read
 *   goes straight into that body (StreamReader.readTarget): no copy, and one
 *   read takes as much as the kernel holds, where 'data' events bring at most
 *   64 KiB each (libzmq's decoder reads large bodies the same way).
 * - Otherwise it goes into a per-connection arena: consecutive reads fill it
 *   back to back, each chunk is handed over as a view and that part of the
 *   arena is never written again (the decoder's zero-copy views stay valid,
 *   as with 'data' chunks). The read size adapts: it grows while reads fill
 *   their buffer and shrinks when they come back mostly empty, so an idle
 *   connection holds a small arena (memory per idle connection), a busy one
 *   reads up to MAX_READ at a time.
 */

/**
 * Read size for a new connection, and the least it shrinks to: what an idle
 * connection holds between reads (its arena), so kept small.
 */
const MIN_READ = 1024
/** A smaller rest of the arena is not worth a read; the next read gets a new arena. */
const MIN_REGION = 256
/** Largest read into the arena, as Node's own 'data' reads; also what a connection may keep alive after a burst (test/fuzz/patterns-bad-input 2). */
const MAX_READ = 64 * 1024
/**
 * The read right after a large body was read in place: most likely the next
 * frame's header followed by another large body, which should mostly go in
 * place too, so only this much is read into the arena (libzmq's decoder reads
 * through an 8 KiB batch buffer likewise).
 */
const AFTER_BODY_READ = 4 * 1024
/**
 * While the reader is paused (its socket at the high-water mark), reading
 * goes on until this much is held, as a paused 'data' stream reads ahead
 * into its buffer: the peer's FIN is still seen (RFC 30 PULL: a PUSH that
 * sent and closed has its whole messages delivered, test/spec/rfc30-pull),
 * and the reads then stop.
 */
const READ_AHEAD = 64 * 1024
const EMPTY: Buffer = Buffer.alloc(0)

/** Whether this runtime's net.Socket reads through the native handle that `onread` needs (Node itself). */
export const directReadSupported = typeof process.versions.bun !== "string" && typeof process.versions.deno !== "string"

/** Chooses where each read lands and hands what was read to the reader. */
class ReadArena {
  reader: StreamReader | null = null
  /** Before a reader is attached, chunks go out as 'data' events (what the stream's other users expect). */
  emitData: ((chunk: Buffer) => void) | null = null
  /** Ends the connection when the bytes cannot be accounted for. */
  fail: ((error: Error) => void) | null = null
  /** Set by pause(): chunks read meanwhile are held, up to READ_AHEAD bytes. */
  paused = false
  readonly held: Buffer[] = []
  private heldBytes = 0
  private arena: Buffer = EMPTY
  private pos = 0
  private readSize = MIN_READ
  /** The buffer handed out for the next read, and whether it is the reader's own. */
  private next: Buffer = EMPTY
  private nextIsTarget = false
  /** The last read completed a body read in place (see AFTER_BODY_READ). */
  private afterBody = false

  readonly onread = {
    buffer: (): Buffer => this.nextBuffer(),
    callback: (n: number, buf: Uint8Array): boolean => this.landed(n, buf),
  }

  private nextBuffer(): Buffer {
    const target = this.reader?.readTarget() ?? null
    if (target !== null) {
      this.next = target
      this.nextIsTarget = true
      return target
    }
    const want = this.afterBody ? Math.min(AFTER_BODY_READ, this.readSize) : this.readSize
    // A new arena when the rest is too small, or when the reads shrank far
    // below it (a burst is over: do not keep a large arena alive for an idle
    // connection). Its own allocation, not a slice of Node's shared pool,
    // which an idle connection's arena would keep alive whole (8 KiB).
    const rest = this.arena.length - this.pos
    if (rest < Math.min(want, MIN_REGION) || this.arena.length > 4 * this.readSize) {
      this.arena = Buffer.allocUnsafeSlow(this.readSize)
      this.pos = 0
    }
    this.next = this.arena.subarray(this.pos, this.pos + want)
    this.nextIsTarget = false
    return this.next
  }

  /** Hands the chunks held while paused to the reader, until it pauses again. */
  flushHeld(): void {
    while (!this.paused && this.held.length > 0) {
      const chunk = this.held.shift()!
      this.heldBytes -= chunk.length
      this.deliver(chunk)
    }
  }

  private deliver(chunk: Buffer): void {
    if (this.reader !== null) this.reader.onChunk(chunk)
    else this.emitData?.(chunk)
  }

  /** Node's onread callback: returning false stops the handle reading (until resume()). */
  private landed(n: number, buf: Uint8Array): boolean {
    // Node reads into the buffer nextBuffer() returned last; anything else would mean lost bytes.
    if (buf !== this.next) {
      this.fail?.(new Error("onread: a read landed in an unexpected buffer"))
      return false
    }
    if (this.nextIsTarget) {
      // Filled to the end: the body is complete, and a header is what comes next.
      this.afterBody = n === buf.length
      this.reader!.targetFilled(n)
      return true
    }
    const chunk = this.arena.subarray(this.pos, this.pos + n)
    this.pos += n
    if (!this.afterBody) {
      if (n === buf.length && n >= this.readSize) this.readSize = Math.min(this.readSize * 4, MAX_READ)
      else if (n < buf.length / 8) this.readSize = Math.max(this.readSize / 2, MIN_READ)
    }
    this.afterBody = false
    if (this.paused) {
      this.held.push(chunk)
      this.heldBytes += n
      return this.heldBytes < READ_AHEAD
    }
    this.deliver(chunk)
    return true
  }
}

type SocketOptions = net.SocketConstructorOpts & { handle?: unknown; onread?: unknown; noDelay?: boolean }

/** A net.Socket whose reads land where its reader says (see above); a ByteStream with readDirect. */
export class DirectReadSocket extends net.Socket implements ByteStream {
  private readonly arena: ReadArena

  private constructor(options: SocketOptions, arena: ReadArena) {
    super(options)
    this.arena = arena
    arena.emitData = (chunk) => this.emit("data", chunk)
    arena.fail = (error) => this.destroy(error)
  }

  /** A socket to connect(); reads through `onread` from the start. */
  static create(options: { noDelay?: boolean } = {}): DirectReadSocket {
    const arena = new ReadArena()
    return new DirectReadSocket({ ...options, onread: arena.onread }, arena)
  }

  /**
   * Takes over an accepted connection. Node 20's net.Server gives accepted
   * sockets no `onread` option, so the server is created with
   * `pauseOnConnect` (its socket never starts reading) and the connection's
   * handle is adopted by a socket built with `onread`, which is what
   * net.Server itself does with an accepted handle; the server's socket lets
   * go of the handle and is destroyed without closing it (this also keeps
   * the server's connection count right). Returns null when the socket is
   * not a plain libuv stream (then it stays as it is, paused).
   */
  static adopt(accepted: net.Socket, options: { noDelay?: boolean } = {}): DirectReadSocket | null {
    const holder = accepted as unknown as { _handle?: { useUserBuffer?: unknown; readStop?: unknown } | null }
    const handle = holder._handle
    if (!directReadSupported || handle == null || typeof handle.useUserBuffer !== "function" || typeof handle.readStop !== "function") {
      return null
    }
    holder._handle = null
    accepted.destroy()
    const arena = new ReadArena()
    // `noDelay`: the server already set TCP_NODELAY on the handle; saying so spares setNoDelay() a second setsockopt(2).
    return new DirectReadSocket({ handle, onread: arena.onread, readable: true, writable: true, noDelay: options.noDelay === true }, arena)
  }

  readDirect(reader: StreamReader): void {
    this.arena.reader = reader
  }

  /**
   * Stops handing chunks over; reading goes on up to READ_AHEAD bytes (see
   * there), then stops. Not net.Socket's pause, which with `onread` stops
   * reading at once (and would hide the peer's FIN).
   */
  override pause(): this {
    this.arena.paused = true
    return this
  }

  /** Hands over what was held, then reads on (unless the reader paused again meanwhile). */
  override resume(): this {
    const arena = this.arena
    arena.paused = false
    arena.flushHeld()
    if (!arena.paused && !this.readableEnded) super.resume()
    return this
  }
}

import type { ByteStream } from "./byte-stream.js"
import type { Msg } from "../pipe.js"

/** What we read of a Node stream handle (TCPWrap, PipeWrap): libuv's write_queue_size, live. */
interface StreamHandle {
  writeQueueSize?: unknown
}

/**
 * Which of the messages an engine took from its pipe never reached the
 * kernel, for requeueing them when the connection dies (issue #16: a PUSH
 * reconnecting after a reset lost what sat in Node's stream).
 *
 * Each message is recorded with the stream offset at which its bytes start.
 * At the error, libuv's `write_queue_size` says how many of the bytes handed
 * to it were not yet accepted by the kernel: those are a suffix of
 * everything written, so a message starting inside that suffix never left
 * the process and can be sent again on the next connection, whole. A
 * message partly in the kernel is lost, as in libzmq. Bytes Node buffered
 * behind libuv's request also never left, but are not counted: the suffix
 * used is never longer than the true one, so a message is never duplicated.
 * Streams without a libuv TCP or Pipe handle (ws, tls) report nothing, and
 * nothing is requeued.
 */
export class UnsentTracker {
  private readonly handle: StreamHandle | undefined
  private readonly stream: ByteStream
  /** Bytes handed to the stream so far (by the engine's writeOut). */
  private written = 0
  private starts: number[] = []
  /** null: a small message encoded at send() (encodeNow), whose frame we do not keep. */
  private msgs: (Msg | null)[] = []
  private head = 0

  constructor(stream: ByteStream) {
    this.stream = stream
    // Node's own handle: the only place libuv's queue size is visible. The
    // reference is taken now because net.Socket drops it when destroyed, and
    // the queue size stays readable until the handle's close completes.
    // Only libuv's own TCP and Pipe handles: a TLSWrap also has a
    // writeQueueSize, but counts bytes after encryption, not ours.
    const handle = (stream as unknown as { _handle?: StreamHandle | null })._handle ?? undefined
    const kind = handle?.constructor.name
    this.handle = kind === "TCP" || kind === "Pipe" ? handle : undefined
  }

  /** `msg` was encoded `pending` bytes after the last write. */
  taken(msg: Msg, pending: number): void {
    this.starts.push(this.written + pending)
    this.msgs.push(msg)
  }

  /**
   * A small message went straight into the batch `pending` bytes after the last write; its bytes are the
   * caller's, not kept, so it cannot be sent again (see unsent()).
   */
  takenSmall(pending: number): void {
    this.starts.push(this.written + pending)
    this.msgs.push(null)
  }

  /** `bytes` more were handed to the stream. */
  wrote(bytes: number): void {
    this.written += bytes
  }

  /** Forgets the messages whose bytes all completed their writes (Node's writableLength counts the rest). */
  prune(): void {
    const done = this.written - this.stream.writableLength
    while (this.head < this.starts.length && this.starts[this.head]! < done) this.head++
    if (this.head === this.starts.length) {
      this.starts = []
      this.msgs = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.head)
      this.msgs = this.msgs.slice(this.head)
      this.head = 0
    }
  }

  /** The messages, in order, none of whose bytes reached the kernel; call once the connection has failed. */
  unsent(): Msg[] {
    const queued = this.handle?.writeQueueSize
    const notSent = typeof queued === "number" && queued > 0 ? queued : 0
    const from = this.written - notSent
    let i = this.starts.length
    while (i > this.head && this.starts[i - 1]! >= from) i--
    // Only what follows the last small message that never left can go back: requeueing messages on both
    // sides of it would deliver them with a hole in between, besides the one the kernel's loss makes.
    let tail = this.msgs.slice(i)
    const lastSmall = tail.lastIndexOf(null)
    if (lastSmall >= 0) tail = tail.slice(lastSmall + 1)
    const out = tail as Msg[]
    this.starts = []
    this.msgs = []
    this.head = 0
    return out
  }
}

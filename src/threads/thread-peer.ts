/**
 * The far side of a socket's pipe when the other socket lives in another
 * thread: it moves whole messages between the pipe's local queues and the
 * two shared rings of the connection. The sockets see an ordinary pipe,
 * exactly as with a tcp engine behind it.
 */
import { MsgQueue, type Msg, type Pipe, type PipePeer } from "../pipe.js"
import { HEADER_BYTES, RING_BYTES, RingReader, RingWriter } from "./ring.js"
import { SharedReceiver, SharedSender, type ShareLink } from "./shared-frames.js"
import { SlabPool } from "./slab-pool.js"

/** A connection's shared memory: ring 0 carries connecter -> binder, ring 1 binder -> connecter. */
export function connectionBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(2 * (HEADER_BYTES + RING_BYTES))
}

/**
 * A pipe's inbound queue that tells the writer in the other thread when the
 * socket takes a message, so that the high-water mark counts what the
 * receiving socket holds, as libzmq's inproc pipe does.
 */
export class CountingQueue extends MsgQueue {
  onTaken: ((n: number) => void) | null = null

  override read(): Msg | undefined {
    const msg = super.read()
    if (msg !== undefined && this.onTaken !== null) this.onTaken(1)
    return msg
  }

  override clear(): number {
    const n = super.clear()
    if (n > 0 && this.onTaken !== null) this.onTaken(n)
    return n
  }
}

/** What a RingOutbound asks of the ring its messages go to (ThreadPeer). */
interface OutboundRing {
  /** Whether the ring's messages not yet taken by the receiving socket, and `queued` more, reach the bound. */
  atLimit(queued: number): boolean
  /** The queue refused a message: call ringRoom() once the ring has taken some away. */
  waitRoom(): void
  /** The queue's high-water mark (the local SNDHWM) changed: the bound is SNDHWM + the receiver's RCVHWM. */
  hwmChanged(): void
}

/**
 * A pipe's outbound queue when the receiving socket is in another thread.
 * The ring carries the whole of libzmq's inproc high-water mark (SNDHWM +
 * RCVHWM), so a stream passes its messages straight into it at send()
 * (ThreadPeer.encodeNow); this queue only holds what the ring cannot take
 * yet (a message larger than the free room, one waiting for a slab), and is
 * full once it and the ring together hold that bound, which stays exact.
 * Until a ThreadPeer attaches (a connect not yet answered, or bound in this
 * very thread), it is an ordinary MsgQueue.
 */
export class RingOutbound extends MsgQueue {
  /** Set while a ThreadPeer writes this queue's messages to a ring. */
  sink: OutboundRing | null = null

  override get full(): boolean {
    if (super.full) return true
    return this.sink !== null && this.sink.atLimit(this.length)
  }

  override checkWrite(): boolean {
    if (super.checkWrite()) return true
    this.sink?.waitRoom()
    return false
  }

  override setHwm(hwm: number): void {
    super.setHwm(hwm)
    this.sink?.hwmChanged()
  }

  /**
   * The ring's writer woke: a writer refused for the lack of room may go on,
   * or, if there is still none (woken early), the ring is to wake us again.
   */
  ringRoom(): void {
    if (!this.writerBlocked) return
    if (!this.full) this.wakeWriter()
    else this.sink?.waitRoom()
  }
}

/** Event-loop turns a reader that found its ring empty looks again before it sleeps. */
const IDLE_TURNS = 2

export interface ThreadPeerOptions {
  /** Which end this is: 0 connecter, 1 binder. */
  side: 0 | 1
  /** Messages the receiving socket may hold besides ours (its RCVHWM, 0 for none). */
  peerReceiveHwm: number
  /** Called once the connection has ended, for the registry's bookkeeping. */
  ended: () => void
  /** Posts shared buffers to the other thread (shared-frames.ts). */
  link: ShareLink
}

export class ThreadPeer implements PipePeer {
  private readonly writer: RingWriter
  private readonly reader: RingReader
  private readonly shared = new SharedReceiver()
  private pumping = false
  private done = false
  /** The inbound queue holds what the last drain delivered: drain again once the socket has taken it all. */
  private polling = false
  /** Event-loop turns the reader has found the ring empty in a row (see receive()). */
  private idleTurns = 0
  /** Set by close(): the socket is gone, outbound messages drain within linger. */
  private lingerDone: (() => void) | null = null
  private lingerTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly pipe: Pipe,
    sab: SharedArrayBuffer,
    private readonly opts: ThreadPeerOptions,
  ) {
    const half = sab.byteLength / 2
    this.writer = new RingWriter(sab, opts.side === 0 ? 0 : half, half, () => this.pump())
    this.reader = new RingReader(sab, opts.side === 0 ? half : 0, half, () => this.receive())
    const out = pipe.outbound
    if (out instanceof RingOutbound) {
      // The ring takes SNDHWM + RCVHWM, and the queue only what it cannot
      // take yet: a stream then goes through encodeNow() rather than the
      // queue. (With the ring bounded by RCVHWM alone, a sender faster than
      // its reader kept the queue non-empty, so 77% of 16 B messages took
      // the queue: 1.36x the msgs/s and -25% CPU per message on both threads
      // once the ring took them all.)
      const rcv = opts.peerReceiveHwm
      const limit = (): number => (out.hwm > 0 && rcv > 0 ? out.hwm + rcv : 0)
      out.sink = {
        atLimit: (queued) => this.writer.atHwm(queued),
        waitRoom: () => {
          if (!this.done) this.writer.waitWritable()
        },
        hwmChanged: () => {
          this.writer.hwm = limit()
          out.ringRoom()
        },
      }
      this.writer.hwm = limit()
    } else this.writer.hwm = opts.peerReceiveHwm
    this.writer.sharer = new SharedSender(opts.link, () => this.writer.started)
    // Allocated lazily, on the first large frame: most connections never need one.
    this.writer.slabs = new SlabPool()
    this.reader.shared = this.shared
    if (pipe.inbound instanceof CountingQueue) pipe.inbound.onTaken = (n) => this.taken(n)
    pipe.attachPeer(this)
    this.pump()
    this.receive()
  }

  get finished(): boolean {
    return this.done
  }

  pipeIs(pipe: Pipe): boolean {
    return this.pipe === pipe
  }

  get busy(): boolean {
    return this.writer.busy
  }

  outboundReady(): void {
    this.pump()
  }

  inboundDrained(): void {
    // The inbound queue is bounded by the writer in the other thread.
  }

  /**
   * A small one-frame message at send() (Pipe.writeSmall, which checks that
   * nothing is queued before it): written into the ring at once, skipping
   * the socket's copy (FrameCopier), the frame array, the queue and pump().
   * The ring's own high-water mark and room decide, as in pump().
   */
  encodeNow(frame: Uint8Array): boolean {
    if (this.done || this.lingerDone !== null || !this.writer.writeSmall(frame)) return false
    this.writer.publish()
    return true
  }

  /** The socket gave the pipe up (e.g. a second PAIR peer): end the connection now. */
  pipeClosed(): void {
    this.finish(false)
  }

  /**
   * The local socket closed: what is still queued outbound gets `linger` ms
   * (-1: no limit) to reach the ring, then the other side sees the end.
   */
  close(linger: number): Promise<void> {
    if (this.done) return Promise.resolve()
    if (linger === 0 || (this.pipe.outbound.length === 0 && !this.writer.busy)) {
      this.finish(true)
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.lingerDone = resolve
      if (linger > 0) this.lingerTimer = setTimeout(() => this.finish(true), linger)
      this.pump()
    })
  }

  /** The other thread posted a buffer that frames on this connection lie in. */
  sharedArrived(id: number, sab: SharedArrayBuffer): void {
    this.shared.add(id, sab)
    if (this.reader.blocked) this.receive()
  }

  /** The other thread dropped a buffer; descriptors up to message `after` may still refer to it. */
  sharedDropped(id: number, after: number): void {
    this.shared.remove(id, after)
  }

  /** The other thread died: the connection is gone, whatever was queued. */
  peerGone(): void {
    if (this.done) return
    this.reader.drain((msg) => this.pipe.inbound.push(msg))
    this.finish(false)
  }

  private pump(): void {
    if (this.done || this.pumping) return
    this.pumping = true
    const out = this.pipe.outbound
    let moved = false
    while (out.length > 0 || this.writer.busy) {
      // `ready` also writes what is left of a message larger than the free room.
      if (!this.writer.ready) {
        this.writer.waitWritable()
        break
      }
      if (out.length === 0) break
      this.writer.write(out.read()!)
      moved = true
    }
    this.pumping = false
    // Publishing is one atomic store; the reader is only woken (Atomics.notify)
    // if it sleeps, so a busy stream costs no wake-ups. (Publishing once per
    // event-loop turn instead, with setImmediate, measured 35% fewer msgs/s.)
    if (moved) this.writer.publish()
    if (this.lingerDone !== null && out.length === 0 && !this.writer.busy) this.finish(true)
    else if (out instanceof RingOutbound) out.ringRoom()
  }

  private receive(): void {
    if (this.done) return
    this.polling = false
    const inbound = this.pipe.inbound
    // Bounded batches keep one busy connection from starving the event loop.
    const n = this.reader.drain((msg) => inbound.push(msg), 4096)
    // Waiting for a shared buffer posted over the channel: sharedArrived resumes.
    if (this.reader.blocked) return
    if (this.reader.ended) {
      this.finish(false)
      return
    }
    if (n > 0) this.idleTurns = 0
    if (n === 4096) setImmediate(() => this.receive())
    else if (n > 0 && inbound.length > 0 && inbound instanceof CountingQueue) {
      // The socket has messages to take: look at the ring again when it has
      // taken them (taken()), rather than be woken for each publish meanwhile.
      this.polling = true
      this.reader.watch()
    } else if (this.idleTurns < IDLE_TURNS) {
      // Nothing (left) to hand over: look again on the next event-loop turn
      // or two before sleeping, for a writer in a stream is seldom more than
      // a turn behind. A sleeping reader costs the writer an Atomics.notify,
      // ~20 us of CPU for the two threads and more on a loaded box (a mutex
      // inside V8); a turn costs a few microseconds. Close still wakes it.
      this.idleTurns++
      this.reader.watch()
      setImmediate(() => this.receive())
    } else this.reader.waitReadable()
  }

  /** The socket took `n` messages from the inbound queue. */
  private taken(n: number): void {
    this.reader.consumed(n)
    if (this.polling && this.pipe.inbound.length === 0) {
      this.polling = false
      // Not from inside the socket's read: drain on the next microtask.
      queueMicrotask(() => this.receive())
    }
  }

  private finish(local: boolean): void {
    if (this.done) return
    this.done = true
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer)
    this.writer.close()
    this.pipe.detachPeer()
    if (this.pipe.outbound instanceof RingOutbound) this.pipe.outbound.sink = null
    if (this.pipe.inbound instanceof CountingQueue) this.pipe.inbound.onTaken = null
    if (!local || !this.pipe.terminated) this.pipe.terminate()
    const resolve = this.lingerDone
    this.lingerDone = null
    resolve?.()
    this.opts.ended()
  }
}

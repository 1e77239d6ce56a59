/**
 * Bounded message queues and the pipes built from them.
 *
 * A message is an array of frames and is queued whole, so a multipart message
 * is always atomic: it is either in a queue entirely or not at all. The
 * high-water mark counts messages, as libzmq's does.
 */

import { FRAME_OVERHEAD } from "./codec/constants.js"
import type { ProtocolError } from "./codec/protocol-error.js"
import type { WireEncoder } from "./codec/wire.js"

export type Msg = Buffer[]

/**
 * A message a fan-out socket (PUB, XPUB) sends to many connections
 * (codec/wire.ts): `wireFrom` is the socket's WireEncoder, and `wire` the
 * message's ZMTP bytes once the first connection that writes it encoded
 * them; every other connection then writes the same bytes instead of
 * encoding the frames again. `wire` is null when the message is too large
 * for that: its larger bodies are then written by reference. Encoding at the
 * first write rather than at send() keeps a backlog from holding the bytes
 * twice. Other readers of the queue (inproc, ws, epgm) see an ordinary message.
 */
export type WireMsg = Msg & { wireFrom?: WireEncoder; wire?: Buffer | null }


/** The memory a message holds, as the receive budget counts it. */
export function msgCost(msg: Msg): number {
  let cost = 0
  for (let i = 0; i < msg.length; i++) cost += msg[i]!.length + FRAME_OVERHEAD
  return cost
}

/** libzmq's low-water mark: writing resumes once the queue has drained to it. */
export function lowWaterMark(hwm: number): number {
  const maxDelta = 1024
  return hwm > maxDelta * 2 ? hwm - maxDelta : Math.floor((hwm + 1) / 2)
}

/** Ring slots a drained queue may keep: the default high-water mark (1000) stays within them, so steady traffic never reallocates. */
const SHRINK_ABOVE = 4096

/** A listener called by a queue; each queue has one for each end. */
export type Wake = () => void

/**
 * A ring buffer of messages with a high-water mark (0 = unlimited). The
 * writer end is told when room appears after it found the queue full; the
 * reader end is told when the queue goes from empty to not empty.
 */
export class MsgQueue {
  hwm: number
  /** ZMQ_CONFLATE: keep only the newest message (libzmq's ypipe_conflate). */
  conflate = false
  /**
   * Memory budget (msgCost of what is queued) past which the queue counts as
   * full, whatever the message count; 0 for none. Fixed at construction, so
   * that what push() added is what read() takes off.
   */
  readonly byteLimit: number
  /** msgCost of the queued messages, kept only when byteLimit > 0. */
  private bytes = 0
  private lwm: number
  private ring: (Msg | undefined)[]
  private head = 0
  private count = 0
  protected writerBlocked = false
  /** Called when the queue turns non-empty. */
  onReadable: Wake | null = null
  /** Called when the queue drains to the low-water mark after the writer hit the high-water mark. */
  onWritable: Wake | null = null
  /**
   * Called by read() as it takes the last queued message, before taking it:
   * an engine that holds undecoded input refills the queue then (so the
   * queue never looks empty while whole messages wait; see engine/held-input.ts).
   */
  onLow: Wake | null = null

  constructor(hwm: number, byteLimit = 0) {
    this.hwm = hwm
    this.byteLimit = byteLimit > 0 ? byteLimit : 0
    this.lwm = lowWaterMark(hwm)
    this.ring = new Array<Msg | undefined>(16)
  }

  setHwm(hwm: number): void {
    this.hwm = hwm
    this.lwm = lowWaterMark(hwm)
    if (this.writerBlocked && !this.full) this.wakeWriter()
  }

  get length(): number {
    return this.count
  }

  /** msgCost of what is queued (0 when the queue keeps no budget). */
  get queuedBytes(): number {
    return this.bytes
  }

  get full(): boolean {
    return (this.hwm > 0 && this.count >= this.hwm) || (this.byteLimit > 0 && this.bytes >= this.byteLimit)
  }

  /** Checks for room; if there is none, the writer will be woken when there is. */
  checkWrite(): boolean {
    if (this.full && !this.conflate) {
      this.writerBlocked = true
      return false
    }
    return true
  }

  /** Appends a message if there is room; returns false (and arms the writer wake) otherwise. */
  write(msg: Msg): boolean {
    if (!this.checkWrite()) return false
    this.push(msg)
    return true
  }

  /** Appends a message regardless of the high-water mark (the caller checked). */
  push(msg: Msg): void {
    if (this.conflate && this.count > 0) {
      if (this.byteLimit > 0) this.bytes += msgCost(msg) - msgCost(this.ring[this.head]!)
      this.ring[this.head] = msg
      return
    }
    if (this.byteLimit > 0) this.bytes += msgCost(msg)
    if (this.count === this.ring.length) this.grow()
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = msg
    this.count++
    if (this.count === 1 && this.onReadable !== null) this.onReadable()
  }

  /**
   * Puts messages back at the front, in the given order, whatever the
   * high-water mark: an engine returns what it took from the queue but never
   * handed to the kernel before its connection died (bounded by what an
   * engine takes at once). Not for conflating queues (the newest wins there).
   */
  prepend(msgs: readonly Msg[]): void {
    if (msgs.length === 0) return
    const wasEmpty = this.count === 0
    while (this.count + msgs.length > this.ring.length) this.grow()
    for (let i = msgs.length - 1; i >= 0; i--) {
      this.head = (this.head - 1) & (this.ring.length - 1)
      this.ring[this.head] = msgs[i]
      if (this.byteLimit > 0) this.bytes += msgCost(msgs[i]!)
    }
    this.count += msgs.length
    if (wasEmpty && this.onReadable !== null) this.onReadable()
  }

  peek(): Msg | undefined {
    return this.count === 0 ? undefined : this.ring[this.head]
  }

  read(): Msg | undefined {
    if (this.count === 0) return undefined
    if (this.count === 1 && this.onLow !== null) this.onLow()
    const msg = this.ring[this.head]
    this.ring[this.head] = undefined
    this.head = (this.head + 1) & (this.ring.length - 1)
    this.count--
    // A burst past the high-water mark (subscriptions bypass it; 0 means none) grew the ring: give the
    // memory back once it has drained, or 100k queued subscriptions would hold 1 MiB of slots for good.
    if (this.count === 0 && this.ring.length > SHRINK_ABOVE) {
      this.ring = new Array<Msg | undefined>(16)
      this.head = 0
    }
    if (this.byteLimit > 0) this.bytes -= msgCost(msg!)
    // Writing resumes at the low-water mark, and (with a budget) once half of it is free.
    if (this.writerBlocked && this.count <= this.lwm && this.bytes <= this.byteLimit / 2) this.wakeWriter()
    return msg
  }

  /** Drops every queued message; returns how many were dropped. */
  clear(): number {
    const n = this.count
    this.ring = new Array<Msg | undefined>(16)
    this.head = 0
    this.count = 0
    this.bytes = 0
    if (this.writerBlocked) this.wakeWriter()
    return n
  }

  protected wakeWriter(): void {
    this.writerBlocked = false
    if (this.onWritable !== null) this.onWritable()
  }

  private grow(): void {
    const old = this.ring
    const next = new Array<Msg | undefined>(old.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)]
    this.ring = next
    this.head = 0
    // Shrinking back happens in clear() and, past SHRINK_ABOVE slots, in read() once empty.
  }
}

/** What the socket side of a pipe is told. */
export interface PipeOwner {
  readActivated(pipe: Pipe): void
  writeActivated(pipe: Pipe): void
  pipeTerminated(pipe: Pipe): void
  /** `pipe` was at its high-water mark and missed `msg` (counted in socket.stats, traced on zmq-ts:drop). */
  messageDropped?(pipe: Pipe, msg: Msg): void
}

/** What the peer side of a pipe (an engine or session) is told. */
export interface PipePeer {
  /** Messages are waiting in `outbound`. */
  outboundReady(): void
  /** `inbound` drained after being full: reading may resume. */
  inboundDrained(): void
  /** The socket gave the pipe up: close the connection behind it (`reason`: the peer broke a rule of ours). */
  pipeClosed(reason?: ProtocolError): void
  /** True while bytes taken from the pipe are not yet handed to the kernel. */
  readonly busy: boolean
  /**
   * Optional: encodes a one-frame message of at most SMALL_FRAME_MAX bytes
   * straight into the outgoing batch, bypassing the queue; false when it
   * cannot now (not connected yet, waiting for the kernel, batch full,
   * encryption), and the message must be queued instead.
   */
  encodeNow?(frame: Uint8Array): boolean
  /**
   * Optional: appends a fan-out message's ZMTP bytes (WireMsg, encoded here
   * if no connection did yet) to the outgoing batch by reference, bypassing
   * the queue; false when it cannot now (as encodeNow), or when the message
   * is too large for wire bytes.
   */
  encodeWire?(msg: WireMsg): boolean
  /** True when this peer writes a WireMsg's bytes (plain ZMTP after the handshake; not CURVE, which seals each frame). */
  readonly takesWire?: boolean
}

/**
 * One-frame messages up to this size may skip the queue (Pipe.writeSmall).
 * It is also zeromq.js's copy threshold (msg.ts): such a frame must be
 * copied at send() anyway, and copying it into the batch is that copy.
 */
export const SMALL_FRAME_MAX = 128

/**
 * One socket's attachment to one peer: `inbound` carries messages from the
 * peer to the socket and `outbound` the other way. For tcp/ipc the peer side
 * is a session and its engine; for inproc it is another socket's pipe that
 * shares the same two queues crosswise.
 */
export class Pipe {
  readonly inbound: MsgQueue
  readonly outbound: MsgQueue
  /** Routing id the peer announced (READY Identity) or the socket assigned. */
  routingId: Buffer = EMPTY
  /** Peer's metadata from the handshake (lower-cased names). */
  peerMetadata: Map<string, Buffer> = new Map()
  /** The endpoint this pipe was made for, as the user wrote it. */
  endpoint = ""
  /** Set once the pipe is terminated: no more messages will arrive. */
  terminated = false
  /** Set when the socket gave the pipe up (close()): its connection must end. */
  refused = false
  /** STREAM: the application asked to close this connection (no disconnect notification). */
  closedByApp = false
  /**
   * Set by transports with no upstream (epgm): the (X)PUB subscribes this pipe to everything when it attaches,
   * without telling the application (libzmq's attach_pipe with subscribe_to_all).
   */
  subscribeToAll = false
  /** Free slot for the socket type's own bookkeeping (e.g. ROUTER's state). */
  owner: PipeOwner | null = null
  peer: PipePeer | null = null
  /** Handshakes completed over this pipe (a connecting pipe survives reconnects). */
  handshakes = 0
  /** Scratch mark for a distributor's de-duplication pass. */
  mark = 0
  /** The id a ROUTER or STREAM socket knows this peer by (kept after termination). */
  localRoutingId: Buffer | null = null
  /** Routing id chosen locally for this peer (ROUTER/STREAM `connect(addr, { routingId })`). */
  connectRoutingId: Buffer | null = null
  /** For inproc: the other socket's pipe over the same two queues. */
  inprocPeer: Pipe | null = null

  get inproc(): boolean {
    return this.inprocPeer !== null
  }

  constructor(inbound: MsgQueue, outbound: MsgQueue) {
    this.inbound = inbound
    this.outbound = outbound
  }

  /** Connects queue wake-ups to the socket side. */
  attachOwner(owner: PipeOwner): void {
    this.owner = owner
    this.inbound.onReadable = () => owner.readActivated(this)
    this.outbound.onWritable = () => owner.writeActivated(this)
  }

  /** Stops telling the socket side about this pipe. */
  detachOwner(): void {
    this.owner = null
    this.inbound.onReadable = null
    this.outbound.onWritable = null
  }

  /** Connects queue wake-ups to the peer side. */
  attachPeer(peer: PipePeer): void {
    this.peer = peer
    this.outbound.onReadable = () => peer.outboundReady()
    this.inbound.onWritable = () => peer.inboundDrained()
  }

  detachPeer(): void {
    this.peer = null
    this.outbound.onReadable = null
    this.inbound.onWritable = null
    this.inbound.onLow = null
  }

  /** Reads the next inbound message, if any. */
  read(): Msg | undefined {
    return this.inbound.read()
  }

  /** Queues an outbound message; false when the high-water mark is reached. */
  write(msg: Msg): boolean {
    return !this.terminated && this.outbound.write(msg)
  }

  /**
   * Sends a one-frame message of at most SMALL_FRAME_MAX bytes by encoding it
   * into the connection's batch at once: no frame array, no copy of its own,
   * no queue entry. Only while the queue is empty (messages stay in order)
   * and not conflating; false when the caller must queue it as usual. The
   * high-water mark is not bypassed: the engine takes such messages only up
   * to a bounded batch, as it takes queued ones in flush().
   */
  writeSmall(frame: Uint8Array): boolean {
    const peer = this.peer
    return (
      peer !== null && peer.encodeNow !== undefined && !this.terminated && this.outbound.length === 0 && !this.outbound.conflate && peer.encodeNow(frame)
    )
  }

  /** True when this pipe's peer takes messages already encoded to ZMTP bytes (writeWire). */
  get takesWire(): boolean {
    return this.peer !== null && this.peer.takesWire === true
  }

  /**
   * Sends a fan-out socket's message (WireMsg) by appending its ZMTP bytes
   * to the connection's batch, under the same conditions as writeSmall():
   * false when the caller must queue it.
   */
  writeWire(msg: WireMsg): boolean {
    const peer = this.peer
    return peer !== null && peer.encodeWire !== undefined && !this.terminated && this.outbound.length === 0 && !this.outbound.conflate && peer.encodeWire(msg)
  }

  checkWrite(): boolean {
    return !this.terminated && this.outbound.checkWrite()
  }

  /**
   * The socket gives this pipe up (e.g. a PAIR that already has a peer): the
   * connection behind it is closed. The socket is not called back.
   */
  close(reason?: ProtocolError): void {
    if (this.terminated) return
    this.terminated = true
    this.refused = true
    const inprocPeer = this.inprocPeer
    if (inprocPeer !== null) inprocPeer.terminate()
    else this.peer?.pipeClosed(reason)
  }

  /**
   * The socket stops using this pipe but leaves its connection open and idle
   * (libzmq's ROUTER handover): what the peer sends piles up to the
   * high-water mark and then waits; nothing reaches the socket.
   */
  abandon(): void {
    this.terminated = true
    this.owner = null
    this.inbound.onReadable = null
    this.outbound.onWritable = null
    this.outbound.clear()
  }

  /** Ends the pipe from the peer's side. Messages already inbound stay readable; outbound ones are the caller's to keep or drop. */
  terminate(): void {
    if (this.terminated) return
    this.terminated = true
    this.owner?.pipeTerminated(this)
  }
}

const EMPTY = Buffer.alloc(0)

/**
 * Ends both sides of an inproc connection: each socket keeps the messages
 * already queued towards it, and nothing more will arrive.
 */
export function terminateInproc(pipe: Pipe): void {
  const peer = pipe.inprocPeer
  pipe.terminate()
  peer?.terminate()
}

/** Creates the two pipes of an inproc connection: a's outbound is b's inbound and vice versa. */
export function pipePair(hwmAtoB: number, hwmBtoA: number): [Pipe, Pipe] {
  const ab = new MsgQueue(hwmAtoB)
  const ba = new MsgQueue(hwmBtoA)
  const a = new Pipe(ba, ab)
  const b = new Pipe(ab, ba)
  a.inprocPeer = b
  b.inprocPeer = a
  return [a, b]
}

/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import { zmqError } from "../errors.js"
import type { Msg, Pipe } from "../pipe.js"
import { DealerBase } from "./dealer.js"
import { Internal, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

const EMPTY = Buffer.alloc(0)

/**
 * REQ (RFC 28): a DEALER that alternates strictly between sending one request
 * and receiving one reply. Requests carry an empty delimiter frame (and, with
 * `correlate`, a request id before it); replies are accepted only from the
 * peer the request went to and must carry the same envelope.
 *
 * @example
 * ```ts
 * const req = new Request({ receiveTimeout: 1000 })
 * req.connect("tcp://127.0.0.1:5555")
 * await req.send("hello")
 * const [reply] = await req.receive() // rejects with EAGAIN after 1 s without a reply
 * ```
 */
export class Request extends DealerBase {
  /** ZMQ_REQ_CORRELATE: prefix requests with an id and match replies by it. */
  declare correlate: boolean
  /** ZMQ_REQ_RELAXED: allow a new request before the reply to the last one. */
  declare relaxed: boolean
  /**
   * ZMQ_PROBE_ROUTER: when true, an empty message is sent to each new connection, so a ROUTER peer learns
   * this socket's routing id at once. Write-only.
   */
  declare probeRouter: boolean
  /**
   * ZMQ_ROUTING_ID: the identity (1 to 255 bytes) this socket announces to ROUTER peers, which address it by
   * it. Set before connecting.
   */
  declare routingId: string | null
  /** @internal */
  private receivingReply = false
  /** @internal */
  private replyPipe: Pipe | null = null
  /** @internal */
  private requestId = Math.floor(Math.random() * 0x1_0000_0000)

  /**
   * A new Request socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Request({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Request>) {
    super(3, new Internal(options))
    this.seal(options)
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    if (this.receivingReply) {
      // RFC 28: REQ SHALL NOT send a request before the previous reply arrived (EFSM), unless relaxed.
      if (!this.opts.relaxed) throw zmqError("EFSM")
      this.receivingReply = false
    }
    let envelope: Msg
    if (this.opts.correlate) {
      this.requestId = (this.requestId + 1) >>> 0
      const id = Buffer.allocUnsafe(4)
      // libzmq copies the uint32 in host order (little-endian here); peers echo it opaquely.
      id.writeUInt32LE(this.requestId, 0)
      envelope = [id, EMPTY]
    } else {
      envelope = [EMPTY]
    }
    const pipe = this.lb.sendTo(envelope.concat(msg))
    if (pipe === null) return false
    // libzmq discards replies that arrived before this request was sent, so a
    // late reply to an older request is never taken for this one's.
    while (this.fq.recv() !== undefined) {
      /* drop */
    }
    this.replyPipe = pipe
    this.receivingReply = true
    return true
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    // RFC 28: REQ SHALL NOT receive before it has sent a request (EFSM).
    if (!this.receivingReply) throw zmqError("EFSM")
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined) return undefined
      // RFC 28: accept replies only from the peer the request was sent to.
      // libzmq accepts from anyone once that peer has gone (reply pipe cleared).
      if (this.replyPipe !== null && this.fq.lastPipe !== this.replyPipe) continue
      let at = 0
      if (this.opts.correlate) {
        const id = msg[0]
        if (msg.length < 2 || id === undefined || id.length !== 4 || id.readUInt32LE(0) !== this.requestId) continue
        at = 1
      }
      // The delimiter must be empty and followed by at least one body frame.
      if (msg.length < at + 2 || msg[at]!.length !== 0) continue
      this.receivingReply = false
      this.replyPipe = null
      return at + 1 === 1 ? msg.slice(1) : msg.slice(at + 1)
    }
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    if (this.replyPipe === pipe) this.replyPipe = null
    super.xpipeTerminated(pipe)
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.receivingReply && super.xhasIn()
  }

  /** @internal */
  protected override xhasOut(): boolean {
    if (this.receivingReply && !this.opts.relaxed) return false
    return super.xhasOut()
  }
}

export interface Request extends Readable, Writable {}
installOptions(Request, "Request")
registerSocketClass(3, Request)

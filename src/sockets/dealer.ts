import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"
import type { SocketTypeName } from "./socket-types.js"

const PROBE: Msg = [Buffer.alloc(0)]

/**
 * DEALER (RFC 28): load-balances outgoing messages over its peers and
 * fair-queues incoming ones, with no envelope handling of its own.
 */
export class Dealer extends Socket {
  /** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
  probeRouter = false
  /** ZMQ_CONFLATE is accepted for compatibility; zmq-ts keeps all messages. */
  conflate = false
  protected readonly lb = new LoadBalancer()
  protected readonly fq = new FairQueue()

  constructor(options?: SocketOptions<Dealer>, typeName: SocketTypeName = "DEALER") {
    super(typeName, options?.context)
    if (typeName === "DEALER") this.applyOptions(options)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message, arguments.length)
  }

  receive(): Promise<Buffer[]> {
    return this.receiveMessage(arguments.length)
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined> {
    return this.iterate()
  }

  protected xattachPipe(pipe: Pipe): void {
    // libzmq writes the probe past the high-water mark check, straight into the pipe.
    if (this.probeRouter) pipe.outbound.push(PROBE)
    this.fq.attach(pipe)
    this.lb.attach(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
    this.lb.terminated(pipe)
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe)
  }

  protected override xsend(msg: Msg): boolean {
    return this.lb.send(msg)
  }

  protected override xrecv(): Msg | undefined {
    return this.fq.recv()
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }

  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}

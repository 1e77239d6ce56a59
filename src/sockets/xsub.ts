import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { Distributor } from "../routing/distributor.js"
import { FairQueue } from "../routing/fair-queue.js"
import { PrefixTree } from "../routing/trie.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"
import type { SocketTypeName } from "./socket-types.js"

/**
 * The subscriber side of RFC 29. Subscriptions are counted per prefix,
 * forwarded to every publisher, and replayed to each new (or reconnected)
 * publisher. SUB also filters incoming messages itself, since a publisher
 * may not filter; XSUB passes everything on (libzmq's ZMQ_FILTER).
 */
abstract class SubscriberBase extends Socket {
  /** ZMQ_INVERT_MATCHING: receive the messages that match no subscription. */
  invertMatching = false
  /** ZMQ_CONFLATE: keep only the newest message. */
  conflate = false
  protected readonly fq = new FairQueue()
  protected readonly dist = new Distributor()
  protected readonly subscriptions = new PrefixTree<number>()

  protected constructor(typeName: SocketTypeName, options: SocketOptions<SubscriberBase> | undefined) {
    super(typeName, options?.context)
    // libzmq: a closing (X)SUB does not wait for subscriptions to reach the wire.
    this.linger = 0
  }

  private get filters(): boolean {
    return this.typeName === "SUB"
  }

  receive(): Promise<Buffer[]> {
    return this.receiveMessage(arguments.length)
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined> {
    return this.iterate()
  }

  protected override get conflateQueues(): boolean {
    return this.conflate
  }

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
    this.dist.attach(pipe)
    this.replaySubscriptions(pipe)
  }

  protected override xpipeHandshaken(pipe: Pipe): void {
    // A reconnected publisher has forgotten us: tell it again (libzmq's hiccup).
    if (pipe.handshakes > 1) this.replaySubscriptions(pipe)
  }

  private replaySubscriptions(pipe: Pipe): void {
    this.subscriptions.forEach((prefix) => pipe.outbound.push([Buffer.concat([SUBSCRIBE, prefix])]))
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
    this.dist.terminated(pipe)
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  protected override xwriteActivated(_pipe: Pipe): void {}

  /** Applies and forwards an (un)subscription or passes an upstream message on. */
  protected override xsend(msg: Msg): boolean {
    const first = msg[0]!
    if (first.length > 0 && first[0] === 1) {
      const topic = Buffer.from(first.subarray(1))
      this.subscriptions.set(topic, (this.subscriptions.get(topic) ?? 0) + 1)
      // libzmq 4.3 forwards every subscribe, duplicates included (XPUB
      // de-duplicates; filtering here would break XPUB verbose mode).
      this.forward(msg)
      return true
    }
    if (first.length > 0 && first[0] === 0) {
      const topic = first.subarray(1)
      const count = this.subscriptions.get(topic)
      if (count === undefined) return true
      if (count > 1) {
        this.subscriptions.set(topic, count - 1)
        return true
      }
      this.subscriptions.delete(topic)
      this.forward(msg)
      return true
    }
    // A user message sent upstream to the publishers (XSUB only).
    this.dist.sendToAll(msg)
    return true
  }

  /**
   * Subscriptions go past the high-water mark: dropping one would silently
   * change what the application receives. Their number is bounded by the
   * application's own calls.
   */
  private forward(msg: Msg): void {
    for (const pipe of this.dist.pipes) if (!pipe.terminated) pipe.outbound.push(msg)
  }

  protected override xrecv(): Msg | undefined {
    const peeked = this.peeked
    if (peeked !== null) {
      this.peeked = null
      return peeked
    }
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined) return undefined
      // Only SUB filters (libzmq sets ZMQ_FILTER for SUB alone); XSUB passes everything on.
      if (!this.filters || this.subscriptions.hasMatch(msg[0]!) !== this.invertMatching) return msg
    }
  }

  protected override xhasIn(): boolean {
    // Like libzmq, look for a matching message now (dropping those that do
    // not match) and keep it for the next receive, so `readable` is exact.
    if (this.peeked !== null) return true
    const msg = this.xrecv()
    if (msg === undefined) return false
    this.peeked = msg
    return true
  }

  /** A matching message found by xhasIn(), returned by the next xrecv(). */
  private peeked: Msg | null = null

  protected override xhasOut(): boolean {
    // XSUB can always send (subscriptions); SUB has no send at all.
    return this.typeName === "XSUB"
  }
}

const SUBSCRIBE = Buffer.of(1)

/**
 * XSUB (RFC 29): subscriptions are messages the application sends
 * (`\x01prefix`, `\x00prefix`); anything else it sends goes upstream.
 */
export class XSubscriber extends SubscriberBase {
  constructor(options?: SocketOptions<XSubscriber>) {
    super("XSUB", options)
    this.applyOptions(options)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message, arguments.length)
  }
}

/** SUB (RFC 29): subscribes with subscribe()/unsubscribe() and cannot send. */
export class Subscriber extends SubscriberBase {
  constructor(options?: SocketOptions<Subscriber>) {
    super("SUB", options)
    this.applyOptions(options)
  }

  /** Subscribes to messages starting with each prefix; no argument subscribes to everything. */
  subscribe(...prefixes: (Buffer | string)[]): void {
    for (const p of prefixes.length ? prefixes : [""]) this.xsend([Buffer.concat([SUBSCRIBE, Buffer.from(p)])])
  }

  /** Removes subscriptions; no argument removes the subscribe-to-everything one (zeromq.js). */
  unsubscribe(...prefixes: (Buffer | string)[]): void {
    for (const p of prefixes.length ? prefixes : [""]) this.xsend([Buffer.concat([Buffer.of(0), Buffer.from(p)])])
  }
}

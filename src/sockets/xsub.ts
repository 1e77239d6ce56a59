/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import type { Msg, Pipe } from "../pipe.js"
import { Distributor } from "../routing/distributor.js"
import { FairQueue } from "../routing/fair-queue.js"
import { PrefixTree } from "../routing/trie.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { zmqError } from "../errors.js"
import { installOptions } from "./option-access.js"
import { optionBytes } from "./option-table.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

/**
 * The subscriber side of RFC 29. Subscriptions are counted per prefix,
 * forwarded to every publisher, and replayed to each new (or reconnected)
 * publisher. SUB also filters incoming messages itself, since a publisher
 * may not filter; XSUB passes everything on (libzmq's ZMQ_FILTER).
 */
abstract class SubscriberBase extends Socket {
  /** @internal */
  protected readonly fq = new FairQueue()
  /** @internal */
  protected readonly dist = new Distributor()
  /** @internal */
  protected readonly subscriptions = new PrefixTree<number>()

  /** @internal */
  protected constructor(type: number, options: object | undefined) {
    super(type, new Internal(options))
    // libzmq: a closing (X)SUB does not wait for subscriptions to reach the wire.
    this.opts.linger = 0
  }

  /** @internal */
  private get filters(): boolean {
    return this.typeName === "SUB"
  }

  /** @internal */
  protected override get conflateQueues(): boolean {
    return this.opts.conflate
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
    this.dist.attach(pipe)
    this.replaySubscriptions(pipe)
  }

  /** @internal */
  protected override xpipeHandshaken(pipe: Pipe): void {
    // A reconnected publisher has forgotten us: tell it again (libzmq's hiccup).
    if (pipe.handshakes > 1) this.replaySubscriptions(pipe)
  }

  /** @internal */
  private replaySubscriptions(pipe: Pipe): void {
    this.subscriptions.forEach((prefix) => pipe.outbound.push([Buffer.concat([SUBSCRIBE, prefix])]))
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
    this.dist.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  /** @internal */
  protected override xwriteActivated(_pipe: Pipe): void {}

  /** @internal libzmq's SUB refuses send (ENOTSUP); zeromq.js's send() then waits, forever, for a writable socket. */
  protected override xsend(msg: Msg): boolean {
    if (this.typeName === "SUB") throw zmqError("ENOTSUP")
    return this.command(msg)
  }

  /** Applies and forwards an (un)subscription or passes an upstream message on. */
  /** @internal */
  protected command(msg: Msg): boolean {
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
  /** @internal */
  private forward(msg: Msg): void {
    for (const pipe of this.dist.pipes) if (!pipe.terminated) pipe.outbound.push(msg)
  }

  /** @internal */
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
      if (!this.filters || this.subscriptions.hasMatch(msg[0]!) !== this.opts.invertMatching) return msg
    }
  }

  /** @internal */
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
  /** @internal */
  private peeked: Msg | null = null

  /** @internal */
  protected override xhasOut(): boolean {
    // XSUB can always send (subscriptions); SUB has no send at all.
    return this.typeName === "XSUB"
  }
}

const SUBSCRIBE = Buffer.of(1)
const UNSUBSCRIBE = Buffer.of(0)

/**
 * XSUB (RFC 29): subscriptions are messages the application sends
 * (`\x01prefix`, `\x00prefix`); anything else it sends goes upstream.
 */
export class XSubscriber extends SubscriberBase {
  /**
   * A new XSubscriber socket in the default context. `options` sets any of its writable option properties, as
   * if assigned one by one (`new XSubscriber({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<XSubscriber>) {
    super(10, options)
    this.seal(options)
  }
}

/**
 * SUB (RFC 29): subscribes with subscribe()/unsubscribe() and cannot send.
 * Subscriptions are prefixes of the first frame; messages published before a
 * subscription reached the publisher are not received (a late joiner can
 * ask a last-value cache: see examples/pubsub-lvc in the repository).
 *
 * @example
 * ```ts
 * const sub = new Subscriber()
 * sub.connect("tcp://127.0.0.1:5556")
 * sub.subscribe("weather")
 * for await (const [topic, body] of sub) console.log(`${topic}: ${body}`)
 * ```
 */
export class Subscriber extends SubscriberBase {
  /** ZMQ_CONFLATE: keep only the newest message. */
  declare conflate: boolean
  /** ZMQ_INVERT_MATCHING: receive the messages that match no subscription. */
  declare invertMatching: boolean

  /**
   * A new Subscriber socket in the default context. `options` sets any of its writable option properties, as
   * if assigned one by one (`new Subscriber({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Subscriber>) {
    super(2, options)
    this.seal(options)
  }

  /** Subscribes to messages starting with each prefix; no argument subscribes to everything. */
  subscribe(...prefixes: (Buffer | string)[]): void {
    for (const p of prefixes.length ? prefixes : [null]) this.subscription(SUBSCRIBE, p)
  }

  /** Removes subscriptions; no argument removes the subscribe-to-everything one (zeromq.js). */
  unsubscribe(...prefixes: (Buffer | string)[]): void {
    for (const p of prefixes.length ? prefixes : [null]) this.subscription(UNSUBSCRIBE, p)
  }

  /**
   * zeromq.js sets ZMQ_SUBSCRIBE/ZMQ_UNSUBSCRIBE as a string option: the
   * same type check and errors (null is the empty prefix), and no
   * "next connect/bind" warning since it applies at once.
   */
  private subscription(command: Buffer, prefix: unknown): void {
    const bytes = optionBytes(prefix) ?? Buffer.alloc(0)
    this.optionWrite(true)
    this.command([Buffer.concat([command, bytes])])
  }
}

export interface XSubscriber extends Readable, Writable {}
export interface Subscriber extends Readable {}
installOptions(XSubscriber, "XSubscriber")
installOptions(Subscriber, "Subscriber")
registerSocketClass(10, XSubscriber)
registerSocketClass(2, Subscriber)

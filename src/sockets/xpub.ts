/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import { WireEncoder } from "../codec/wire.js"
import { zmqError } from "../errors.js"
import type { Msg, Pipe } from "../pipe.js"
import { Distributor } from "../routing/distributor.js"
import { SubscriptionBudget } from "../routing/subscription-budget.js"
import { PrefixTree } from "../routing/trie.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

const EMPTY = Buffer.alloc(0)

/** Who subscribed to a topic: one peer directly (the common case), a set past that. */
type Subscribers = Pipe | Set<Pipe>



/**
 * XPUB (RFC 29): a publisher that filters on its side. Subscribers' \x01 /
 * \x00 messages (or SUBSCRIBE / CANCEL commands, turned into those by the
 * engine) update a prefix tree of pipes; each published message goes, shared
 * and uncopied, to every pipe with a matching prefix. A pipe at its
 * high-water mark misses the message (unless noDrop). Subscriptions are also
 * handed to the application as messages, following `verbosity` and `manual`.
 */
abstract class PublisherBase extends Socket {
  /** @internal */
  protected verboseSubs = false
  /** @internal */
  protected verboseUnsubs = false
  /** @internal */
  private readonly dist = new Distributor()
  /** Encodes each message once for all ZMTP connections (codec/wire.ts). */
  /** @internal */
  private readonly wire = new WireEncoder()
  /** @internal */
  private readonly subscriptions = new PrefixTree<Subscribers>()
  /** @internal Each peer's topics (latin1), to remove them when it goes. */
  private readonly subsOf = new Map<Pipe, Set<string>>()
  /** @internal */
  private readonly budget = new SubscriptionBudget()
  /** What the application will receive: subscriptions and upstream messages. */
  /** @internal */
  private readonly pending: Msg[] = []
  /** The pipe each pending subscription came from (null for other messages). */
  /** @internal */
  private readonly pendingFrom: (Pipe | null)[] = []
  /** @internal */
  private pendingHead = 0
  /** Pipes left unread because `pending` was full. */
  /** @internal */
  private readonly stalled = new Set<Pipe>()
  /** The pipe of the last subscription handed to the application (for manual mode). */
  /** @internal */
  private lastPipe: Pipe | null = null
  /** @internal */
  private epoch = 0

  /** Applies subscriptions for the peer whose subscription the application received last (manual mode). */
  /** @internal */
  protected manualSubscription(prefixes: (Buffer | string)[], add: boolean): void {
    const pipe = this.lastPipe
    if (pipe === null || pipe.terminated) return
    for (const p of prefixes.length ? prefixes : [EMPTY]) {
      if (add) this.addSubscription(Buffer.from(p), pipe)
      else this.removeSubscription(Buffer.from(p), pipe)
    }
  }

  /** PUB never hands anything to the application. */
  /** @internal */
  protected get passesUp(): boolean {
    return this.typeName === "XPUB"
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.dist.attach(pipe)
    if (pipe.subscribeToAll) this.addSubscription(Buffer.alloc(0), pipe)
    const welcome = this.opts.welcomeMessage
    if (welcome !== null && welcome.length > 0) pipe.outbound.push([welcome])
    if (pipe.inbound.length > 0) this.xreadActivated(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    // Read what the peer sent before it went (its last (un)subscriptions).
    this.xreadActivated(pipe)
    this.forgetPeer(pipe)
  }

  /** @internal Removes a peer's subscriptions and its place in the distributor. */
  private forgetPeer(pipe: Pipe): void {
    this.stalled.delete(pipe)
    const mine = this.subsOf.get(pipe)
    this.subsOf.delete(pipe)
    this.budget.forget(pipe)
    if (mine) {
      for (const key of mine) {
        const topic = Buffer.from(key, "latin1")
        const last = this.dropSubscriber(topic, pipe)
        // libzmq tells the application about topics nobody wants any more
        // (every removed topic with allSubsUnsubs); in manual mode too.
        if (last || this.verboseUnsubs) this.passUp([Buffer.concat([Buffer.of(0), topic])], null)
      }
    }
    if (this.lastPipe === pipe) this.lastPipe = null
    this.dist.terminated(pipe)
  }

  /** @internal Removes `pipe` from the topic's subscribers; true if it was the last one. */
  private dropSubscriber(topic: Buffer, pipe: Pipe): boolean {
    const subs = this.subscriptions.get(topic)
    if (subs === undefined) return false
    if (subs instanceof Set) {
      subs.delete(pipe)
      if (subs.size === 1) this.subscriptions.set(topic, subs.values().next().value!)
      return false
    }
    if (subs !== pipe) return false
    this.subscriptions.delete(topic)
    return true
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    const limit = this.pendingLimit()
    for (;;) {
      if (this.passesUp && this.pendingCount() >= limit) {
        this.stalled.add(pipe)
        return
      }
      // A peer refused for its subscriptions is not read any further.
      const msg = pipe.refused ? undefined : pipe.read()
      if (msg === undefined) break
      this.onPeerMessage(pipe, msg)
    }
    this.stalled.delete(pipe)
  }

  /** @internal */
  private onPeerMessage(pipe: Pipe, msg: Msg): void {
    const first = msg[0]!
    if (first.length > 0 && (first[0] === 1 || first[0] === 0)) {
      const subscribe = first[0] === 1
      const topic = first.subarray(1)
      let notify: boolean
      if (this.opts.manual) {
        notify = true
      } else if (subscribe) {
        const added = this.addSubscription(topic, pipe)
        if (added === "refused") return
        notify = added === "first" || this.verboseSubs
      } else {
        const result = this.removeSubscription(topic, pipe)
        // libzmq also passes up a cancel for a topic that was never subscribed.
        notify = result !== "remain" || this.verboseUnsubs
      }
      if (this.opts.manual || notify) this.passUp([Buffer.from(first)], pipe)
      return
    }
    // Anything else is a user message sent upstream by an XSUB; PUB ignores it.
    this.passUp(msg, null)
  }

  /**
   * @internal Adds `pipe` to the topic's subscribers: "first" if nobody had it before,
   * "again" otherwise, "refused" if the peer went past a subscription limit
   * (it is then disconnected, and its subscriptions dropped).
   */
  private addSubscription(topic: Buffer, pipe: Pipe): "first" | "again" | "refused" {
    let mine = this.subsOf.get(pipe)
    const key = topic.toString("latin1")
    if (mine?.has(key) === true) return "again"
    const refusal = this.budget.add(pipe, key.length, this.opts.peerSubscriptionLimit, this.opts.subscriptionLimit)
    if (refusal !== null) {
      this.forgetPeer(pipe)
      this.refusePipe(pipe, refusal)
      return "refused"
    }
    if (mine === undefined) this.subsOf.set(pipe, (mine = new Set()))
    mine.add(key)
    const subs = this.subscriptions.get(topic)
    if (subs === undefined) {
      this.subscriptions.set(topic, pipe)
      return "first"
    }
    if (subs instanceof Set) subs.add(pipe)
    else this.subscriptions.set(topic, new Set([subs, pipe]))
    return "again"
  }

  /** @internal */
  private removeSubscription(topic: Buffer, pipe: Pipe): "removed-last" | "remain" | "not-found" {
    const key = topic.toString("latin1")
    if (this.subsOf.get(pipe)?.delete(key) !== true) return "not-found"
    this.budget.remove(pipe, key.length)
    return this.dropSubscriber(topic, pipe) ? "removed-last" : "remain"
  }

  /** @internal */
  private passUp(msg: Msg, from: Pipe | null): void {
    if (!this.passesUp) return
    this.pending.push(msg)
    this.pendingFrom.push(from)
    this.wakeReader()
  }

  /** @internal */
  private pendingCount(): number {
    return this.pending.length - this.pendingHead
  }

  /** @internal */
  private pendingLimit(): number {
    // Bounded like a pipe: past the receive high-water mark we stop reading
    // subscribers until the application catches up (libzmq's queue here is unbounded).
    const hwm = this.opts.receiveHighWaterMark
    return hwm > 0 ? hwm : Number.POSITIVE_INFINITY
  }

  /**
   * @internal The pipes subscribed to `topic`, each once: the subscriptions
   * are matched once per message, whatever the number of subscribers.
   */
  private targetsOf(topic: Uint8Array): Pipe[] {
    const epoch = ++this.epoch
    const targets: Pipe[] = []
    const invert = this.opts.invertMatching
    this.subscriptions.matches(topic, (subs) => {
      if (subs instanceof Set) {
        for (const pipe of subs) {
          if (pipe.mark !== epoch) {
            pipe.mark = epoch
            if (!invert) targets.push(pipe)
          }
        }
      } else if (subs.mark !== epoch) {
        subs.mark = epoch
        if (!invert) targets.push(subs)
      }
    })
    if (invert) for (const pipe of this.dist.pipes) if (pipe.mark !== epoch) targets.push(pipe)
    return targets
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    const targets = this.targetsOf(msg[0]!)
    if (this.opts.noDrop && !this.dist.hasRoom(targets)) return false
    this.dist.sendWire(targets, msg, this.wire)
    return true
  }

  /**
   * @internal A small one-frame message: each subscriber whose connection can
   * take it now gets it copied straight into its batch (Pipe.writeSmall); the
   * others share one copied frame through their queues, as xsend() does.
   * Wire bytes would not pay here: copying 16 bytes into each batch cost less
   * than one shared copy (0.27 vs 0.36 us of CPU per delivery, PUB to 4 peers).
   */
  protected override xsendSmall(frame: Uint8Array): boolean {
    if (this.opts.noDrop) return false
    const targets = this.targetsOf(frame)
    let queued: Msg | null = null
    for (let i = 0; i < targets.length; i++) {
      const pipe = targets[i]!
      if (pipe.writeSmall(frame)) continue
      queued ??= [this.copier.toFrame(frame)]
      if (!pipe.write(queued) && !pipe.terminated) this.messageDropped(pipe, queued)
    }
    return true
  }

  /** @internal libzmq's PUB refuses receive (ENOTSUP); zeromq.js's receive() then waits for a readable socket. */
  protected override xrecv(): Msg | undefined {
    if (this.typeName === "PUB") throw zmqError("ENOTSUP")
    if (this.pendingCount() === 0) return undefined
    const msg = this.pending[this.pendingHead]!
    const from = this.pendingFrom[this.pendingHead]
    this.pendingHead++
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead)
      this.pendingFrom.splice(0, this.pendingHead)
      this.pendingHead = 0
    } else if (this.pendingHead === this.pending.length) {
      this.pending.length = 0
      this.pendingFrom.length = 0
      this.pendingHead = 0
    }
    if (from) this.lastPipe = from
    if (this.stalled.size > 0) for (const pipe of [...this.stalled]) this.xreadActivated(pipe)
    return msg
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.pendingCount() > 0
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return !this.opts.noDrop || this.dist.hasRoom(this.dist.pipes)
  }

  /** @internal */
  protected override xwriteActivated(_pipe: Pipe): void {}
}

/**
 * XPUB (RFC 29): a PUB that hands (un)subscriptions to the application,
 * which can also send upstream messages to XSUB peers' applications.
 */
export class XPublisher extends PublisherBase {
  /** ZMQ_XPUB_NODROP: block (or EAGAIN) instead of dropping at a full subscriber. */
  declare noDrop: boolean
  /** ZMQ_XPUB_MANUAL: subscriptions are only passed up; the application applies them. */
  declare manual: boolean
  /** ZMQ_XPUB_WELCOME_MSG: sent to every new subscriber. */
  declare welcomeMessage: string | null
  /** ZMQ_INVERT_MATCHING: send to the subscribers whose prefixes do NOT match. */
  declare invertMatching: boolean
  /** zmq-ts's own: the subscriptions one peer may hold, in bytes (topic length plus 256 each); past it the peer is disconnected (ENOBUFS). -1: no limit. */
  declare peerSubscriptionLimit: number
  /** zmq-ts's own: the same bound over all peers together; the peer that crosses it is disconnected. */
  declare subscriptionLimit: number

  /**
   * A new XPublisher socket in the default context. `options` sets any of its writable option properties, as
   * if assigned one by one (`new XPublisher({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<XPublisher>) {
    super(9, new Internal(options))
    this.seal(options)
  }

  /** zeromq.js: null, "allSubs" (ZMQ_XPUB_VERBOSE) or "allSubsUnsubs" (ZMQ_XPUB_VERBOSER); write-only. */
  set verbosity(value: null | "allSubs" | "allSubsUnsubs") {
    // zeromq.js ignores other values; XPUB_VERBOSE(R) apply at once (no warning).
    if (value !== null && value !== "allSubs" && value !== "allSubsUnsubs") return
    this.optionWrite(true)
    this.verboseSubs = value !== null
    this.verboseUnsubs = value === "allSubsUnsubs"
  }

  /**
   * Manual mode: subscribes the peer whose subscription was received last to
   * `prefixes` (libzmq: ZMQ_SUBSCRIBE on an XPUB). An extension: zeromq.js
   * has no way to do this.
   */
  subscribe(...prefixes: (Buffer | string)[]): void {
    this.manualSubscription(prefixes, true)
  }

  /**
   * With `manual`: removes subscriptions of the peer whose subscription message was received last
   * (ZMQ_UNSUBSCRIBE on an XPUB).
   */
  unsubscribe(...prefixes: (Buffer | string)[]): void {
    this.manualSubscription(prefixes, false)
  }
}

/**
 * PUB (RFC 29): an XPUB that never hands subscriptions to the application
 * and cannot receive. It never blocks: a subscriber at its high-water mark
 * misses messages (unless noDrop).
 *
 * @example
 * ```ts
 * const pub = new Publisher()
 * await pub.bind("tcp://127.0.0.1:5556")
 * await pub.send(["weather", "sunny"]) // the first frame is what subscribers match
 * ```
 */
export class Publisher extends PublisherBase {
  /** ZMQ_XPUB_NODROP: block (or EAGAIN) instead of dropping at a full subscriber. */
  declare noDrop: boolean
  /** ZMQ_CONFLATE: keep only the newest message per subscriber. */
  declare conflate: boolean
  /** ZMQ_INVERT_MATCHING: send to the subscribers whose prefixes do NOT match. */
  declare invertMatching: boolean
  /** zmq-ts's own: the subscriptions one peer may hold, in bytes (topic length plus 256 each); past it the peer is disconnected (ENOBUFS). -1: no limit. */
  declare peerSubscriptionLimit: number
  /** zmq-ts's own: the same bound over all peers together; the peer that crosses it is disconnected. */
  declare subscriptionLimit: number

  /**
   * A new Publisher socket in the default context. `options` sets any of its writable option properties, as
   * if assigned one by one (`new Publisher({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Publisher>) {
    super(1, new Internal(options))
    this.seal(options)
  }

  /** @internal */
  protected override get conflateQueues(): boolean {
    return this.opts.conflate
  }
}

export interface XPublisher extends Readable, Writable {}
export interface Publisher extends Writable {}
installOptions(XPublisher, "XPublisher")
installOptions(Publisher, "Publisher")
registerSocketClass(9, XPublisher)
registerSocketClass(1, Publisher)

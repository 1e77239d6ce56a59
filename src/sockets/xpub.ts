/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import type { Msg, Pipe } from "../pipe.js"
import { Distributor } from "../routing/distributor.js"
import { PrefixTree } from "../routing/trie.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

const EMPTY = Buffer.alloc(0)

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
  /** @internal */
  private readonly subscriptions = new PrefixTree<Set<Pipe>>()
  /** @internal */
  private readonly topicsOf = new Map<Pipe, Set<string>>()
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
    const welcome = this.opts.welcomeMessage
    if (welcome !== null && welcome.length > 0) pipe.outbound.push([welcome])
    if (pipe.inbound.length > 0) this.xreadActivated(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    // Read what the peer sent before it went (its last (un)subscriptions).
    this.xreadActivated(pipe)
    this.stalled.delete(pipe)
    const topics = this.topicsOf.get(pipe)
    this.topicsOf.delete(pipe)
    if (topics) {
      for (const key of topics) {
        const topic = Buffer.from(key, "latin1")
        const set = this.subscriptions.get(topic)
        if (set === undefined) continue
        set.delete(pipe)
        const last = set.size === 0
        if (last) this.subscriptions.delete(topic)
        // libzmq tells the application about topics nobody wants any more
        // (every removed topic with allSubsUnsubs); in manual mode too.
        if (last || this.verboseUnsubs) this.passUp([Buffer.concat([Buffer.of(0), topic])], null)
      }
    }
    if (this.lastPipe === pipe) this.lastPipe = null
    this.dist.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    const limit = this.pendingLimit()
    for (;;) {
      if (this.passesUp && this.pendingCount() >= limit) {
        this.stalled.add(pipe)
        return
      }
      const msg = pipe.read()
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
        notify = this.addSubscription(topic, pipe) || this.verboseSubs
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

  /** Returns true if this is the first subscriber to `topic`. */
  /** @internal */
  private addSubscription(topic: Buffer, pipe: Pipe): boolean {
    let set = this.subscriptions.get(topic)
    const first = set === undefined
    if (set === undefined) {
      set = new Set()
      this.subscriptions.set(topic, set)
    }
    set.add(pipe)
    let mine = this.topicsOf.get(pipe)
    if (mine === undefined) this.topicsOf.set(pipe, (mine = new Set()))
    mine.add(topic.toString("latin1"))
    return first
  }

  /** @internal */
  private removeSubscription(topic: Buffer, pipe: Pipe): "removed-last" | "remain" | "not-found" {
    const set = this.subscriptions.get(topic)
    if (set === undefined || !set.delete(pipe)) return "not-found"
    this.topicsOf.get(pipe)?.delete(topic.toString("latin1"))
    if (set.size > 0) return "remain"
    this.subscriptions.delete(topic)
    return "removed-last"
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

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    const topic = msg[0]!
    const epoch = ++this.epoch
    const targets: Pipe[] = []
    this.subscriptions.matches(topic, (set) => {
      for (const pipe of set) {
        if (pipe.mark !== epoch) {
          pipe.mark = epoch
          if (!this.opts.invertMatching) targets.push(pipe)
        }
      }
    })
    if (this.opts.invertMatching) for (const pipe of this.dist.pipes) if (pipe.mark !== epoch) targets.push(pipe)
    if (this.opts.noDrop && !this.dist.hasRoom(targets)) return false
    this.dist.sendTo(targets, msg)
    return true
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
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

  unsubscribe(...prefixes: (Buffer | string)[]): void {
    this.manualSubscription(prefixes, false)
  }
}

/**
 * PUB (RFC 29): an XPUB that never hands subscriptions to the application
 * and cannot receive. It never blocks: a subscriber at its high-water mark
 * misses messages (unless noDrop).
 */
export class Publisher extends PublisherBase {
  /** ZMQ_XPUB_NODROP: block (or EAGAIN) instead of dropping at a full subscriber. */
  declare noDrop: boolean
  /** ZMQ_CONFLATE: keep only the newest message per subscriber. */
  declare conflate: boolean
  /** ZMQ_INVERT_MATCHING: send to the subscribers whose prefixes do NOT match. */
  declare invertMatching: boolean

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

import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { Distributor } from "../routing/distributor.js"
import { PrefixTree } from "../routing/trie.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"
import type { SocketTypeName } from "./socket-types.js"

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
  /** ZMQ_XPUB_NODROP: block (or EAGAIN) instead of dropping at a full subscriber. */
  noDrop = false
  /** ZMQ_INVERT_MATCHING: send to the subscribers whose prefixes do NOT match. */
  invertMatching = false
  protected manualMode = false
  protected welcome: Buffer | null = null
  protected verboseSubs = false
  protected verboseUnsubs = false
  private readonly dist = new Distributor()
  private readonly subscriptions = new PrefixTree<Set<Pipe>>()
  private readonly topicsOf = new Map<Pipe, Set<string>>()
  /** What the application will receive: subscriptions and upstream messages. */
  private readonly pending: Msg[] = []
  /** The pipe each pending subscription came from (null for other messages). */
  private readonly pendingFrom: (Pipe | null)[] = []
  private pendingHead = 0
  /** Pipes left unread because `pending` was full. */
  private readonly stalled = new Set<Pipe>()
  /** The pipe of the last subscription handed to the application (for manual mode). */
  private lastPipe: Pipe | null = null
  private epoch = 0

  protected constructor(typeName: SocketTypeName, options: SocketOptions<PublisherBase> | undefined) {
    super(typeName, options?.context)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message, arguments.length)
  }

  /** Applies subscriptions for the peer whose subscription the application received last (manual mode). */
  protected manualSubscription(prefixes: (Buffer | string)[], add: boolean): void {
    const pipe = this.lastPipe
    if (pipe === null || pipe.terminated) return
    for (const p of prefixes.length ? prefixes : [EMPTY]) {
      if (add) this.addSubscription(Buffer.from(p), pipe)
      else this.removeSubscription(Buffer.from(p), pipe)
    }
  }

  /** PUB never hands anything to the application. */
  protected get passesUp(): boolean {
    return this.typeName === "XPUB"
  }

  protected xattachPipe(pipe: Pipe): void {
    this.dist.attach(pipe)
    if (this.welcome !== null) pipe.outbound.push([this.welcome])
    if (pipe.inbound.length > 0) this.xreadActivated(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
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

  private onPeerMessage(pipe: Pipe, msg: Msg): void {
    const first = msg[0]!
    if (first.length > 0 && (first[0] === 1 || first[0] === 0)) {
      const subscribe = first[0] === 1
      const topic = first.subarray(1)
      let notify: boolean
      if (this.manualMode) {
        notify = true
      } else if (subscribe) {
        notify = this.addSubscription(topic, pipe) || this.verboseSubs
      } else {
        const result = this.removeSubscription(topic, pipe)
        // libzmq also passes up a cancel for a topic that was never subscribed.
        notify = result !== "remain" || this.verboseUnsubs
      }
      if (this.manualMode || notify) this.passUp([Buffer.from(first)], pipe)
      return
    }
    // Anything else is a user message sent upstream by an XSUB; PUB ignores it.
    this.passUp(msg, null)
  }

  /** Returns true if this is the first subscriber to `topic`. */
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

  private removeSubscription(topic: Buffer, pipe: Pipe): "removed-last" | "remain" | "not-found" {
    const set = this.subscriptions.get(topic)
    if (set === undefined || !set.delete(pipe)) return "not-found"
    this.topicsOf.get(pipe)?.delete(topic.toString("latin1"))
    if (set.size > 0) return "remain"
    this.subscriptions.delete(topic)
    return "removed-last"
  }

  private passUp(msg: Msg, from: Pipe | null): void {
    if (!this.passesUp) return
    this.pending.push(msg)
    this.pendingFrom.push(from)
    this.wakeReader()
  }

  private pendingCount(): number {
    return this.pending.length - this.pendingHead
  }

  private pendingLimit(): number {
    // Bounded like a pipe: past the receive high-water mark we stop reading
    // subscribers until the application catches up (libzmq's queue here is unbounded).
    const hwm = this.receiveHighWaterMark
    return hwm > 0 ? hwm : Number.POSITIVE_INFINITY
  }

  protected override xsend(msg: Msg): boolean {
    const topic = msg[0]!
    const epoch = ++this.epoch
    const targets: Pipe[] = []
    this.subscriptions.matches(topic, (set) => {
      for (const pipe of set) {
        if (pipe.mark !== epoch) {
          pipe.mark = epoch
          if (!this.invertMatching) targets.push(pipe)
        }
      }
    })
    if (this.invertMatching) for (const pipe of this.dist.pipes) if (pipe.mark !== epoch) targets.push(pipe)
    if (this.noDrop && !this.dist.hasRoom(targets)) return false
    this.dist.sendTo(targets, msg)
    return true
  }

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

  protected override xhasIn(): boolean {
    return this.pendingCount() > 0
  }

  protected override xhasOut(): boolean {
    return !this.noDrop || this.dist.hasRoom(this.dist.pipes)
  }

  protected override xwriteActivated(_pipe: Pipe): void {}
}

/**
 * XPUB (RFC 29): a PUB that hands (un)subscriptions to the application,
 * which can also send upstream messages to XSUB peers' applications.
 */
export class XPublisher extends PublisherBase {
  constructor(options?: SocketOptions<XPublisher>) {
    super("XPUB", options)
    this.applyOptions(options)
  }

  /** ZMQ_XPUB_MANUAL: subscriptions are only passed up; the application applies them. */
  get manual(): boolean {
    return this.manualMode
  }
  set manual(value: boolean) {
    this.manualMode = value
  }

  /** ZMQ_XPUB_WELCOME_MSG: sent to every new subscriber. */
  get welcomeMessage(): string | null {
    return this.welcome === null ? null : this.welcome.toString()
  }
  set welcomeMessage(value: string | null) {
    this.welcome = value === null || value === "" ? null : Buffer.from(value)
  }

  /** zeromq.js: null, "allSubs" (ZMQ_XPUB_VERBOSE) or "allSubsUnsubs" (ZMQ_XPUB_VERBOSER). */
  get verbosity(): null | "allSubs" | "allSubsUnsubs" {
    return this.verboseUnsubs ? "allSubsUnsubs" : this.verboseSubs ? "allSubs" : null
  }
  set verbosity(value: null | "allSubs" | "allSubsUnsubs") {
    this.verboseSubs = value !== null
    this.verboseUnsubs = value === "allSubsUnsubs"
  }

  receive(): Promise<Buffer[]> {
    return this.receiveMessage(arguments.length)
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined> {
    return this.iterate()
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
  /** ZMQ_CONFLATE: keep only the newest message per subscriber. */
  conflate = false

  constructor(options?: SocketOptions<Publisher>) {
    super("PUB", options)
    this.applyOptions(options)
  }

  protected override get conflateQueues(): boolean {
    return this.conflate
  }
}

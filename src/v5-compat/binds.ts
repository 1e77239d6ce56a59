/**
 * bind/unbind for the v5 socket, including bindSync/unbindSync.
 *
 * zeromq.js binds inside libzmq, synchronously. Node cannot listen
 * synchronously, so here bindSync/unbindSync mean: every error that can be
 * known at once is thrown at once (wrong argument, closed or busy socket, bad
 * or unsupported address, inproc name in use); the bind itself completes in the background, in call order
 * with later bind/unbind calls, which wait for it. Messages sent meanwhile
 * wait in the socket's queues as for any socket without peers. A failure
 * only the OS can report (EADDRINUSE on tcp, a missing ipc directory, a
 * host name that does not resolve) arrives as an 'error' event, the way v5
 * reports an async failure without a callback. Until the bind completes,
 * `last_endpoint` is not set yet.
 */
import { zmqError } from "../errors.js"
import type { Socket } from "../sockets/socket-base.js"
import { parseEndpoint } from "../transport/address.js"

/** The callback of v5's `bind`, `unbind` and `send`: called with no argument on success, with the error otherwise. */
export type Callback = (err?: Error) => void

/** An endpoint bound (or being bound by bindSync) through the v5 layer: unbind accepts either name. */
interface Bound {
  readonly address: string
  resolved: string | null
}

export interface BindHost {
  readonly inner: Socket
  emit(event: string, ...args: unknown[]): boolean
}

export class Binds {
  /** A bind()/unbind() with a callback is running: zeromq.js's socket is busy, other calls throw EBUSY. */
  private asyncOp = false
  /** The bind()/unbind() with a callback under way (never rejects). */
  private asyncTail: Promise<void> | null = null
  /** The last bindSync/unbindSync still completing (never rejects); later operations wait for it. */
  private syncTail: Promise<void> | null = null
  private readonly bound: Bound[] = []
  /** Addresses an unbindSync is still releasing: free for a following bindSync. */
  private readonly releasing = new Set<string>()

  constructor(private readonly host: BindHost) {}

  /**
   * Resolves once no bind or unbind is under way. The v6 socket refuses to
   * send or receive meanwhile (EBUSY, as zeromq.js's does); zeromq.js's
   * bindSync has finished before it returns, so v5 code may send at once.
   */
  settled(): Promise<void> {
    return Promise.all([this.syncTail, this.asyncTail]).then(() => undefined)
  }

  /** True while a bind or unbind is under way. */
  get busy(): boolean {
    return this.syncTail !== null || this.asyncTail !== null
  }

  /** The bindSync/unbindSync still completing, if any (never rejects). */
  get syncPending(): Promise<void> | null {
    return this.syncTail
  }

  bind(address: string, cb: Callback | undefined): void {
    this.check(address)
    this.asyncOp = true
    this.trackAsync(this.afterSync(() => this.host.inner.bind(address))).then(
      () => {
        this.asyncOp = false
        if (!this.host.inner.closed) this.bound.push({ address, resolved: this.host.inner.lastEndpoint })
        this.later("bind", address, cb)
      },
      (err: Error) => {
        this.asyncOp = false
        this.failLater(err, cb)
      },
    )
  }

  unbind(address: string, cb: Callback | undefined): void {
    this.check(address)
    this.asyncOp = true
    this.trackAsync(this.afterSync(() => this.host.inner.unbind(address))).then(
      () => {
        this.asyncOp = false
        this.forget(address)
        this.later("unbind", address, cb)
      },
      (err: Error) => {
        this.asyncOp = false
        this.failLater(err, cb)
      },
    )
  }

  bindSync(address: string): void {
    this.check(address)
    const endpoint = parseEndpoint(address, true, this.host.inner.typeName)
    if (endpoint.transport === "inproc") {
      const taken = this.host.inner.homeContext?.inproc.isBound(endpoint.name) === true && !this.releasing.has(address)
      if (taken || this.bound.some((b) => b.address === address)) throw zmqError("EADDRINUSE", undefined, address)
    }
    const entry: Bound = { address, resolved: null }
    this.bound.push(entry)
    this.queueSync(
      () => this.host.inner.bind(address),
      () => {
        if (!this.host.inner.closed) entry.resolved = this.host.inner.lastEndpoint
      },
      () => this.bound.splice(this.bound.indexOf(entry) >>> 0, 1),
    )
  }

  unbindSync(address: string): void {
    this.check(address)
    // zeromq.js ignores an endpoint that was never bound (libzmq's ENOENT is not reported).
    if (!this.bound.some((b) => b.address === address || b.resolved === address)) return
    this.forget(address)
    this.releasing.add(address)
    const released = (): void => void this.releasing.delete(address)
    this.queueSync(() => this.host.inner.unbind(address), released, released)
  }

  /** The checks zeromq.js makes before it starts: argument type, open, not busy. */
  private check(address: unknown): void {
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    if (this.host.inner.closed) throw zmqError("EBADF")
    if (this.asyncOp) throw zmqError("EBUSY", "Socket is blocked by a bind or unbind operation")
  }

  /** Remembers the async operation `op` until it settles; returns it. */
  private trackAsync(op: Promise<void>): Promise<void> {
    const tail = op.then(
      () => undefined,
      () => undefined,
    )
    this.asyncTail = tail
    void tail.then(() => {
      if (this.asyncTail === tail) this.asyncTail = null
    })
    return op
  }

  /** Runs `op` now if no bindSync/unbindSync is pending (inproc binds then take effect at once), else after them. */
  private afterSync(op: () => Promise<void>): Promise<void> {
    const tail = this.syncTail
    return tail === null ? op() : tail.then(op)
  }

  private queueSync(op: () => Promise<void>, done: () => void, failed: () => void): void {
    const tail = this.afterSync(op).then(done, (err: Error) => {
      failed()
      // Closing the socket ends a pending bind; zeromq.js's bind had long finished then.
      if (!this.host.inner.closed) process.nextTick(() => this.host.emit("error", err))
    })
    this.syncTail = tail
    void tail.then(() => {
      if (this.syncTail === tail) this.syncTail = null
    })
  }

  private forget(address: string): void {
    const i = this.bound.findIndex((b) => b.address === address || b.resolved === address)
    if (i >= 0) this.bound.splice(i, 1)
  }

  private later(event: "bind" | "unbind", address: string, cb: Callback | undefined): void {
    process.nextTick(() => {
      this.host.emit(event, address)
      if (cb) cb()
    })
  }

  private failLater(err: Error, cb: Callback | undefined): void {
    process.nextTick(() => {
      if (cb) cb(err)
      else this.host.emit("error", err)
    })
  }
}

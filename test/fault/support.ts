/**
 * Shared pieces of the fault tests: one socket interface over zmq-ts and the
 * `zeromq` package (their APIs are the same, so a test is written once and
 * run with either library on either end), an event log per socket that tests
 * wait on, a per-test guard that releases everything however the test ends,
 * a forced-GC memory probe, and the PUB/SUB join.
 *
 * Synchronisation is on events and promises only. Timers appear in two
 * places: guards (a test fails if something does not happen in time) and the
 * sockets' own options under test (heartbeats, sendTimeout).
 */
import assert from "node:assert/strict"
import { performance } from "node:perf_hooks"
import { setImmediate as nextTurn } from "node:timers/promises"
import { inspect } from "node:util"
import * as zeromq from "zeromq"
import * as zts from "../../src/index.js"
import { FaultProxy, type ProxyOptions } from "./proxy.js"
import { scaled } from "../helpers/time.js"

export type Impl = "zmq-ts" | "zeromq"
export type SockType = "PUSH" | "PULL" | "PUB" | "SUB" | "XPUB" | "DEALER" | "ROUTER"
export type Options = Record<string, unknown>

/** Sender and receiver libraries for a scenario: zmq-ts on both ends, then a zeromq peer in each role. */
export const IMPL_PAIRS: readonly (readonly [Impl, Impl])[] = [
  ["zmq-ts", "zmq-ts"],
  ["zmq-ts", "zeromq"],
  ["zeromq", "zmq-ts"],
]

// ---- sockets -------------------------------------------------------------------------

export interface FaultEvent {
  type: string
  address?: string
  /** performance.now() when the listener saw it. */
  time: number
}

type Listener = (e: { type: string; address?: string }) => void

interface RawSocket {
  bind(address: string): Promise<void>
  unbind(address: string): Promise<void>
  connect(address: string): void
  close(): void
  readonly lastEndpoint: string | null
  readonly closed: boolean
  readonly writable: boolean
  sendTimeout?: number
  readonly events: { on(type: string, fn: Listener): unknown }
  send?(message: Buffer | string | (Buffer | string)[]): Promise<void>
  receive?(): Promise<Buffer[]>
  subscribe?(...prefixes: string[]): void
}

type Ctor = new (options?: Options) => RawSocket

const CTORS: Record<Impl, Record<SockType, Ctor>> = {
  "zmq-ts": {
    PUSH: zts.Push,
    PULL: zts.Pull,
    PUB: zts.Publisher,
    SUB: zts.Subscriber,
    XPUB: zts.XPublisher,
    DEALER: zts.Dealer,
    ROUTER: zts.Router,
  },
  zeromq: {
    PUSH: zeromq.Push,
    PULL: zeromq.Pull,
    PUB: zeromq.Publisher,
    SUB: zeromq.Subscriber,
    XPUB: zeromq.XPublisher,
    DEALER: zeromq.Dealer,
    ROUTER: zeromq.Router,
  },
}

/** Every event type both libraries report and the tests look at. */
const EVENT_TYPES = [
  "accept",
  "accept:error",
  "bind",
  "bind:error",
  "connect",
  "connect:delay",
  "connect:retry",
  "close",
  "close:error",
  "disconnect",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:auth",
  "handshake:error:other",
  "end",
] as const

/** A socket's events in order, with times; tests wait for the n-th event of a type after a mark. */
export class EventLog {
  readonly events: FaultEvent[] = []
  private waiters: { type: string; since: number; count: number; resolve: (e: FaultEvent) => void }[] = []

  push(e: { type: string; address?: string }): void {
    const ev: FaultEvent = { type: e.type, time: performance.now(), ...(e.address !== undefined ? { address: e.address } : {}) }
    this.events.push(ev)
    if (this.waiters.length === 0) return
    const still: typeof this.waiters = []
    for (const w of this.waiters) {
      const hit = w.type === ev.type ? this.nth(w.type, w.since, w.count) : undefined
      if (hit !== undefined) w.resolve(hit)
      else still.push(w)
    }
    this.waiters = still
  }

  /** A position in the log: wait(type, { since: mark }) only counts events from here on. */
  mark(): number {
    return this.events.length
  }

  count(type: string, since = 0): number {
    let n = 0
    for (let i = since; i < this.events.length; i++) if (this.events[i]!.type === type) n++
    return n
  }

  private nth(type: string, since: number, count: number): FaultEvent | undefined {
    let n = 0
    for (let i = since; i < this.events.length; i++) {
      const e = this.events[i]!
      if (e.type === type && ++n === count) return e
    }
    return undefined
  }

  /** The `count`-th event of `type` at or after `since`, past or future. */
  wait(type: string, opts: { since?: number; count?: number } = {}): Promise<FaultEvent> {
    const since = opts.since ?? 0
    const count = opts.count ?? 1
    const seen = this.nth(type, since, count)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve) => this.waiters.push({ type, since, count, resolve }))
  }

  /** Event types from `since` on, for failure messages. */
  types(since = 0): string {
    return this.events
      .slice(since)
      .map((e) => e.type)
      .join(", ")
  }
}

/** One socket of either library behind the same interface. */
export class Sock {
  readonly log = new EventLog()
  private readonly raw: RawSocket

  constructor(
    readonly impl: Impl,
    readonly type: SockType,
    options: Options = {},
    /** false: no event listeners at all (the reconnect storm opens 1000 sockets). */
    withEvents = true,
  ) {
    this.raw = new CTORS[impl][type](options)
    if (withEvents) for (const t of EVENT_TYPES) this.raw.events.on(t, (e) => this.log.push(e))
  }

  get name(): string {
    return `${this.impl} ${this.type}`
  }

  /** Binds (default: an OS-chosen port on 127.0.0.1) and returns the endpoint to connect to. */
  async bind(address = "tcp://127.0.0.1:*"): Promise<string> {
    await this.raw.bind(address)
    const ep = this.raw.lastEndpoint
    assert.ok(ep !== null, `${this.name}: lastEndpoint after bind`)
    return ep
  }

  unbind(address: string): Promise<void> {
    return this.raw.unbind(address)
  }

  connect(address: string): void {
    this.raw.connect(address)
  }

  send(message: Buffer | string | (Buffer | string)[]): Promise<void> {
    if (this.raw.send === undefined) throw new Error(`${this.name} cannot send`)
    return this.raw.send(message)
  }

  receive(): Promise<Buffer[]> {
    if (this.raw.receive === undefined) throw new Error(`${this.name} cannot receive`)
    return this.raw.receive()
  }

  subscribe(...prefixes: string[]): void {
    if (this.raw.subscribe === undefined) throw new Error(`${this.name} cannot subscribe`)
    this.raw.subscribe(...prefixes)
  }

  get writable(): boolean {
    return this.raw.writable
  }

  get sendTimeout(): number {
    return this.raw.sendTimeout ?? -1
  }
  set sendTimeout(ms: number) {
    this.raw.sendTimeout = ms
  }

  close(): void {
    if (!this.raw.closed) this.raw.close()
  }
}

// ---- guard -------------------------------------------------------------------------------

type Cleanup = () => void | Promise<void>

/** What a test opened; released in reverse order however the test ends. */
export class Resources {
  private readonly cleanups: Cleanup[] = []
  private released = false

  /**
   * Registers `thing` for release. After releaseAll() (the guard timed out;
   * the body it raced goes on) `thing` is released at once and the body is
   * stopped, instead of leaking a socket or proxy nothing would ever close.
   */
  add<T>(thing: T, release: (t: T) => void | Promise<void>): T {
    if (this.released) {
      void Promise.resolve(release(thing)).catch(() => undefined)
      throw new Error("resource opened after the test was released (it timed out)")
    }
    this.cleanups.push(() => release(thing))
    return thing
  }

  sock(impl: Impl, type: SockType, options: Options = {}, withEvents = true): Sock {
    return this.add(new Sock(impl, type, { linger: 0, ...options }, withEvents), (s) => s.close())
  }

  async proxy(target: string, options: ProxyOptions = {}): Promise<FaultProxy> {
    return this.add(await FaultProxy.start(target, options), (p) => p.close())
  }

  async releaseAll(): Promise<Error[]> {
    this.released = true
    const errors: Error[] = []
    for (const c of this.cleanups.splice(0).reverse()) {
      try {
        await c()
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)))
      }
    }
    return errors
  }
}

/**
 * Runs a test body with a time limit (a guard: the body waits on events;
 * `limit` is scaled here by ZMQ_TS_TIME_SCALE). On timeout or failure,
 * everything the body opened is released, which also settles whatever it was
 * still waiting on. `progress` says, at the timeout, how far the body got.
 */
export async function guarded(limit: number, body: (r: Resources) => Promise<void>, progress?: () => string): Promise<void> {
  const ms = scaled(limit)
  const r = new Resources()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`guard: test did not finish within ${ms} ms${progress === undefined ? "" : `; ${progress()}`}`)), ms)
  })
  let failure: unknown = null
  try {
    await Promise.race([body(r), timeout])
  } catch (err) {
    failure = err ?? new Error("failed")
  } finally {
    clearTimeout(timer)
    const errors = await r.releaseAll()
    if (failure === null && errors[0] !== undefined) failure = errors[0]
  }
  if (failure !== null) throw failure instanceof Error ? failure : new Error(inspect(failure))
}

/** `p`, or a failure naming `what` if it has not settled after `ms` (a guard, not a wait). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`guard: ${what} did not happen within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export const now = (): number => performance.now()

// ---- memory --------------------------------------------------------------------------------

export { forceGc, liveMemory } from "../helpers/memory.js"

export const MiB = 1024 * 1024
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`

// ---- messages ------------------------------------------------------------------------------

/** A fresh (unpooled) buffer of `size` bytes starting with the message's index. */
export function numbered(i: number, size: number): Buffer {
  const b = Buffer.alloc(size)
  b.writeUInt32BE(i, 0)
  return b
}

export const indexOf = (frame: Buffer): number => frame.readUInt32BE(0)

/**
 * Asserts that `indices` is strictly increasing (in order, no duplicates),
 * each one in [0, limit).
 */
export function assertIncreasing(indices: readonly number[], limit: number, what: string): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!
    assert.ok(v >= 0 && v < limit, `${what}: index ${v} out of range`)
    if (i > 0) assert.ok(v > indices[i - 1]!, `${what}: message ${v} after ${indices[i - 1]} (out of order or duplicated)`)
  }
}

/**
 * The PUB/SUB join: a publisher says nothing when a subscription has reached
 * it, so it publishes one `warm` message per event-loop turn until every
 * subscriber has received one (the usual slow-joiner handshake). It waits on
 * the subscribers' receipt, never on a timer; the caller's guard bounds it.
 * Subscribers may hold further warm-up messages afterwards: skip frames equal
 * to `warm`.
 */
export async function joinSubscribers(pub: Sock, subs: readonly Sock[], warm: string): Promise<void> {
  let joined = 0
  let failed: unknown = null
  for (const s of subs) {
    s.receive().then(
      (msg) => {
        assert.equal(msg[0]!.toString(), warm, `${s.name}: first message is a warm-up`)
        joined++
      },
      (err: unknown) => {
        failed = err
      },
    )
  }
  while (joined < subs.length) {
    if (failed !== null) throw failed instanceof Error ? failed : new Error(inspect(failed))
    await pub.send(warm)
    await nextTurn()
  }
}

/** Receives until a message whose first frame is not `warm`, and returns it. */
export async function receiveSkipping(sock: Sock, warm: string): Promise<Buffer[]> {
  for (;;) {
    const msg = await sock.receive()
    if (msg[0]!.toString() !== warm) return msg
  }
}

export { nextTurn }

/**
 * The conformance method (harness.ts) for the v5 API: each case runs against
 * `zeromq/v5-compat` and zmq-ts's `src/v5-compat.ts` and must observe the
 * same thing. v5 reports through events and callbacks, so `t.next()` waits
 * for an event and `t.callback()` gives a callback and the promise of its
 * arguments.
 */
import assert from "node:assert/strict"
import { EventEmitter } from "node:events"
import { createRequire } from "node:module"
import { it } from "node:test"
import type * as V5 from "../../src/v5-compat.js"
import { CaseResources, describeError, withinLimit, type Attempt, type LibName } from "./harness.js"
import { scaled } from "../helpers/time.js"

export type Zmq5 = typeof V5
export type Sock5 = V5.Socket

const require = createRequire(import.meta.url)

export async function loadV5(name: LibName): Promise<Zmq5> {
  // zeromq's module.exports itself, as require() gives it to v5 programs.
  if (name === "zeromq") return require("zeromq/v5-compat") as Zmq5
  return import("../../src/v5-compat.js")
}

export interface V5Context {
  readonly lib: LibName
  track<T extends { close(): unknown }>(thing: T): T
  endpoint(transport: "tcp" | "ipc" | "inproc"): string
  attempt(fn: () => unknown, value?: (v: unknown) => unknown): Promise<Attempt>
  /** The arguments of the next `event` on `emitter` (errors described); rejects after `ms`. */
  next(emitter: NodeJS.EventEmitter, event: string, ms?: number): Promise<unknown[]>
  /** A callback and the promise of what it was called with (errors described). */
  callback(): [(...args: unknown[]) => void, Promise<unknown[]>]
  warnings(): { name: string; message: string }[]
}

/** Plain data for an argument: errors described, Buffers as strings. */
export function plain(v: unknown): unknown {
  if (v instanceof Error) return describeError(v)
  if (Buffer.isBuffer(v)) return `buf:${v.toString()}`
  if (Array.isArray(v)) return v.map(plain)
  if (v !== null && typeof v === "object") {
    const e = v as { code?: unknown; errno?: unknown }
    if ("errno" in e || "code" in e) return { code: e.code, errno: e.errno }
  }
  return v
}

class Ctx extends CaseResources implements V5Context {
  /** 'error' events no listener of the case took: an EventEmitter would throw them and end the whole file. */
  readonly unexpected: unknown[] = []

  constructor(lib: LibName) {
    super(lib, "v5")
  }

  override track<T extends { close(): unknown }>(thing: T): T {
    if (thing instanceof EventEmitter) {
      // Registered first, so a case's own listener (t.next) is still there when it runs.
      thing.on("error", (err: unknown) => {
        if (thing.listenerCount("error") === 1) this.unexpected.push(err)
      })
    }
    return super.track(thing)
  }

  async attempt(fn: () => unknown, value: (v: unknown) => unknown = () => undefined): Promise<Attempt> {
    let r: unknown
    try {
      r = fn()
    } catch (err) {
      return { sync: "throw", error: describeError(err) }
    }
    const v = value(await Promise.resolve(r))
    return v === undefined ? { sync: "return" } : { sync: "return", value: v }
  }

  next(emitter: NodeJS.EventEmitter, event: string, ms = scaled(5000)): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        emitter.off(event, on)
        reject(new Error(`no '${event}' event within ${ms} ms`))
      }, ms)
      const on = (...args: unknown[]): void => {
        clearTimeout(timer)
        resolve(args.map(plain))
      }
      emitter.once(event, on)
    })
  }

  callback(): [(...args: unknown[]) => void, Promise<unknown[]>] {
    let done!: (args: unknown[]) => void
    const p = new Promise<unknown[]>((r) => (done = r))
    return [(...args: unknown[]) => done(args.map(plain)), p]
  }
}

export interface ConformV5Options {
  expect?: unknown
  differs?: string
  /** A known difference of zmq-ts's v6 core (not of the v5 layer): the case runs and is reported, but does not fail. */
  core?: string
  timeout?: number
}

async function observe(lib: LibName, fn: (zmq: Zmq5, t: V5Context) => unknown, title: string, limit: number): Promise<unknown> {
  const zmq = await loadV5(lib)
  const ctx = new Ctx(lib)
  const observed = await withinLimit(lib, title, limit, () => fn(zmq, ctx), () => ctx.dispose())
  if (ctx.unexpected.length > 0) assert.fail(`${lib}: unexpected 'error' event on a v5 socket: ${String(ctx.unexpected[0])}`)
  return observed
}

/** One v5 case: the same code against zeromq/v5-compat and zmq-ts/v5-compat, the same observation from both. */
export function conformV5(title: string, fn: (zmq: Zmq5, t: V5Context) => unknown, options: ConformV5Options = {}): void {
  const todo = options.core === undefined ? {} : { todo: `v6 core differs: ${options.core}` }
  const limit = scaled(options.timeout ?? 10_000)
  // Each library has `limit` (withinLimit names the one that hung); the runner's guard catches the rest.
  void it(title, { timeout: limit * 2 + scaled(5_000), ...todo }, async () => {
    const ours = await observe("zmq-ts", fn, title, limit)
    if (options.differs !== undefined) {
      assert.ok("expect" in options, `deliberate difference without an expected observation: ${title}`)
      assert.deepStrictEqual(ours, options.expect, `zmq-ts (deliberate difference: ${options.differs})`)
      return
    }
    const reference = await observe("zeromq", fn, title, limit)
    assert.deepStrictEqual(ours, reference, "zmq-ts observed something else than zeromq")
    if ("expect" in options) assert.deepStrictEqual(reference, options.expect, "zeromq no longer behaves as the case expects")
  })
}

export function conformV5Each(
  transports: readonly ("tcp" | "ipc" | "inproc")[],
  title: string,
  fn: (zmq: Zmq5, t: V5Context, transport: "tcp" | "ipc" | "inproc") => unknown,
  options: ConformV5Options = {},
): void {
  for (const transport of transports) conformV5(`${title} [${transport}]`, (zmq, t) => fn(zmq, t, transport), options)
}

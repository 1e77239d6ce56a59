/**
 * The conformance method: each case is written once and run against both the
 * reference (`zeromq`, zeromq.js v6) and zmq-ts; it returns an *observation*
 * (plain data: values, error descriptions, event lists) and the harness
 * asserts that both libraries observed the same thing.
 *
 *   conform("Push: send() on a closed socket", async (zmq, t) => {
 *     const s = t.track(new zmq.Push())
 *     s.close()
 *     return await t.attempt(() => s.send("x"))   // { sync: "return", async: "reject", error: {...} }
 *   })
 *
 * `expect` pins the observation too, so that a case where both libraries
 * happen to agree on something meaningless (both undefined) still fails.
 * `differs` marks a documented, deliberate difference (README): the case
 * then runs only against zmq-ts and must match `expect`.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { it } from "node:test"
import { createRequire } from "node:module"
import type * as ZmqTsDraft from "../../src/draft.js"
import type * as ZmqTs from "../../src/index.js"
import { scaled } from "../helpers/time.js"

export type Zmq = typeof ZmqTs
export type LibName = "zeromq" | "zmq-ts"

export async function loadLib(name: LibName): Promise<Zmq> {
  if (name === "zmq-ts") return import("../../src/index.js")
  return (await import("zeromq")) as unknown as Zmq
}

/** The main entry and the draft entry together (`zeromq` + `zeromq/draft`, `zmq-ts` + `zmq-ts/draft`). */
export type ZmqDraft = Zmq & typeof ZmqTsDraft

export async function loadDraftLib(name: LibName): Promise<ZmqDraft> {
  const main = await loadLib(name)
  // zeromq has no exports map; its draft entry is the CommonJS file zeromq/draft.js.
  const draft = name === "zmq-ts" ? await import("../../src/draft.js") : (createRequire(import.meta.url)("zeromq/draft") as typeof ZmqTsDraft)
  return { ...main, ...draft }
}

/** What a thrown or rejected value looks like, as far as a program can tell. */
export interface ErrorObservation {
  isError: boolean
  isTypeError: boolean
  isRangeError: boolean
  code?: unknown
  errno?: unknown
  address?: unknown
  message: string
}

export function describeError(err: unknown): ErrorObservation {
  if (!(err instanceof Error)) return { isError: false, isTypeError: false, isRangeError: false, message: String(err) }
  const e = err as Error & { code?: unknown; errno?: unknown; address?: unknown }
  const out: ErrorObservation = {
    isError: true,
    isTypeError: err instanceof TypeError,
    isRangeError: err instanceof RangeError,
    message: err.message,
  }
  if (e.code !== undefined) out.code = e.code
  if (e.errno !== undefined) out.errno = e.errno
  if (e.address !== undefined) out.address = e.address
  return out
}

/**
 * How a call behaved: it threw synchronously, or returned; if it returned a
 * promise, whether that resolved or rejected.
 */
export type Attempt =
  | { sync: "throw"; error: ErrorObservation }
  | { sync: "return"; value?: unknown }
  | { sync: "return"; async: "resolve"; value?: unknown }
  | { sync: "return"; async: "reject"; error: ErrorObservation }

export interface CaseContext {
  readonly lib: LibName
  /** Closes the socket (or anything with close()) when the case ends. */
  track<T extends { close(): void }>(thing: T): T
  /** A fresh endpoint for `transport`, unique to this case and library. */
  endpoint(transport: "tcp" | "ipc" | "inproc"): string
  /** Calls `fn` and reports whether it threw, returned, resolved or rejected. `value` maps a result to plain data. */
  attempt(fn: () => unknown, value?: (v: unknown) => unknown): Promise<Attempt>
  /** process 'warning' events emitted since the case started (name and message). */
  warnings(): { name: string; message: string }[]
}

/** Default timeout of a case, for one library. */
const CASE_TIMEOUT = 10_000

/**
 * What every case context keeps: the things to close at the end, the process
 * warnings seen, and fresh endpoints (`prefix` keeps suites' ipc files and
 * inproc names apart).
 */
export class CaseResources {
  private readonly tracked: { close(): unknown }[] = []
  private readonly seen: { name: string; message: string }[] = []
  private readonly onWarning = (w: Error): void => {
    this.seen.push({ name: w.name, message: w.message })
  }

  constructor(
    readonly lib: LibName,
    private readonly prefix = "conf",
  ) {
    process.on("warning", this.onWarning)
  }

  track<T extends { close(): unknown }>(thing: T): T {
    this.tracked.push(thing)
    return thing
  }

  endpoint(transport: "tcp" | "ipc" | "inproc"): string {
    const tag = `${this.lib}-${randomBytes(6).toString("hex")}`
    if (transport === "tcp") return "tcp://127.0.0.1:*"
    if (transport === "ipc") return `ipc://${join(tmpdir(), `zmq-${this.prefix}-${tag}.sock`)}`
    return `inproc://${this.prefix}-${tag}`
  }

  warnings(): { name: string; message: string }[] {
    return [...this.seen]
  }

  async dispose(): Promise<void> {
    process.off("warning", this.onWarning)
    for (const t of this.tracked.reverse()) {
      try {
        t.close()
      } catch {
        // closing twice or closing a closed socket is fine here
      }
    }
    // Let 'warning' events and close callbacks run before the next case.
    await new Promise((r) => setImmediate(r))
  }
}

class Ctx extends CaseResources implements CaseContext {
  async attempt(fn: () => unknown, value: (v: unknown) => unknown = () => undefined): Promise<Attempt> {
    let r: unknown
    try {
      r = fn()
    } catch (err) {
      return { sync: "throw", error: describeError(err) }
    }
    if (!(r instanceof Promise)) {
      const v = value(r)
      return v === undefined ? { sync: "return" } : { sync: "return", value: v }
    }
    try {
      const v = value(await r)
      return v === undefined ? { sync: "return", async: "resolve" } : { sync: "return", async: "resolve", value: v }
    } catch (err) {
      return { sync: "return", async: "reject", error: describeError(err) }
    }
  }
}

export interface ConformOptions {
  /** The observation both libraries must produce. */
  expect?: unknown
  /** A deliberate difference documented in the README: run on zmq-ts only, against `expect`. */
  differs?: string
  timeout?: number
}

/**
 * `run()` for one library, within `limit` ms. A case that hangs fails naming
 * the library (the runner's own timeout covers both libraries and would not
 * say which one hung); `settle` (closing the case's sockets) runs either way,
 * which settles what was still waiting.
 */
export async function withinLimit<T>(lib: LibName, title: string, limit: number, run: () => T | Promise<T>, settle: () => Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${lib} hung: "${title}" did not finish within ${limit} ms`)), limit)
  })
  try {
    // Promise.race also handles a late rejection of the case (once its sockets closed).
    return await Promise.race([Promise.resolve().then(run), hung])
  } finally {
    clearTimeout(timer)
    await settle()
  }
}

async function observe<L>(load: (lib: LibName) => Promise<L>, lib: LibName, fn: (zmq: L, t: CaseContext) => unknown, title: string, limit: number): Promise<unknown> {
  const zmq = await load(lib)
  const ctx = new Ctx(lib)
  return withinLimit(lib, title, limit, () => fn(zmq, ctx), () => ctx.dispose())
}

/** One conformance case: the same code against zeromq and zmq-ts, the same observation from both. */
export function conform(title: string, fn: (zmq: Zmq, t: CaseContext) => unknown, options: ConformOptions = {}): void {
  conformWith(loadLib, title, fn, options)
}

/** As conform(), with the draft entries loaded too (`zeromq/draft` against `zmq-ts/draft`). */
export function conformDraft(title: string, fn: (zmq: ZmqDraft, t: CaseContext) => unknown, options: ConformOptions = {}): void {
  conformWith(loadDraftLib, title, fn, options)
}

/** conformEach() for draft cases. */
export function conformDraftEach(
  transports: readonly ("tcp" | "ipc" | "inproc")[],
  title: string,
  fn: (zmq: ZmqDraft, t: CaseContext, transport: "tcp" | "ipc" | "inproc") => unknown,
  options: ConformOptions = {},
): void {
  for (const transport of transports) conformDraft(`${title} [${transport}]`, (zmq, t) => fn(zmq, t, transport), options)
}

function conformWith<L>(load: (lib: LibName) => Promise<L>, title: string, fn: (zmq: L, t: CaseContext) => unknown, options: ConformOptions): void {
  const limit = scaled(options.timeout ?? CASE_TIMEOUT)
  // Each library has `limit`; the runner's guard (both, plus loading and
  // disposing) only catches what the per-library guards did not.
  void it(title, { timeout: limit * 2 + scaled(5_000) }, async () => {
    const ours = await observe(load, "zmq-ts", fn, title, limit)
    if (options.differs !== undefined) {
      assert.ok("expect" in options, `deliberate difference without an expected observation: ${title}`)
      assert.deepStrictEqual(ours, options.expect, `zmq-ts (deliberate difference: ${options.differs})`)
      return
    }
    const reference = await observe(load, "zeromq", fn, title, limit)
    assert.deepStrictEqual(ours, reference, "zmq-ts observed something else than zeromq")
    if ("expect" in options) assert.deepStrictEqual(reference, options.expect, "zeromq no longer behaves as the case expects")
  })
}

/** The same case once per transport. */
export function conformEach(
  transports: readonly ("tcp" | "ipc" | "inproc")[],
  title: string,
  fn: (zmq: Zmq, t: CaseContext, transport: "tcp" | "ipc" | "inproc") => unknown,
  options: ConformOptions = {},
): void {
  for (const transport of transports) conform(`${title} [${transport}]`, (zmq, t) => fn(zmq, t, transport), options)
}

export const ALL_TRANSPORTS = ["tcp", "ipc", "inproc"] as const

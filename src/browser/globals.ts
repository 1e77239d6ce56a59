/**
 * What zmq-ts takes from Node's globals, for the browser build. The bundler
 * injects these where the code names the global (esbuild's `inject`,
 * scripts/build-browser.mjs): the page's own globals are left untouched.
 *
 * - Timers return objects with ref()/unref() (Node's Timeout), which a page
 *   has no use for but the engine calls; clearTimeout takes them back.
 * - setImmediate runs after the current task and its microtasks, before
 *   the next: over a MessageChannel, since setTimeout(0) is clamped to 4 ms
 *   once nested, which would cap a browser socket at a few hundred turns a
 *   second.
 * - process has only what zmq-ts calls: warnings go to the console, and
 *   there is no beforeExit (a page does not wait for queued messages).
 */
export { Buffer } from "./buffer.js"

type Callback = (...args: unknown[]) => void

class BrowserTimer {
  private current: number
  constructor(
    id: number,
    private readonly restart: (() => number) | null,
    private readonly clear: (id: number) => void,
  ) {
    this.current = id
  }
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
  hasRef(): boolean {
    return true
  }
  refresh(): this {
    if (this.restart !== null) {
      this.clear(this.current)
      this.current = this.restart()
    }
    return this
  }
  cancel(): void {
    this.clear(this.current)
  }
  [Symbol.toPrimitive](): number {
    return this.current
  }
}

const g = globalThis as unknown as {
  setTimeout(fn: Callback, ms?: number, ...args: unknown[]): number
  clearTimeout(id: number): void
  setInterval(fn: Callback, ms?: number, ...args: unknown[]): number
  clearInterval(id: number): void
}

function cancel(t: unknown, clear: (id: number) => void): void {
  if (t instanceof BrowserTimer) t.cancel()
  else if (typeof t === "number") clear(t)
}

export function setTimeout(fn: Callback, ms?: number, ...args: unknown[]): BrowserTimer {
  const start = (): number => g.setTimeout(fn, ms, ...args)
  return new BrowserTimer(start(), start, (id) => g.clearTimeout(id))
}

export function clearTimeout(t: unknown): void {
  cancel(t, (id) => g.clearTimeout(id))
}

export function setInterval(fn: Callback, ms?: number, ...args: unknown[]): BrowserTimer {
  return new BrowserTimer(g.setInterval(fn, ms, ...args), null, (id) => g.clearInterval(id))
}

export function clearInterval(t: unknown): void {
  cancel(t, (id) => g.clearInterval(id))
}

/**
 * Node's check-phase queue. One per page, like Node's one per thread: it is
 * the event loop's, not a socket's, so it is the one piece of module state
 * in the browser build.
 */
class ImmediateQueue {
  private queue: (() => void)[] = []
  private posted = false
  // The page's MessageChannel (typed here without the DOM library).
  private readonly channel = new MessageChannel() as unknown as {
    port1: { onmessage: (() => void) | null }
    port2: { postMessage(value: unknown): void }
  }

  constructor() {
    this.channel.port1.onmessage = () => this.run()
  }

  add(job: () => void): void {
    this.queue.push(job)
    if (!this.posted) {
      this.posted = true
      this.channel.port2.postMessage(null)
    }
  }

  private run(): void {
    // Like Node, what is queued during this run waits for the next turn.
    const jobs = this.queue
    this.queue = []
    this.posted = false
    for (const job of jobs) job()
    if (this.queue.length > 0 && !this.posted) {
      this.posted = true
      this.channel.port2.postMessage(null)
    }
  }
}

let immediates: ImmediateQueue | null = null // made at the first setImmediate

interface Immediate {
  cancelled: boolean
  ref(): Immediate
  unref(): Immediate
  hasRef(): boolean
}

export function setImmediate(fn: Callback, ...args: unknown[]): Immediate {
  const handle: Immediate = {
    cancelled: false,
    ref: () => handle,
    unref: () => handle,
    hasRef: () => true,
  }
  immediates ??= new ImmediateQueue()
  immediates.add(() => {
    if (!handle.cancelled) fn(...args)
  })
  return handle
}

export function clearImmediate(handle: Immediate | undefined): void {
  if (handle !== undefined) handle.cancelled = true
}

interface BrowserProcess {
  pid: number
  platform: string
  env: Record<string, string | undefined>
  emitWarning(warning: string | Error, options?: { code?: string } | string): void
  on(...args: unknown[]): BrowserProcess
  off(...args: unknown[]): BrowserProcess
  nextTick(fn: Callback, ...args: unknown[]): void
}

export const process: BrowserProcess = {
  pid: 0,
  platform: "browser",
  env: {},
  emitWarning(warning: string | Error, options?: { code?: string } | string): void {
    const code = typeof options === "object" && options.code !== undefined ? ` (${options.code})` : ""
    console.warn(`${typeof warning === "string" ? warning : warning.message}${code}`)
  },
  // No beforeExit, no worker event: a page never waits on them.
  on: () => process,
  off: () => process,
  nextTick(fn: Callback, ...args: unknown[]): void {
    queueMicrotask(() => fn(...args))
  },
}

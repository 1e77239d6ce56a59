/**
 * Drives test/fixtures/thread-rpc.ts: a worker thread whose sockets a test
 * scripts from the main thread, one awaited operation at a time.
 */
import { after } from "node:test"
import { Worker } from "node:worker_threads"
import type { Request } from "../fixtures/thread-rpc.js"

const ENTRY = new URL("../fixtures/ts-worker.mjs", import.meta.url)
const MODULE = new URL("../fixtures/thread-rpc.ts", import.meta.url).href

type Reply = { seq: number; value?: unknown; error?: string }

export class ThreadPeer {
  readonly worker: Worker
  readonly exited: Promise<number>
  private seq = 0
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error & { code?: string }) => void }>()

  private constructor(worker: Worker) {
    this.worker = worker
    this.exited = new Promise((resolve) => worker.once("exit", resolve))
    worker.on("message", (reply: Reply) => {
      const call = this.calls.get(reply.seq)
      if (call === undefined) return
      this.calls.delete(reply.seq)
      if (reply.error !== undefined) call.reject(Object.assign(new Error(reply.error), { code: reply.error }))
      else call.resolve(reply.value)
    })
  }

  /** Starts a worker running `lib`'s sockets, resolved once it listens. */
  static async start(lib = "zmq-ts"): Promise<ThreadPeer> {
    const worker = new Worker(ENTRY, { workerData: { lib, module: MODULE } })
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve())
      worker.once("error", reject)
    })
    return new ThreadPeer(worker)
  }

  call(req: Omit<Request, "seq">): Promise<unknown> {
    const seq = this.seq++
    return new Promise((resolve, reject) => {
      this.calls.set(seq, { resolve, reject })
      this.worker.postMessage({ ...req, seq })
    })
  }

  async socket(type: string, opts?: Record<string, unknown>): Promise<RemoteSocket> {
    return new RemoteSocket(this, (await this.call({ op: "socket", type, opts })) as number)
  }

  /** Closes the worker's sockets and lets it end. */
  async exit(): Promise<void> {
    await this.call({ op: "exit" })
    await this.exited
  }

  /** Ends the worker at once, sockets open (worker.terminate()). */
  async terminate(): Promise<void> {
    await this.worker.terminate()
  }
}

/** A socket living in a ThreadPeer's worker. */
export class RemoteSocket {
  constructor(
    private readonly peer: ThreadPeer,
    readonly id: number,
  ) {}

  bind(ep: string): Promise<unknown> {
    return this.peer.call({ op: "bind", id: this.id, ep })
  }
  subscribe(prefix: string): Promise<unknown> {
    return this.peer.call({ op: "subscribe", id: this.id, ep: prefix })
  }
  unbind(ep: string): Promise<unknown> {
    return this.peer.call({ op: "unbind", id: this.id, ep })
  }
  connect(ep: string): Promise<unknown> {
    return this.peer.call({ op: "connect", id: this.id, ep })
  }
  disconnect(ep: string): Promise<unknown> {
    return this.peer.call({ op: "disconnect", id: this.id, ep })
  }
  send(...msg: string[]): Promise<unknown> {
    return this.peer.call({ op: "send", id: this.id, msg })
  }
  async receive(): Promise<string[]> {
    return (await this.peer.call({ op: "receive", id: this.id })) as string[]
  }
  /** Receives a message and sends it back; per frame, whether it arrived in shared memory. */
  echo(): Promise<boolean[]> {
    return this.peer.call({ op: "echo", id: this.id }) as Promise<boolean[]>
  }
  close(): Promise<unknown> {
    return this.peer.call({ op: "close", id: this.id })
  }
  events(count: number): Promise<string[]> {
    return this.peer.call({ op: "events", id: this.id, count }) as Promise<string[]>
  }
}

let counter = 0
export function uniqueInproc(): string {
  return `inproc://threads-${process.pid}-${counter++}`
}

/**
 * A connection from another thread is accepted asynchronously (as a tcp one
 * is): sends `prime` through `send` (yielding to the event loop between
 * sends) until every receive in `firsts` has resolved. Bounded; receivers
 * may be left with extra "prime" messages.
 */
export async function primeAll(send: (m: string) => Promise<unknown>, firsts: Promise<unknown>[], max = 5000): Promise<void> {
  let pending = firsts.length
  for (const f of firsts) void f.then(() => pending--)
  for (let i = 0; i < max && pending > 0; i++) {
    await send("prime")
    await new Promise((resolve) => setImmediate(resolve))
  }
  if (pending > 0) throw new Error(`${pending} receivers never got a message`)
}

/**
 * The workers of one test file, all terminated after it: `shared(i)` is the
 * i-th worker the file's tests share (a worker loading TypeScript takes a
 * while to start), `start()` a fresh one for a test that ends it.
 */
export function workerPool(): { start: () => Promise<ThreadPeer>; shared: (i: number) => Promise<ThreadPeer> } {
  const workers: ThreadPeer[] = []
  const pool = new Map<number, Promise<ThreadPeer>>()
  const start = async (): Promise<ThreadPeer> => {
    const w = await ThreadPeer.start()
    workers.push(w)
    return w
  }
  after(async () => {
    await Promise.all(workers.map((w) => w.terminate()))
  })
  return {
    start,
    shared: (i: number): Promise<ThreadPeer> => {
      let w = pool.get(i)
      if (w === undefined) pool.set(i, (w = start()))
      return w
    },
  }
}

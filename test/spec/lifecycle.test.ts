/**
 * Process lifetime, as zeromq.js v6 defines it: sockets hold no event-loop
 * reference of their own, a waiting send()/receive()/observer keeps the
 * process alive, and at exit queued messages keep it alive while the context
 * is blocky, each socket for at most its linger.
 *
 * Each case runs a fixture (test/fixtures/lifecycle-*.ts) in a child process
 * twice, concurrently: once on zeromq.js (the reference: the expectation is
 * checked against it) and once on zmq-ts. The parent asserts the exit code
 * and that the child exits within a guard time, counted from the last line
 * the child prints (so that a slow start under load does not count); it
 * synchronises on those lines and on messages, never on sleeps. The
 * parent's own peers are zeromq.js sockets, so that only the child's library
 * is under test.
 */
import assert from "node:assert/strict"
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test, type TestContext } from "node:test"
import { fileURLToPath } from "node:url"
import * as zeromq from "zeromq"
import * as zmqts from "../../src/index.js"
import { messageSize } from "../fixtures/lib.js"
import { unboundEndpoint } from "../helpers/transports.js"
import { scaled } from "../helpers/time.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const LIBS = ["zeromq", "zmq-ts"] as const
type LibName = (typeof LIBS)[number]

/**
 * A child that should exit by itself is killed (and the test fails) if it is
 * still running this long after its last line, or after START_GUARD_MS in all.
 */
const GUARD_MS = scaled(5_000)
/**
 * Only a bound on a hung child, not a measure of anything: on a saturated
 * machine (npm run test:stress, two cores shared by several suites) starting
 * node with tsx and a native addon took over 30 s, and every case failed on
 * this guard alone; test:stress scales it.
 */
const START_GUARD_MS = scaled(30_000)

let ipcDir: string | null = null
let ipcCount = 0
/** A fresh ipc endpoint in a private directory. */
function ipcEndpoint(): string {
  ipcDir ??= mkdtempSync(join(tmpdir(), "zmq-ts-life-"))
  return `ipc://${ipcDir}/${++ipcCount}.sock`
}
after(() => {
  if (ipcDir !== null) rmSync(ipcDir, { recursive: true, force: true })
})

// ---- child processes ---------------------------------------------------------------

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  /** The guard killed it. */
  killed: boolean
  /** performance.now() at exit. */
  at: number
  /** Date.now() at exit, to compare with the child's stamps. */
  wall: number
}

/** A fixture running in a child process, its stdout read line by line. */
class Child {
  readonly lines: string[] = []
  private stderr = ""
  private readonly proc: ChildProcess
  private readonly waiters: { prefix: string; resolve: (line: string) => void }[] = []
  private exitInfo: Exit | null = null
  readonly exited: Promise<Exit>

  private killedByGuard = false

  constructor(fixture: string, lib: LibName, args: readonly string[], nodeArgs: readonly string[] = []) {
    this.proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join("test", "fixtures", fixture), lib, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    })
    let partial = ""
    this.proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      partial += chunk
      const parts = partial.split("\n")
      partial = parts.pop()!
      for (const line of parts) this.onLine(line)
    })
    this.proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk
    })
    const guard = setTimeout(() => this.guardKill(), START_GUARD_MS)
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': 'exit' can come before the child's last lines have
      // been read from its stdout (a child that prints and exits at once then
      // looked as if it had exited without printing).
      this.proc.once("close", (code, signal) => {
        clearTimeout(guard)
        this.exitInfo = { code, signal, killed: this.killedByGuard, at: performance.now(), wall: Date.now() }
        resolve(this.exitInfo)
        // Every line has been read by now: fail whoever still waits.
        for (const w of this.waiters.splice(0)) w.resolve("")
      })
    })
  }

  private onLine(line: string): void {
    this.lines.push(line)
    for (const w of [...this.waiters]) {
      if (line.startsWith(w.prefix)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  }

  get running(): boolean {
    return this.exitInfo === null
  }

  /** Date.now() in the child when it said `line` (sayStamped in the fixture). */
  stampOf(line: string): number {
    const m = new RegExp(`^stamp ${line} (\\d+)$`, "m").exec(this.stderr)
    assert.ok(m !== null, `the child stamped "${line}" on stderr\n${this.describe()}`)
    return Number(m[1])
  }

  /** The first line starting with `prefix`; fails if the child exits without printing it. */
  async line(prefix: string): Promise<string> {
    const seen = this.lines.find((l) => l.startsWith(prefix))
    const line = seen ?? (this.exitInfo !== null ? "" : await new Promise<string>((resolve) => this.waiters.push({ prefix, resolve })))
    assert.ok(line.startsWith(prefix), `the child exited without printing "${prefix}..."\n${this.describe()}`)
    return line
  }

  private guardKill(): void {
    if (!this.running) return
    this.killedByGuard = true
    this.proc.kill("SIGKILL")
  }

  /**
   * Asserts that the child exits by itself with code 0, at most `withinMs`
   * after it printed the line starting with `last` (the guard kills it otherwise).
   */
  async exitsCleanly(last: string, withinMs = GUARD_MS): Promise<Exit> {
    await this.line(last)
    const guard = setTimeout(() => this.guardKill(), withinMs)
    const e = await this.exited
    clearTimeout(guard)
    assert.equal(e.killed, false, `the child was still running ${withinMs} ms after "${last}" and was killed\n${this.describe()}`)
    assert.equal(e.code, 0, `exit code\n${this.describe()}`)
    return e
  }

  kill(): void {
    if (this.running) this.proc.kill("SIGKILL")
  }

  describe(): string {
    const err = this.stderr.trim().split("\n").slice(-8).join("\n    ")
    return `  stdout: ${JSON.stringify(this.lines)}\n  stderr: ${err === "" ? "(empty)" : err}\n  exit: ${JSON.stringify(this.exitInfo)}`
  }
}

/** Starts a fixture for `lib`, killed when the test ends however it ends. */
function run(t: TestContext, fixture: string, lib: LibName, args: readonly string[] = [], nodeArgs: readonly string[] = []): Child {
  const child = new Child(fixture, lib, args, nodeArgs)
  t.after(() => child.kill())
  return child
}

/** Parent-side zeromq.js sockets, closed (linger 0) when the test ends. */
function peers(t: TestContext): <S extends zeromq.Socket>(s: S) => S {
  const list: zeromq.Socket[] = []
  t.after(() => {
    for (const s of list) s.close()
  })
  return (s) => {
    s.linger = 0
    list.push(s)
    return s
  }
}

/**
 * Registers a test that runs `fn` for both libraries at once, as two
 * subtests named after the library.
 */
function bothLibs(name: string, fn: (lib: LibName, t: TestContext) => Promise<void>, libs: readonly LibName[] = LIBS): void {
  void test(name, async (t) => {
    await Promise.all(libs.map((lib) => t.test(`${name} [${lib}]`, { timeout: START_GUARD_MS + 10_000 }, (st) => fn(lib, st))))
  })
}

/** Receives `count` messages as the lifecycle-send fixture makes them, checking each; `progress.received` counts them. */
async function receiveAll(pull: zeromq.Pull, count: number, sizeSpec: string, progress = { received: 0 }): Promise<number> {
  let received = 0
  while (received < count) {
    const [index, body] = await pull.receive()
    const size = messageSize(sizeSpec, received)
    assert.equal(String(index), String(received), "messages arrive in order")
    assert.equal(body?.length, size)
    if (size > 0) {
      assert.equal(body[0], received & 0xff)
      assert.equal(body[size - 1], received & 0xff)
    }
    received++
    progress.received = received
  }
  return received
}

// ---- the cases ------------------------------------------------------------------------

const afterPrefix = (line: string, prefix: string): string => line.slice(prefix.length)

/** Rejects after `ms` (unref'd: it never keeps the test process alive) with what() said then. */
function untilGuard(ms: number, what: () => string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`after ${ms} ms: ${what()}`)), ms).unref())
}

void describe("process lifetime", { concurrency: 4 }, () => {
  bothLibs("a script that binds, connects, exchanges messages and then does nothing exits by itself", async (lib, t) => {
    const child = run(t, "lifecycle-idle.ts", lib, [ipcEndpoint()])
    await child.exitsCleanly("idle")
    assert.deepEqual(child.lines, ["received ipc,tcp", "idle"])
  })

  for (const mode of ["receive", "iterate"] as const) {
    const how = mode === "receive" ? "an awaited receive()" : "a for-await loop over the socket"
    bothLibs(`${how} keeps the process alive until a message comes; then it exits by itself`, async (lib, t) => {
      const own = peers(t)
      const child = run(t, "lifecycle-wait.ts", lib, [mode])
      const endpoint = afterPrefix(await child.line("endpoint "), "endpoint ")
      const push = own(new zeromq.Push())
      push.connect(endpoint)
      await push.send("wake")
      await child.exitsCleanly("received ")
      assert.equal(child.lines.at(-1), "received wake")
    })
  }

  bothLibs("an awaited events.receive() keeps the process alive until the event comes", async (lib, t) => {
    const own = peers(t)
    const child = run(t, "lifecycle-wait.ts", lib, ["events"])
    const endpoint = afterPrefix(await child.line("endpoint "), "endpoint ")
    own(new zeromq.Push()).connect(endpoint)
    await child.exitsCleanly("accepted")
  })

  bothLibs("an events.on() listener keeps the process alive until the socket closes", async (lib, t) => {
    const own = peers(t)
    const child = run(t, "lifecycle-wait.ts", lib, ["observer"])
    const endpoint = afterPrefix(await child.line("endpoint "), "endpoint ")
    own(new zeromq.Push()).connect(endpoint)
    await child.exitsCleanly("handshake")
  })

  bothLibs("a send() waiting for a peer keeps the process alive until a peer takes the message", async (lib, t) => {
    const own = peers(t)
    const child = run(t, "lifecycle-wait.ts", lib, ["send"])
    const endpoint = afterPrefix(await child.line("endpoint "), "endpoint ")
    const pull = own(new zeromq.Pull())
    pull.connect(endpoint)
    assert.deepEqual((await pull.receive()).map(String), ["from-blocked-send"])
    await child.exitsCleanly("sent")
  })

  // Regression (issue #16): under load a child exited 0 with a send() pending.
  // Here the send is forced to wait (the parent reads nothing until the child
  // says so), and the child reports if its event loop ever ran dry meanwhile.
  bothLibs("a send() waiting on full queues keeps the event loop alive (no 'beforeExit' while it waits), then completes", async (lib, t) => {
    const own = peers(t)
    const child = run(t, "lifecycle-wait.ts", lib, ["full"])
    const endpoint = afterPrefix(await child.line("endpoint "), "endpoint ")
    const pull = own(new zeromq.Pull({ receiveHighWaterMark: 1 }))
    pull.connect(endpoint)
    await child.line("pending")
    for (let i = 0; i < 64; i++) assert.equal((await pull.receive())[0]![0], i & 0xff)
    await child.exitsCleanly("sent 64")
    assert.ok(!child.lines.includes("loop empty"), `the event loop ran dry with a send pending\n${child.describe()}`)
  }, ["zmq-ts"])

  for (const ending of ["close", "open"] as const) {
    const how = ending === "close" ? "close() with linger -1" : "the socket left open (blocky context)"
    const last = ending === "close" ? "closed" : "left open"
    bothLibs(`a PUSH to a connected PULL delivers every message, 2 MiB ones among them, before the process exits (${how})`, async (lib, t) => {
      const COUNT = 2000
      const own = peers(t)
      const pull = own(new zeromq.Pull())
      await pull.bind("tcp://127.0.0.1:*")
      const child = run(t, "lifecycle-send.ts", lib, [pull.lastEndpoint!, String(COUNT), "mixed", "-1", ending])
      const progress = { received: 0 }
      const receiving = receiveAll(pull, COUNT, "mixed", progress)
      // The exit guard counts from the later of the last line and the last
      // message: "left open" comes with up to a high-water mark of messages
      // (some 2 MiB each) still queued, and how long they take to flush
      // depends on the machine's load, not on whether the process exits.
      // (A child that never delivers them is killed by its start guard.)
      await child.line(last)
      await Promise.race([receiving, child.exited])
      const exit = child.exitsCleanly(last, GUARD_MS).catch((err: unknown) => {
        throw new Error(`${String(err)}\n  the parent had received ${progress.received} of ${COUNT} messages`)
      })
      // A child that exited has nothing more in flight: what it sent is here within a guard.
      const delivered = Promise.race([
        receiving,
        exit.then(() => untilGuard(GUARD_MS, () => `the child exited; ${progress.received} of ${COUNT} messages arrived`)),
      ])
      const [received] = await Promise.all([delivered, exit])
      assert.equal(received, COUNT)
      assert.deepEqual(child.lines, [`queued ${COUNT}`, last])
    },
    // zeromq is not a reliable reference here: under a loaded test run its
    // child has exited (code 0) with a send() still pending and nothing
    // printed, i.e. a pending send did not hold the process open there
    // (seen with both endings). zmq-ts holds the process while a send waits.
    ["zmq-ts"])
  }

  for (const ending of ["close", "open"] as const) {
    const how = ending === "close" ? "close()" : "the socket left open at exit"
    const last = ending === "close" ? "closed" : "left open"

    bothLibs(`linger 0: messages queued for an unreachable peer are dropped and the process exits promptly (${how})`, async (lib, t) => {
      const endpoint = await unboundEndpoint("tcp")
      const child = run(t, "lifecycle-send.ts", lib, [endpoint, "10", "1000", "0", ending])
      await child.exitsCleanly(last)
    })

    bothLibs(`linger N bounds the wait for an unreachable peer: the process exits after about N ms (${how})`, async (lib, t) => {
      const LINGER = 800
      const endpoint = await unboundEndpoint("tcp")
      const child = run(t, "lifecycle-send.ts", lib, [endpoint, "10", "1000", String(LINGER), ending])
      const e = await child.exitsCleanly(last, LINGER + GUARD_MS)
      // From the child's own stamp, not the line's arrival: a loaded parent reads the line late (seen:
      // 455 ms "waited" of 800). The stamp comes a little after close() ran, so `waited` is a little short of the real wait.
      const waited = e.wall - child.stampOf(last)
      assert.ok(waited >= LINGER - 200, `the process waited ${waited.toFixed(0)} ms of linger ${LINGER} before exiting`)
    })

    bothLibs(`context.blocky = false: the process exits with messages queued for an unreachable peer (linger -1, ${how})`, async (lib, t) => {
      const endpoint = await unboundEndpoint("tcp")
      const child = run(t, "lifecycle-send.ts", lib, [endpoint, "10", "1000", "default", ending, "nonblocky"])
      await child.exitsCleanly(last)
    })

    bothLibs(`linger -1: unsent messages keep the process alive until the peer appears and takes them all (${how})`, async (lib, t) => {
      const own = peers(t)
      const endpoint = ipcEndpoint()
      const child = run(t, "lifecycle-send.ts", lib, [endpoint, "20", "1000", "-1", ending])
      await child.line(last)
      // Nothing is bound yet, so nothing can have been delivered: the child must still be there.
      assert.ok(child.running, `the child is still running with its messages undelivered\n${child.describe()}`)
      const pull = own(new zeromq.Pull())
      await pull.bind(endpoint)
      assert.equal(await receiveAll(pull, 20, "1000"), 20)
      await child.exitsCleanly(last)
    })
  }

  bothLibs("close() while connecting to an endpoint nothing listens on: the process exits", async (lib, t) => {
    const child = run(t, "lifecycle-close.ts", lib, ["connecting", await unboundEndpoint("tcp")])
    await child.exitsCleanly("closed")
    assert.deepEqual(child.lines, ["closed"])
  })

  bothLibs("close() during the handshake with a peer that never answers: the process exits", async (lib, t) => {
    const held: net.Socket[] = []
    const server = net.createServer((s) => {
      s.on("error", () => undefined)
      held.push(s)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    t.after(() => {
      for (const s of held) s.destroy()
      server.close()
    })
    const { port } = server.address() as net.AddressInfo
    const child = run(t, "lifecycle-close.ts", lib, ["handshaking", `tcp://127.0.0.1:${port}`])
    await child.exitsCleanly("closed")
    assert.deepEqual(child.lines, ["closed"])
  })

  bothLibs("close() during a blocked send(): the pending send rejects with EAGAIN and the process exits", async (lib, t) => {
    const child = run(t, "lifecycle-close.ts", lib, ["blocked-send"])
    await child.exitsCleanly("send ")
    assert.deepEqual(child.lines, ["closed", "send rejected EAGAIN"])
  })

  bothLibs("close() during a blocked receive(): the pending receive rejects with EAGAIN and the process exits", async (lib, t) => {
    const child = run(t, "lifecycle-close.ts", lib, ["blocked-receive"])
    await child.exitsCleanly("receive ")
    assert.deepEqual(child.lines, ["closed", "receive rejected EAGAIN"])
  })

  bothLibs("sockets created in a loop and never closed, bound or connected: the process still exits", async (lib, t) => {
    const child = run(t, "lifecycle-sockets.ts", lib, ["unreferenced", "500"])
    await child.exitsCleanly("created ")
    assert.deepEqual(child.lines, ["created 500"])
  })

  bothLibs("a socket no longer referenced is garbage-collected, as zeromq.js's are", async (lib, t) => {
    const child = run(t, "lifecycle-sockets.ts", lib, ["collected", "300"], ["--expose-gc"])
    const e = await child.exited
    assert.deepEqual(child.lines, ["created 300", "collected 300/300"], child.describe())
    assert.equal(e.code, 0, child.describe())
  })
})

// ---- Context maxSockets, in this process --------------------------------------------------

interface SocketCtor {
  new (options: { context: unknown }): { close(): void }
}
const CONTEXTS = {
  zeromq: { Context: zeromq.Context as unknown as new (o: { maxSockets: number }) => { maxSockets: number }, Pull: zeromq.Pull as unknown as SocketCtor },
  "zmq-ts": { Context: zmqts.Context as unknown as new (o: { maxSockets: number }) => { maxSockets: number }, Pull: zmqts.Pull as unknown as SocketCtor },
}

for (const lib of LIBS) {
  void test(`${lib}: Context maxSockets: one socket too many throws EMFILE (errno 24)`, () => {
    const { Context, Pull } = CONTEXTS[lib]
    const context = new Context({ maxSockets: 3 })
    assert.equal(context.maxSockets, 3)
    const socks = [new Pull({ context }), new Pull({ context }), new Pull({ context })]
    assert.throws(() => new Pull({ context }), { code: "EMFILE", errno: 24 })
    for (const s of socks) s.close()
  })
}

// libzmq frees a closed socket's slot later, in its reaper thread, so zeromq.js
// gives no point at which the slot is sure to be free again: zmq-ts only.
void test("zmq-ts: Context maxSockets: closing a socket makes room at once", () => {
  const context = new zmqts.Context({ maxSockets: 2 })
  const socks: zmqts.Socket[] = [new zmqts.Pull({ context }), new zmqts.Push({ context })]
  assert.throws(() => new zmqts.Pair({ context }), { code: "EMFILE", errno: 24 })
  socks[0]!.close()
  socks[0] = new zmqts.Pair({ context })
  assert.throws(() => new zmqts.Pull({ context }), { code: "EMFILE", errno: 24 })
  for (const s of socks) s.close()
})

void test("Context defaults match zeromq.js's", () => {
  const ours = new zmqts.Context()
  const theirs = new zeromq.Context()
  // threadPriority and threadSchedulingPolicy are write-only in zeromq.js (they read as undefined).
  for (const key of ["blocky", "ioThreads", "maxMessageSize", "maxSockets", "ipv6", "maxSocketsLimit"] as const) {
    assert.equal(ours[key], theirs[key], key)
  }
})

/**
 * libzmq peers for the interop tests, behind one interface: the `zeromq` npm
 * package in this process (libzmq 4.3.5), or Debian's python3-zmq (libzmq
 * 4.3.4) in a child process running zmq_peer.py next to this file.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { once } from "node:events"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import * as zeromq from "zeromq"
import { scaled } from "../time.js"

export type PeerKind = "zeromq" | "pyzmq"
export type PeerType = "PUSH" | "PULL" | "PAIR"
export type PeerMode = "bind" | "connect"

export const PYTHON = "/usr/bin/python3"
export const PY_PEER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "zmq_peer.py")

export interface LibzmqPeer {
  readonly kind: PeerKind
  /** The endpoint actually bound (bind mode) or the one connected to. */
  readonly endpoint: string
  /** The zeromq socket's event log; null for a pyzmq peer. */
  readonly events: EventLog<zeromq.Event> | null
  /** Queues one message (PUSH, PAIR). */
  send(frames: Buffer[]): Promise<void>
  /** The next message received (PULL, PAIR). */
  receive(): Promise<Buffer[]>
  /** Connects to one more endpoint. */
  connect(endpoint: string): Promise<void>
  /**
   * Closes the socket; for pyzmq, closes the child's stdin and waits for it to
   * exit. Rejects if the child failed or did not exit on end of input.
   * Idempotent.
   */
  close(): Promise<void>
}

/** Records a socket's events in order and lets a test wait for one type. */
export class EventLog<E extends { type: string }> {
  readonly events: E[] = []
  private waiters: { type: string; resolve: (e: E) => void }[] = []

  push(event: E): void {
    this.events.push(event)
    const ready = this.waiters.filter((w) => w.type === event.type)
    this.waiters = this.waiters.filter((w) => w.type !== event.type)
    for (const w of ready) w.resolve(event)
  }

  /** The first event of this type, past or future. */
  first<T extends E["type"]>(type: T): Promise<Extract<E, { type: T }>> {
    const seen = this.events.find((e) => e.type === type)
    if (seen !== undefined) return Promise.resolve(seen as Extract<E, { type: T }>)
    return new Promise((resolve) => this.waiters.push({ type, resolve: (e) => resolve(e as Extract<E, { type: T }>) }))
  }

  /** The event types recorded so far, in order. */
  get types(): string[] {
    return this.events.map((e) => e.type)
  }
}

/** Every event type zeromq.js and zmq-ts report. */
export const EVENT_TYPES = [
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
  "end",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:auth",
  "handshake:error:other",
  "unknown",
] as const

export async function startPeer(kind: PeerKind, type: PeerType, mode: PeerMode, endpoint: string): Promise<LibzmqPeer> {
  return kind === "zeromq" ? startZeromqPeer(type, mode, endpoint) : PyzmqPeer.start(type, mode, endpoint)
}

// ---- zeromq (in-process) ---------------------------------------------------------

async function startZeromqPeer(type: PeerType, mode: PeerMode, endpoint: string): Promise<LibzmqPeer> {
  const sock = type === "PUSH" ? new zeromq.Push({ linger: 0 }) : type === "PULL" ? new zeromq.Pull({ linger: 0 }) : new zeromq.Pair({ linger: 0 })
  const log = new EventLog<zeromq.Event>()
  for (const t of EVENT_TYPES) sock.events.on(t, (e) => log.push(e))
  try {
    if (mode === "bind") {
      await sock.bind(endpoint)
      endpoint = sock.lastEndpoint ?? endpoint
    } else {
      sock.connect(endpoint)
    }
  } catch (err) {
    sock.close()
    throw err
  }
  return {
    kind: "zeromq",
    endpoint,
    events: log,
    send: (frames) => {
      if (sock instanceof zeromq.Pull) throw new Error("a PULL peer cannot send")
      return sock.send(frames)
    },
    receive: () => {
      if (sock instanceof zeromq.Push) throw new Error("a PUSH peer cannot receive")
      return sock.receive()
    },
    connect: (ep) => {
      sock.connect(ep)
      return Promise.resolve()
    },
    close: () => {
      sock.close()
      return Promise.resolve()
    },
  }
}

// ---- pyzmq (child process) ---------------------------------------------------------

/** How long a pyzmq peer may take to exit once its stdin is closed, before it is killed. */
const EXIT_GUARD_MS = scaled(5000)

class PyzmqPeer implements LibzmqPeer {
  readonly kind = "pyzmq"
  readonly events = null
  endpoint = ""
  private readonly child: ChildProcessWithoutNullStreams
  private readonly exited: Promise<void>
  private exitInfo: string | null = null
  private stderr = ""
  private readonly inbox: Buffer[][] = []
  private waiter: { resolve: (m: Buffer[]) => void; reject: (e: Error) => void } | null = null
  private endpointWaiter: { resolve: (ep: string) => void; reject: (e: Error) => void } | null = null
  private closing: Promise<void> | null = null

  private constructor(type: PeerType, mode: PeerMode, endpoint: string) {
    this.child = spawn(PYTHON, [PY_PEER_SCRIPT, type, mode, endpoint], { stdio: ["pipe", "pipe", "pipe"] })
    this.child.stdin.on("error", () => undefined) // EPIPE if it died; reported via exit
    this.child.stderr.setEncoding("utf8")
    this.child.stderr.on("data", (s: string) => (this.stderr += s))
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity })
    lines.on("line", (line) => this.onLine(line))
    this.exited = new Promise<void>((resolve) => {
      this.child.once("error", (err) => {
        this.exitInfo = `failed to start: ${err.message}`
        resolve()
      })
      this.child.once("close", (code, signal) => {
        this.exitInfo = signal !== null ? `killed by ${signal}` : `exit code ${code}`
        resolve()
      })
    })
    void this.exited.then(() => this.failPending())
  }

  static async start(type: PeerType, mode: PeerMode, endpoint: string): Promise<PyzmqPeer> {
    const peer = new PyzmqPeer(type, mode, endpoint)
    try {
      peer.endpoint = await new Promise<string>((resolve, reject) => {
        peer.endpointWaiter = { resolve, reject }
      })
    } catch (err) {
      await peer.close().catch(() => undefined)
      throw err
    }
    return peer
  }

  private onLine(line: string): void {
    let msg: { endpoint?: string; recv?: string[] }
    try {
      msg = JSON.parse(line) as typeof msg
    } catch {
      this.stderr += `unparsable stdout line: ${line.slice(0, 200)}\n`
      this.child.kill("SIGKILL") // fails whatever waits on it, with this in the message
      return
    }
    if (msg.endpoint !== undefined) {
      const w = this.endpointWaiter
      this.endpointWaiter = null
      w?.resolve(msg.endpoint)
    } else if (msg.recv !== undefined) {
      const frames = msg.recv.map((hex) => Buffer.from(hex, "hex"))
      const w = this.waiter
      if (w !== null) {
        this.waiter = null
        w.resolve(frames)
      } else {
        this.inbox.push(frames)
      }
    }
  }

  private failure(): Error {
    return new Error(`pyzmq peer ended (${this.exitInfo ?? "closed"})${this.stderr ? `; stderr:\n${this.stderr}` : ""}`)
  }

  private failPending(): void {
    const err = this.failure()
    this.endpointWaiter?.reject(err)
    this.endpointWaiter = null
    this.waiter?.reject(err)
    this.waiter = null
  }

  private command(cmd: object): Promise<void> {
    if (this.exitInfo !== null || this.closing !== null) return Promise.reject(this.failure())
    if (this.child.stdin.write(JSON.stringify(cmd) + "\n")) return Promise.resolve()
    return once(this.child.stdin, "drain").then(() => undefined)
  }

  send(frames: Buffer[]): Promise<void> {
    return this.command({ send: frames.map((f) => f.toString("hex")) })
  }

  connect(endpoint: string): Promise<void> {
    return this.command({ connect: endpoint })
  }

  receive(): Promise<Buffer[]> {
    const next = this.inbox.shift()
    if (next !== undefined) return Promise.resolve(next)
    if (this.exitInfo !== null) return Promise.reject(this.failure())
    if (this.waiter !== null) return Promise.reject(new Error("a receive is already pending"))
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.child.stdin.end()
    let timer: NodeJS.Timeout | undefined
    const killed = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), EXIT_GUARD_MS)
      }),
    ])
    clearTimeout(timer)
    if (killed) {
      this.child.kill("SIGKILL")
      await this.exited
      throw new Error(`pyzmq peer did not exit within ${EXIT_GUARD_MS} ms of stdin closing; killed it`)
    }
    if (this.child.exitCode !== 0) throw this.failure()
  }
}

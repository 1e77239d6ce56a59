/**
 * Shared helpers for the spec tests: fresh endpoints per transport, one test
 * per transport, socket clean-up, waiting on socket events, filling a path
 * to a peer until the sender blocks, and a raw ZMTP peer.
 *
 * Synchronisation is always on events or promises. The only timer-based
 * primitive is the sender's own sendTimeout in fillUntilBlocked(): an EAGAIN
 * after STALL_MS without progress is how we learn that every queue between
 * the sender and a peer that does not read (including kernel buffers on
 * tcp/ipc) is full.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test, type TestContext } from "node:test"
import { type EventType, type MessageLike, type Socket } from "../../src/index.js"
import { ZmqError } from "../../src/util.js"
import { scaled } from "./time.js"

export type Transport = "tcp" | "ipc" | "inproc" | "ws"
export const TRANSPORTS: readonly Transport[] = ["tcp", "ipc", "inproc"]

/**
 * ws:// (RFC 45) joins the transports of the spec files that call this
 * first (the pipeline, request-reply and pub-sub families): a module flag,
 * since each test file runs in its own process.
 */
let withWs = false
export function alsoOverWs(): void {
  withWs = true
}

const uid = (): string => `${process.pid}-${randomBytes(6).toString("hex")}`

/** A fresh address to bind: tcp on a wildcard port, an unused ipc path, a unique inproc name. */
export function freshAddress(t: Transport): string {
  switch (t) {
    case "tcp":
      return "tcp://127.0.0.1:*"
    case "ipc": {
      const path = join(tmpdir(), `zmq-ts-spec-${uid()}.sock`)
      // sockaddr_un holds 107 bytes; fall back to the abstract namespace for a long TMPDIR.
      return Buffer.byteLength(path) <= 100 ? `ipc://${path}` : `ipc://@zmq-ts-spec-${uid()}`
    }
    case "inproc":
      return `inproc://spec-${uid()}`
    case "ws":
      return "ws://127.0.0.1:*/spec"
  }
}

/** Binds `sock` to a fresh address and returns the endpoint peers connect to (lastEndpoint). */
export async function bindFresh(sock: Socket, t: Transport): Promise<string> {
  await sock.bind(freshAddress(t))
  const endpoint = sock.lastEndpoint
  assert.ok(endpoint !== null, "lastEndpoint is set after bind")
  if (t === "tcp") assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/)
  return endpoint
}

/**
 * An endpoint nothing is bound to yet, for connect-before-bind. For tcp the
 * kernel picks a free port, which is released again at once.
 */
export async function unboundEndpoint(t: Transport): Promise<string> {
  if (t !== "tcp" && t !== "ws") return freshAddress(t)
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return t === "ws" ? `ws://127.0.0.1:${port}/spec` : `tcp://127.0.0.1:${port}`
}

export interface TransportTestOptions {
  /** Failure guard for each test, in ms (scaled by ZMQ_TS_TIME_SCALE). */
  timeout?: number
  /**
   * Transports on which the clause does not apply, with the reason. Such a
   * test is not registered at all for that transport (rather than shown as
   * skipped), so the count of tests run is the count of behaviours checked.
   */
  skip?: Partial<Record<Transport, string>>
}

/** Registers `name [tcp]`, `name [ipc]` and `name [inproc]` (and `name [ws]` after alsoOverWs()). */
export function eachTransport(name: string, fn: (t: Transport, ctx: TestContext) => Promise<void>, options: TransportTestOptions = {}): void {
  for (const t of withWs ? [...TRANSPORTS, "ws" as const] : TRANSPORTS) {
    if (options.skip?.[t] !== undefined) continue
    void test(`${name} [${t}]`, { timeout: scaled(options.timeout ?? 10_000) }, (ctx) => fn(t, ctx))
  }
}

/**
 * Returns `own`: it registers a socket to be closed when the test ends,
 * however it ends, and hands it back.
 */
export function sockets(ctx: TestContext): <S extends Socket>(socket: S) => S {
  const opened: Socket[] = []
  ctx.after(() => {
    for (const s of opened) s.close()
  })
  return (socket) => {
    opened.push(socket)
    return socket
  }
}

/** Resolves after `count` events of `type` on `sock`. Call it before the action that causes them. */
export function nextEvents(sock: Socket, type: EventType, count = 1): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    const listener = (): void => {
      if (++seen < count) return
      sock.events.off(type, listener)
      resolve()
    }
    sock.events.on(type, listener)
  })
}

/**
 * Resolves once `sock` has completed `count` handshakes. inproc has no
 * handshake: connect() (or the bind that a connect waited for) joins the two
 * sockets before it returns, so it resolves at once. Call it before connecting.
 */
export function handshakes(sock: Socket, t: Transport, count = 1): Promise<void> {
  return t === "inproc" ? Promise.resolve() : nextEvents(sock, "handshake", count)
}

/**
 * Resolves once `sock` has seen `count` peers go away. inproc peers are
 * detached synchronously by close()/disconnect(), so it resolves at once.
 */
export function disconnects(sock: Socket, t: Transport, count = 1): Promise<void> {
  return t === "inproc" ? Promise.resolve() : nextEvents(sock, "disconnect", count)
}

export interface Sender {
  send(message: MessageLike | MessageLike[]): Promise<void>
  sendTimeout: number
}

export interface Receiver {
  receive(): Promise<Buffer[]>
  receiveTimeout: number
}

/** A promise whose settlement can be checked synchronously. */
export interface Tracked<T> {
  readonly promise: Promise<T>
  readonly settled: boolean
}

export function track<T>(p: Promise<T>): Tracked<T> {
  let settled = false
  const promise = p.finally(() => {
    settled = true
  })
  return {
    promise,
    get settled() {
      return settled
    },
  }
}

/** Asserts that `p` rejects with a ZmqError carrying `code`. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ZmqError, `expected a ZmqError, got ${String(err)}`)
    assert.equal(err.code, code)
    return true
  })
}

/**
 * Asserts that libzmq refuses `op` in the socket's present state with `code`
 * (EFSM, EHOSTUNREACH). zeromq.js only reports that at once with a zero
 * timeout; otherwise it waits for the state to allow the operation.
 */
export async function refusedInState(
  sock: { sendTimeout: number; receiveTimeout: number },
  op: () => Promise<unknown>,
  code: string,
): Promise<void> {
  const { sendTimeout, receiveTimeout } = sock
  sock.sendTimeout = 0
  sock.receiveTimeout = 0
  try {
    await rejectsWith(op(), code)
  } finally {
    sock.sendTimeout = sendTimeout
    sock.receiveTimeout = receiveTimeout
  }
}

/** A message's frames as strings. */
export const text = (msg: Buffer[]): string[] => msg.map((f) => f.toString())

/** Receives `n` messages and returns their first frames as strings. */
export async function receiveLabels(sock: Receiver, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const msg = await sock.receive()
    out.push(msg[0]!.toString())
  }
  return out
}

/** ["m0", "m1", ...] */
export const labels = (prefix: string, n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`)

/**
 * Padding frame for floods. At 64 KiB a few hundred messages fill the
 * kernel's socket buffers on tcp and ipc; frames this large are passed by
 * reference, so sending it repeatedly costs no copy.
 */
export const PAD = Buffer.alloc(64 * 1024, 0x5a)

/** How long a send must make no progress before fillUntilBlocked() calls the path full. */
export const STALL_MS = 250

/**
 * Sends [label(i), PAD] for i = 0, 1, ... until a send fails with EAGAIN,
 * and returns how many messages were accepted. The caller arranges that the
 * peer does not read, so EAGAIN means every queue up to and including the
 * peer's receive queue is full (on tcp/ipc, the kernel buffers as well).
 * inproc has no I/O in between, so the first would-block is final and the
 * send uses sendTimeout 0; tcp/ipc need STALL_MS without progress.
 */
export async function fillUntilBlocked(sock: Sender, t: Transport, label: (i: number) => string): Promise<number> {
  const saved = sock.sendTimeout
  // Scaled like a guard: on a saturated machine the engines between here and the peer can go unscheduled
  // for longer than STALL_MS while the path still has room, and a false "full" breaks the caller's premise.
  sock.sendTimeout = t === "inproc" ? 0 : scaled(STALL_MS)
  try {
    for (let n = 0; n < 20_000; n++) {
      try {
        await sock.send([label(n), PAD])
      } catch (err) {
        if (err instanceof ZmqError && err.code === "EAGAIN") return n
        throw err
      }
    }
    throw new Error("the sender never blocked: its queues look unbounded")
  } finally {
    sock.sendTimeout = saved
  }
}

// ---- a raw ZMTP 3.0 peer (NULL mechanism) over tcp or ipc --------------------

/** Encodes one ZMTP frame (RFC 23/37): flags, short or long size, body. */
export function zmtpFrame(body: Buffer, opts: { more?: boolean; command?: boolean } = {}): Buffer {
  const flags = (opts.more ? 0x01 : 0) | (opts.command ? 0x04 : 0)
  if (body.length <= 255) return Buffer.concat([Buffer.of(flags, body.length), body])
  const head = Buffer.alloc(9)
  head[0] = flags | 0x02
  head.writeBigUInt64BE(BigInt(body.length), 1)
  return Buffer.concat([head, body])
}

function zmtpGreeting(): Buffer {
  const g = Buffer.alloc(64)
  g[0] = 0xff
  g[9] = 0x7f
  g[10] = 3
  g[11] = 0
  g.write("NULL", 12, "ascii")
  return g
}

function zmtpReady(socketType: string): Buffer {
  const name = Buffer.from("Socket-Type", "ascii")
  const value = Buffer.from(socketType, "ascii")
  const len = Buffer.alloc(4)
  len.writeUInt32BE(value.length)
  const body = Buffer.concat([Buffer.of(5), Buffer.from("READY", "ascii"), Buffer.of(name.length), name, len, value])
  return zmtpFrame(body, { command: true })
}

/** Length of the greeting plus the first command frame in `buf`, or 0 if not all there yet. */
function greetingAndCommandLength(buf: Buffer): number {
  if (buf.length < 66) return 0
  const long = (buf[64]! & 0x02) !== 0
  if (long && buf.length < 73) return 0
  const total = long ? 73 + Number(buf.readBigUInt64BE(65)) : 66 + buf[65]!
  return buf.length >= total ? total : 0
}

/**
 * Opens a plain net.Socket to a tcp or ipc endpoint, sends a ZMTP 3.0
 * greeting and READY as `socketType`, and resolves once the peer's greeting
 * and READY are in: from then on, whatever the caller writes is taken as
 * message frames (libzmq, unlike zmq-ts, rejects frames sent earlier).
 */
export async function rawZmtpPeer(endpoint: string, socketType: string): Promise<net.Socket> {
  let stream: net.Socket
  const tcp = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint)
  if (tcp !== null) {
    stream = net.createConnection({ host: tcp[1]!, port: Number(tcp[2]) })
  } else if (endpoint.startsWith("ipc://")) {
    const path = endpoint.slice("ipc://".length)
    stream = net.createConnection({ path: path.startsWith("@") ? "\0" + path.slice(1) : path })
  } else {
    throw new Error(`rawZmtpPeer: unsupported endpoint ${endpoint}`)
  }
  let received = Buffer.alloc(0)
  await new Promise<void>((resolve, reject) => {
    stream.once("error", reject)
    stream.once("close", () => reject(new Error("rawZmtpPeer: the peer closed the connection during the handshake")))
    stream.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (greetingAndCommandLength(received) > 0) resolve()
    })
    stream.once("connect", () => stream.write(Buffer.concat([zmtpGreeting(), zmtpReady(socketType)])))
  })
  stream.removeAllListeners("close")
  stream.removeAllListeners("error")
  stream.removeAllListeners("data")
  stream.on("error", () => undefined)
  stream.on("data", () => undefined) // anything the peer sends later is not needed
  return stream
}

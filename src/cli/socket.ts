/**
 * Making a socket from the command line's flags, through the public API
 * only, and explaining in one line why it could not talk to anyone.
 */
import nacl from "tweetnacl"
import * as zmq from "../index.js"
import { z85Decode, z85Encode } from "../util.js"
import { int, list, socketOptions, str, UsageError, type Values } from "./options.js"

type Ctor = new (options?: object) => zmq.Socket

/**
 * Socket types by the name libzmq's tools use. Draft types are loaded only
 * when asked for: importing zmq-ts/draft prints an "experimental" warning.
 */
type DraftName = "Client" | "Scatter" | "Gather" | "Channel"
export const SOCKET_CLASSES: Record<string, Ctor | DraftName> = {
  pair: zmq.Pair,
  pub: zmq.Publisher,
  sub: zmq.Subscriber,
  req: zmq.Request,
  rep: zmq.Reply,
  dealer: zmq.Dealer,
  router: zmq.Router,
  pull: zmq.Pull,
  push: zmq.Push,
  xpub: zmq.XPublisher,
  xsub: zmq.XSubscriber,
  stream: zmq.Stream,
  // Draft types whose send/receive take no routing arguments.
  client: "Client",
  scatter: "Scatter",
  gather: "Gather",
  channel: "Channel",
}

export const TYPE_NAMES = Object.keys(SOCKET_CLASSES).join("|")

export interface Sender {
  send(message: Buffer[]): Promise<void>
}
export interface Receiver {
  receive(): Promise<Buffer[]>
}

export function canSend(s: zmq.Socket): s is zmq.Socket & Sender {
  return typeof (s as Partial<Sender>).send === "function"
}
export function canReceive(s: zmq.Socket): s is zmq.Socket & Receiver {
  return typeof (s as Partial<Receiver>).receive === "function"
}

/** What an event's error code usually means, for the people reading it at 3 a.m. */
const HINTS: Record<string, string> = {
  ERR_ZMTP_MECHANISM_MISMATCH: "the two sides use different security mechanisms (NULL, PLAIN, CURVE): check --curve-*/--plain-* on both",
  ERR_ZMTP_INVALID_METADATA: "bad READY metadata, usually incompatible socket types (e.g. push to push)",
  ERR_ZMTP_CRYPTOGRAPHIC: "CURVE keys do not match: the client's --curve-serverkey must be the server's public key",
  ERR_ZMTP_KEY_EXCHANGE: "CURVE key exchange failed: check the keys on both sides",
  ERR_ZMTP_UNEXPECTED_COMMAND: "the peer sent a command out of turn (both CURVE/PLAIN servers, or both clients?)",
  ECONNREFUSED: "nothing listens there",
  // libzmq drops a connection without a word when it rejects the greeting.
  EPIPE: "the peer hung up during the handshake: often a security mechanism mismatch (NULL/PLAIN/CURVE) or incompatible socket types",
  ECONNRESET: "the peer reset the connection during the handshake: often a security mechanism mismatch or incompatible socket types",
}

/** An event error in one line: its message, code or ZAP status, and what that usually means. */
export function describeError(error: { message: string; code?: string; status?: number }): string {
  const code = error.code ?? (error.status !== undefined ? `ZAP ${error.status}` : undefined)
  const hint = error.code !== undefined ? HINTS[error.code] : error.status === 400 ? "credentials refused by the server's ZAP handler" : undefined
  return `${error.message}${code !== undefined ? ` (${code})` : ""}${hint !== undefined ? ` - ${hint}` : ""}`
}

/**
 * The last thing that went wrong on a socket's connections, kept so that a
 * timeout can say "connection refused" rather than just "timed out".
 */
export class Diagnosis {
  private last: string | null = null
  private connected = false
  private waiters: (() => void)[] = []

  constructor(socket: zmq.Socket) {
    const ev = socket.events
    ev.on("connect:retry", (e) => this.note(`cannot connect to ${e.address} (refused or unreachable; retrying every ${e.interval} ms)`))
    ev.on("bind:error", (e) => this.note(`cannot bind ${e.address}: ${describeError(e.error)}`))
    ev.on("accept:error", (e) => this.note(`cannot accept on ${e.address}: ${e.error.message}`))
    ev.on("handshake:error:protocol", (e) => this.note(`handshake with ${e.address} failed: ${describeError(e.error)}`))
    ev.on("handshake:error:auth", (e) => this.note(`handshake with ${e.address} failed: ${describeError(e.error)}`))
    ev.on("handshake:error:other", (e) => this.note(`handshake with ${e.address} failed: ${describeError(e.error)}`))
    ev.on("disconnect", (e) => {
      // The handshake failure that caused a disconnect says more than the disconnect.
      if (e.error !== undefined || this.last === null || !this.last.startsWith("handshake")) {
        this.note(`${e.address} disconnected${e.error ? ": " + describeError(e.error) : ""}`)
      }
    })
    ev.on("handshake", () => {
      this.last = null
      this.connected = true
      for (const w of this.waiters.splice(0)) w()
    })
  }

  /**
   * Resolves once a peer has completed a handshake. A connecting socket
   * queues messages before that (libzmq's rule), so a command that sends
   * and exits would otherwise "succeed" towards a peer that is not there.
   */
  peer(): Promise<void> {
    if (this.connected) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private note(what: string): void {
    this.last = what
  }

  /** A one-line reason for `what` (e.g. "no message in 500 ms") not having happened. */
  explain(what: string): string {
    return this.last === null ? what : `${what}: ${this.last}`
  }
}

/** CURVE client keys: made up when only the server's key is given, as a client's own key only identifies it. */
function curveClientKeys(opts: Record<string, string | number | boolean>): void {
  if (opts.curveServerKey === undefined || opts.curveServer === true) return
  const secret = opts.curveSecretKey
  if (secret === undefined) {
    if (opts.curvePublicKey !== undefined) throw new UsageError("--curve-publickey needs --curve-secretkey")
    const pair = zmq.curveKeyPair()
    opts.curvePublicKey = pair.publicKey
    opts.curveSecretKey = pair.secretKey
  } else if (opts.curvePublicKey === undefined) {
    if (typeof secret !== "string" || secret.length !== 40) throw new UsageError("--curve-secretkey must be 40 characters of Z85")
    opts.curvePublicKey = z85Encode(nacl.scalarMult.base(z85Decode(secret)))
  }
}

export interface Made {
  socket: zmq.Socket
  diagnosis: Diagnosis
}

/**
 * A socket of `--type` (or `type`), with the option flags applied, bound and
 * connected as the flags say. `defaults` are options the command wants
 * unless the user set them (e.g. linger); `beforeEndpoints` sees the socket
 * before it binds or connects.
 */
export async function makeSocket(
  v: Values,
  type: string | undefined,
  defaults: Record<string, number | boolean> = {},
  beforeEndpoints?: (socket: zmq.Socket) => void,
): Promise<Made> {
  const name = (type ?? str(v, "type") ?? "").toLowerCase()
  if (name === "") throw new UsageError(`--type is required (${TYPE_NAMES})`)
  const entry = SOCKET_CLASSES[name]
  if (entry === undefined) throw new UsageError(`unknown socket type ${JSON.stringify(name)} (${TYPE_NAMES})`)
  const opts = { ...defaults, ...socketOptions(v) }
  curveClientKeys(opts)
  const ctor: Ctor = typeof entry === "string" ? (await import("../draft.js"))[entry] : entry
  let socket: zmq.Socket
  try {
    socket = new ctor(opts)
  } catch (err) {
    throw new UsageError(`${name} socket: ${(err as Error).message}`)
  }
  const diagnosis = new Diagnosis(socket)
  // Listeners added later would miss the bind event.
  beforeEndpoints?.(socket)
  const binds = list(v, "bind")
  const connects = list(v, "connect")
  if (binds.length + connects.length === 0) {
    socket.close()
    throw new UsageError("give at least one --bind or --connect endpoint")
  }
  try {
    for (const ep of binds) await socket.bind(ep)
    for (const ep of connects) socket.connect(ep)
  } catch (err) {
    socket.close()
    throw new Error(`${binds.length ? "bind" : "connect"} failed: ${(err as Error).message}`)
  }
  return { socket, diagnosis }
}

/** The endpoints a socket really bound (tcp://*:0 becomes a port), for stderr. */
export function announceBinds(socket: zmq.Socket, v: Values, quiet: boolean): void {
  if (quiet || list(v, "bind").length === 0) return
  process.stderr.write(`bound ${socket.lastEndpoint ?? ""}\n`)
}

/** `--timeout MS` (0 or absent: wait for ever). */
export function timeoutOf(v: Values): number {
  return int(v, "timeout", 0)
}

/**
 * `op` or a rejection after `ms` (0: none) with `diagnosis`'s explanation.
 * The timer is cleared either way so it cannot keep the process alive.
 */
export async function within<T>(op: Promise<T>, ms: number, what: string, diagnosis: Diagnosis): Promise<T> {
  if (ms <= 0) return op
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(diagnosis.explain(`timeout: ${what} in ${ms} ms`))), ms)
  })
  try {
    return await Promise.race([op, timeout])
  } finally {
    clearTimeout(timer)
  }
}

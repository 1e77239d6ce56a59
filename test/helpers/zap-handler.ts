/**
 * A ZAP handler (RFC 27 "ZeroMQ Authentication Protocol") for the security
 * tests: a REP (or ROUTER) socket bound at inproc://zeromq.zap.01 in the
 * server's context, answering each request with whatever its policy says.
 * It works with zmq-ts's sockets and with zeromq.js's, whose API is the same.
 *
 * Every request is recorded, and a test can wait for the n-th one. A policy
 * may return a promise: the reply is held until it settles (a slow handler).
 */
import { z85Decode } from "../../src/util.js"

/** The endpoint libzmq (and zmq-ts) ask for a ZAP verdict. */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01"

/** A request as the handler receives it (after its socket has taken the envelope off). */
export interface ZapRequest {
  version: string
  requestId: string
  domain: string
  address: string
  identity: Buffer
  mechanism: string
  credentials: Buffer[]
  /** Every frame after the envelope, as received. */
  frames: Buffer[]
}

export type ZapStatus = "200" | "300" | "400" | "500"

/**
 * A well-formed verdict (version and request id are echoed from the request),
 * or `raw`: the exact frames to send after the envelope, for malformed
 * replies; with a ROUTER handler, `omitDelimiter` also leaves the empty
 * delimiter out of the envelope.
 */
export type ZapVerdict = { status: ZapStatus; text?: string; userId?: string; metadata?: Buffer } | { raw: (Buffer | string)[]; omitDelimiter?: boolean }

export type ZapPolicy = (req: ZapRequest) => ZapVerdict | Promise<ZapVerdict>

/** What the handler needs of its socket: a zmq-ts or zeromq Reply or Router. */
export interface ZapSocket {
  bind(address: string): Promise<void>
  receive(): Promise<Buffer[]>
  send(message: (Buffer | string)[]): Promise<void>
  close(): void
}

export interface ZapHandlerOptions {
  /** The socket is a ROUTER: the envelope (routing id and empty delimiter) is handled here. */
  router?: boolean
}

export class ZapHandler {
  /** Every request received so far, in order. */
  readonly requests: ZapRequest[] = []
  /** Decides each reply; may be replaced at any time (applies to later requests). */
  policy: ZapPolicy
  private readonly socket: ZapSocket
  private readonly options: ZapHandlerOptions
  private waiters: { n: number; resolve: (r: ZapRequest) => void }[] = []
  private readonly loop: Promise<void>
  private closed = false
  private failure: Error | null = null

  private constructor(socket: ZapSocket, policy: ZapPolicy, options: ZapHandlerOptions) {
    this.socket = socket
    this.policy = policy
    this.options = options
    this.loop = this.run()
  }

  /** Binds `socket` at inproc://zeromq.zap.01 and starts answering. */
  static async start(socket: ZapSocket, policy: ZapPolicy, options: ZapHandlerOptions = {}): Promise<ZapHandler> {
    try {
      await socket.bind(ZAP_ENDPOINT)
    } catch (err) {
      socket.close()
      throw err
    }
    return new ZapHandler(socket, policy, options)
  }

  /** The n-th request (0-based), already received or still to come. */
  request(n = 0): Promise<ZapRequest> {
    const seen = this.requests[n]
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve) => this.waiters.push({ n, resolve }))
  }

  /** Closes the socket and waits for the loop to end; rethrows what broke the loop, if anything. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.socket.close()
    }
    await this.loop
    if (this.failure !== null) throw this.failure
  }

  private async run(): Promise<void> {
    for (;;) {
      let msg: Buffer[]
      try {
        msg = await this.socket.receive()
      } catch (err) {
        if (!this.closed) this.failure = err instanceof Error ? err : new Error(String(err))
        return
      }
      try {
        let envelope: Buffer[] = []
        if (this.options.router === true) {
          const delimiter = msg.findIndex((f) => f.length === 0)
          envelope = msg.slice(0, delimiter + 1)
          msg = msg.slice(delimiter + 1)
        }
        const req = parseRequest(msg)
        this.requests.push(req)
        const ready = this.waiters.filter((w) => w.n < this.requests.length)
        this.waiters = this.waiters.filter((w) => w.n >= this.requests.length)
        for (const w of ready) w.resolve(this.requests[w.n]!)
        const verdict = await this.policy(req)
        if (this.closed) return
        if ("raw" in verdict && verdict.omitDelimiter === true) envelope = envelope.slice(0, -1)
        await this.socket.send([...envelope, ...replyFrames(req, verdict)])
      } catch (err) {
        if (!this.closed) this.failure = err instanceof Error ? err : new Error(String(err))
        return
      }
    }
  }
}

function parseRequest(frames: Buffer[]): ZapRequest {
  const [version, requestId, domain, address, identity, mechanism, ...credentials] = frames
  if (mechanism === undefined) throw new Error(`ZAP request has only ${frames.length} frames`)
  return {
    version: version!.toString(),
    requestId: requestId!.toString(),
    domain: domain!.toString(),
    address: address!.toString(),
    identity: identity!,
    mechanism: mechanism.toString(),
    credentials,
    frames,
  }
}

function replyFrames(req: ZapRequest, verdict: ZapVerdict): (Buffer | string)[] {
  if ("raw" in verdict) return verdict.raw
  return [req.version, req.requestId, verdict.status, verdict.text ?? (verdict.status === "200" ? "OK" : "refused"), verdict.userId ?? "", verdict.metadata ?? Buffer.alloc(0)]
}

// ---- policies ------------------------------------------------------------------------

/** Lets everyone in. */
export const allowAll =
  (userId = ""): ZapPolicy =>
  () => ({ status: "200", userId })

/** Refuses everyone with `status`. */
export const refuseAll =
  (status: Exclude<ZapStatus, "200">): ZapPolicy =>
  () => ({ status })

/** PLAIN: lets in the listed users with their passwords (User-Id = user name); 400 otherwise. */
export function plainUsers(users: Record<string, string>): ZapPolicy {
  return (req) => {
    if (req.mechanism !== "PLAIN" || req.credentials.length !== 2) return { status: "400" }
    const [user, password] = req.credentials.map((c) => c.toString())
    if (Object.hasOwn(users, user!) && users[user!] === password) return { status: "200", userId: user! }
    return { status: "400", text: "bad credentials" }
  }
}

/** CURVE: lets in the clients whose 32-byte public key is one of `keys` (Z85); 400 otherwise. */
export function curveClients(keys: readonly string[]): ZapPolicy {
  const allowed = keys.map((k) => Buffer.from(z85Decode(k)))
  return (req) => {
    const [key] = req.credentials
    if (req.mechanism === "CURVE" && req.credentials.length === 1 && key!.length === 32 && allowed.some((a) => a.equals(key!))) {
      return { status: "200" }
    }
    return { status: "400", text: "unknown client key" }
  }
}

/**
 * `policy` with the User-Id left empty, for a libzmq (zeromq) server. With a
 * non-empty User-Id, libzmq 4.3 queues a "credential" message for its socket
 * ahead of the connection's first message (stream_engine_base_t::
 * write_credential): pipe_t::check_read counts it and pipe_t::read skips it,
 * so while that first message is only partly received ZMQ_EVENTS reports
 * POLLIN and zeromq.js's receive() rejects with EAGAIN instead of waiting
 * (test/interop/zap-user-id.test.ts shows it). The User-Id never reaches a
 * zmq-ts client, so leaving it out costs those tests nothing.
 */
export function withoutUserId(policy: ZapPolicy): ZapPolicy {
  return async (req) => {
    const verdict = await policy(req)
    return "raw" in verdict ? verdict : { ...verdict, userId: "" }
  }
}

/** A promise the test resolves by hand: for a handler that replies only when told to. */
export function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => (open = resolve))
  return { promise, open }
}

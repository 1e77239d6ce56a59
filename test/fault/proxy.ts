/**
 * FaultProxy: an in-process TCP relay between a connecting ZeroMQ socket (the
 * "client") and a bound one (the "target"), that a test drives to inject
 * network faults:
 *
 * - pass-through (the default), with TCP backpressure both ways: a chunk is
 *   read from one side only when the other side has taken the previous one;
 * - stall(direction): stop reading (and so forwarding) one direction. The
 *   sender's kernel buffers then fill up and its TCP window closes, exactly
 *   like a peer that stopped reading; nothing piles up in the proxy;
 * - blackhole(): bytes are still read from both sides but dropped silently,
 *   and closes are not propagated either: each peer keeps an open connection
 *   on which nothing ever arrives (a network partition, as heartbeats see it);
 * - reset(): RST to both sides (socket.resetAndDestroy());
 * - fin(): FIN to both sides (socket.end()), then the sockets are destroyed
 *   once closed;
 * - cutAfter(direction, n, how): forward exactly n more bytes in one
 *   direction, then kill the connection (RST or FIN) on both sides, e.g. in the
 *   middle of a multipart message;
 * - stopListening() / listen() / restart(): refuse new connections, accept
 *   them again on the same port; restart() also kills every connection.
 *
 * "client → target" is "c2s", "target → client" is "s2c".
 *
 * Events: "connection" (a Link), "closed" (a Link), "dropped" (direction,
 * bytes) for what a blackhole swallowed.
 *
 * Everything is bounded and stops by itself: the proxy buffers at most one
 * socket's high-water mark per direction (it reads only when the other side
 * has room, and a stalled direction is not read at all); blackholed bytes are
 * only counted; the server and every socket are unref'd, so the proxy never
 * keeps a process alive; half-closed sockets are destroyed after
 * CLOSE_GRACE_MS; and the whole proxy closes itself after `lifetimeMs`.
 */
import { EventEmitter } from "node:events"
import * as net from "node:net"
import { scaled } from "../helpers/time.js"

export type Direction = "c2s" | "s2c"
export type Kill = "rst" | "fin"

export interface ProxyOptions {
  /** The proxy closes itself (every connection, the listener) after this long. Default 120 s. */
  lifetimeMs?: number
  /** Blackhole every connection accepted from now on (see blackhole()). Default false. */
  blackholeNew?: boolean
}

export interface ProxyStats {
  /** Connections accepted since the start. */
  accepted: number
  /** Connections currently open (either side still open). */
  open: number
  /** Bytes forwarded in each direction. */
  forwarded: Record<Direction, number>
  /** Bytes read and dropped by a blackhole, in each direction. */
  dropped: Record<Direction, number>
}

/** Half-closed or ended sockets are destroyed after this long, whatever the peer does. */
const CLOSE_GRACE_MS = scaled(2000)

function rst(s: net.Socket): void {
  if (s.destroyed) return
  try {
    s.resetAndDestroy()
  } catch {
    s.destroy()
  }
}

function fin(s: net.Socket): void {
  if (s.destroyed) return
  s.end()
  setTimeout(() => s.destroy(), CLOSE_GRACE_MS).unref()
}

/**
 * One relayed connection: the socket accepted from the client and the one
 * opened to the target.
 */
export class Link {
  readonly id: number
  readonly client: net.Socket
  readonly server: net.Socket
  /** Resolves when both sockets have closed. */
  readonly closed: Promise<void>
  private blackholed = false
  private dead = false
  private readonly stalled: Record<Direction, boolean> = { c2s: false, s2c: false }
  /** The destination of the direction did not take the last write: wait for 'drain'. */
  private readonly blocked: Record<Direction, boolean> = { c2s: false, s2c: false }
  private readonly cuts: Record<Direction, { left: number; how: Kill; done: () => void } | null> = { c2s: null, s2c: null }
  private upstreamReady = false

  constructor(
    id: number,
    client: net.Socket,
    target: { host: string; port: number },
    private readonly stats: ProxyStats,
    options: { blackhole: boolean; stalled: Record<Direction, boolean> },
    private readonly onDrop: (d: Direction, n: number) => void,
    private readonly onForward: (d: Direction, n: number) => void,
  ) {
    this.id = id
    this.client = client
    this.blackholed = options.blackhole
    this.stalled = { ...options.stalled }
    client.unref()
    client.setNoDelay(true)
    client.pause()
    this.server = net.createConnection({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true })
    this.server.unref()
    this.server.pause()
    const closedOne = (s: net.Socket): Promise<void> => new Promise((resolve) => s.once("close", () => resolve()))
    this.closed = Promise.all([closedOne(client), closedOne(this.server)]).then(() => undefined)
    this.server.once("connect", () => {
      this.upstreamReady = true
      this.update()
    })
    this.relay("c2s", client, this.server)
    this.relay("s2c", this.server, client)
    this.update()
  }

  /** The socket bytes of `d` are read from. */
  private source(d: Direction): net.Socket {
    return d === "c2s" ? this.client : this.server
  }

  private relay(d: Direction, from: net.Socket, to: net.Socket): void {
    from.on("data", (chunk: Buffer) => this.onData(d, chunk, to))
    to.on("drain", () => {
      this.blocked[d] = false
      this.update()
    })
    from.on("end", () => {
      // A half-close travels on, unless blackholed or cut.
      if (this.blackholed || this.dead) fin(from)
      else to.end()
    })
    from.on("error", () => {
      // ECONNRESET and the like: the other side gets an RST too, unless blackholed.
      if (!this.blackholed) this.kill("rst")
    })
    from.on("close", () => {
      if (!this.blackholed && !to.destroyed && !to.writableEnded) fin(to)
      else if (!this.blackholed && to.writableEnded) setTimeout(() => to.destroy(), CLOSE_GRACE_MS).unref()
    })
  }

  private onData(d: Direction, chunk: Buffer, to: net.Socket): void {
    if (this.dead) return
    if (this.blackholed) {
      this.stats.dropped[d] += chunk.length
      this.onDrop(d, chunk.length)
      return
    }
    const cut = this.cuts[d]
    if (cut !== null) {
      const take = Math.min(cut.left, chunk.length)
      cut.left -= take
      this.stats.forwarded[d] += take
      this.onForward(d, take)
      if (cut.left > 0) {
        if (!to.write(chunk)) this.blocked[d] = true
        this.update()
        return
      }
      // The last byte allowed: hand it to the kernel, then kill both sides.
      this.cuts[d] = null
      this.dead = true
      const rest = chunk.subarray(0, take)
      if (cut.how === "fin") {
        to.end(rest)
        setTimeout(() => to.destroy(), CLOSE_GRACE_MS).unref()
        fin(this.source(d))
      } else {
        to.write(rest, () => rst(to))
        rst(this.source(d))
      }
      cut.done()
      return
    }
    this.stats.forwarded[d] += chunk.length
    this.onForward(d, chunk.length)
    if (!to.write(chunk)) {
      this.blocked[d] = true
      this.update()
    }
  }

  /** Pauses or resumes reading each side according to stall, backpressure and blackhole. */
  private update(): void {
    for (const d of ["c2s", "s2c"] as const) {
      const src = this.source(d)
      if (src.destroyed) continue
      // Nothing is read from the client before the target has answered, unless it all goes to a blackhole.
      if (!this.upstreamReady && (d === "s2c" || !this.blackholed)) continue
      const read = this.blackholed || this.dead || (!this.stalled[d] && !this.blocked[d])
      if (read) src.resume()
      else src.pause()
    }
  }

  stall(d: Direction, on: boolean): void {
    this.stalled[d] = on
    this.update()
  }

  blackhole(): void {
    this.blackholed = true
    this.update()
  }

  get isBlackholed(): boolean {
    return this.blackholed
  }

  /** Forwards `n` more bytes of direction `d`, then kills the link; resolves when it did. */
  cutAfter(d: Direction, n: number, how: Kill): Promise<void> {
    return new Promise((resolve) => {
      if (n <= 0) {
        this.kill(how)
        resolve()
        return
      }
      this.cuts[d] = { left: n, how, done: resolve }
    })
  }

  kill(how: Kill): void {
    this.dead = true
    const cut = this.cuts.c2s ?? this.cuts.s2c
    this.cuts.c2s = this.cuts.s2c = null
    cut?.done()
    if (how === "rst") {
      rst(this.client)
      rst(this.server)
    } else {
      fin(this.client)
      fin(this.server)
    }
  }

  /** Destroys both sockets at once (proxy shutdown). */
  destroy(): void {
    this.dead = true
    this.client.destroy()
    this.server.destroy()
  }
}

export class FaultProxy extends EventEmitter {
  readonly host = "127.0.0.1"
  /** The port clients connect to; kept across restart(). */
  readonly port: number
  readonly target: { host: string; port: number }
  readonly stats: ProxyStats = { accepted: 0, open: 0, forwarded: { c2s: 0, s2c: 0 }, dropped: { c2s: 0, s2c: 0 } }
  private server: net.Server | null
  private readonly links = new Set<Link>()
  private readonly stalled: Record<Direction, boolean> = { c2s: false, s2c: false }
  private blackholeNew: boolean
  private nextId = 0
  private readonly lifetime: NodeJS.Timeout
  private isClosed = false
  private onClosed: () => void = () => undefined
  /** Resolves once close() has finished (called by the test or by the lifetime timer). */
  readonly closed = new Promise<void>((resolve) => (this.onClosed = resolve))

  private constructor(server: net.Server, target: { host: string; port: number }, options: ProxyOptions) {
    super()
    this.server = server
    this.port = (server.address() as net.AddressInfo).port
    this.target = target
    this.blackholeNew = options.blackholeNew ?? false
    this.attach(server)
    this.lifetime = setTimeout(() => void this.close(), options.lifetimeMs ?? scaled(120_000))
    this.lifetime.unref()
  }

  /**
   * Starts a proxy on 127.0.0.1 (an OS-chosen port) to `target`, a
   * "tcp://host:port" endpoint or { host, port }.
   */
  static async start(target: string | { host: string; port: number }, options: ProxyOptions = {}): Promise<FaultProxy> {
    const t = typeof target === "string" ? parseTcp(target) : target
    const server = await listenOn(0)
    return new FaultProxy(server, t, options)
  }

  /** "tcp://127.0.0.1:port", for connect(). */
  get endpoint(): string {
    return `tcp://${this.host}:${this.port}`
  }

  get listening(): boolean {
    return this.server !== null
  }

  /** The connections open now. */
  get connections(): readonly Link[] {
    return [...this.links]
  }

  private attach(server: net.Server): void {
    server.unref()
    server.on("connection", (client: net.Socket) => this.accept(client))
    server.on("error", () => undefined)
  }

  private accept(client: net.Socket): void {
    if (this.isClosed) {
      client.destroy()
      return
    }
    this.stats.accepted++
    this.stats.open++
    const link = new Link(
      ++this.nextId,
      client,
      this.target,
      this.stats,
      { blackhole: this.blackholeNew, stalled: this.stalled },
      (d, n) => this.emit("dropped", d, n),
      (d) => this.checkForwardWaiters(d),
    )
    this.links.add(link)
    void link.closed.then(() => {
      this.links.delete(link)
      this.stats.open--
      this.emit("closed", link)
    })
    this.emit("connection", link)
  }

  private forwardWaiters: { d: Direction; until: number; resolve: () => void }[] = []

  private checkForwardWaiters(d: Direction): void {
    if (this.forwardWaiters.length === 0) return
    const total = this.stats.forwarded[d]
    this.forwardWaiters = this.forwardWaiters.filter((w) => {
      if (w.d !== d || total < w.until) return true
      w.resolve()
      return false
    })
  }

  /** Resolves once `n` more bytes (counted from now) have been forwarded in direction `d`. */
  forwarded(d: Direction, n: number): Promise<void> {
    return new Promise((resolve) => this.forwardWaiters.push({ d, until: this.stats.forwarded[d] + n, resolve }))
  }

  /** Stops reading direction `d` on every connection, present and future. */
  stall(d: Direction): void {
    this.stalled[d] = true
    for (const l of this.links) l.stall(d, true)
  }

  /** Reads and forwards direction `d` again. */
  unstall(d: Direction): void {
    this.stalled[d] = false
    for (const l of this.links) l.stall(d, false)
  }

  /**
   * Blackholes every open connection: bytes both ways are read and dropped,
   * closes are not passed on, the connection stays open. With
   * `{ newConnections: true }`, connections accepted later are blackholed too
   * until heal(). A blackholed connection stays so: its peers must find out.
   */
  blackhole(options: { newConnections?: boolean } = {}): void {
    if (options.newConnections === true) this.blackholeNew = true
    for (const l of this.links) l.blackhole()
  }

  /** New connections are relayed again (open blackholed ones stay blackholed). */
  heal(): void {
    this.blackholeNew = false
  }

  /** RST to both sides of every open connection. */
  reset(): void {
    for (const l of this.links) l.kill("rst")
  }

  /** FIN to both sides of every open connection. */
  fin(): void {
    for (const l of this.links) l.kill("fin")
  }

  /**
   * On every open connection: forwards `n` more bytes of direction `d`, then
   * kills the connection with `how` (both sides). Resolves once every one of
   * them was cut.
   */
  async cutAfter(d: Direction, n: number, how: Kill = "rst"): Promise<void> {
    await Promise.all([...this.links].map((l) => l.cutAfter(d, n, how)))
  }

  /** Closes the listener: new connections are refused (ECONNREFUSED); open ones are kept. */
  async stopListening(): Promise<void> {
    const server = this.server
    if (server === null) return
    this.server = null
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      // close() waits for accepted connections, which are the links' business, not the listener's.
      setImmediate(resolve)
    })
  }

  /** Listens again on the same port. */
  async listen(): Promise<void> {
    if (this.server !== null || this.isClosed) return
    const server = await listenOn(this.port)
    if (this.isClosed) {
      server.close()
      return
    }
    this.server = server
    this.attach(server)
  }

  /** Kills every connection with `how` (default RST), stops listening, and listens again on the same port. */
  async restart(how: Kill = "rst"): Promise<void> {
    await this.stopListening()
    for (const l of this.links) l.kill(how)
    await this.listen()
  }

  /** Stops everything now. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    clearTimeout(this.lifetime)
    const closing = [...this.links].map((l) => l.closed)
    for (const l of this.links) l.destroy()
    await this.stopListening()
    await Promise.all(closing)
    this.onClosed()
  }
}

function parseTcp(endpoint: string): { host: string; port: number } {
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint)
  if (m === null) throw new Error(`FaultProxy: not a tcp endpoint: ${endpoint}`)
  return { host: m[1] === "*" || m[1] === "0.0.0.0" ? "127.0.0.1" : m[1]!, port: Number(m[2]) }
}

function listenOn(port: number): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen({ host: "127.0.0.1", port, backlog: 2048 }, () => {
      server.off("error", reject)
      resolve(server)
    })
  })
}

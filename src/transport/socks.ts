/**
 * A SOCKS5 client for tcp connects through `socksProxy`, as libzmq's
 * socks_connecter_t does it (RFC 1928, with RFC 1929 username/password):
 *
 *   greeting   05 01 <method>            one method: 00 (none) or, with a
 *                                        socksUsername, 02 (username/password)
 *   choice     05 <method>               FF: no method acceptable
 *   auth       01 <ulen> user <plen> pw  (method 02 only)
 *   auth reply 01 <status>               non-zero: refused
 *   request    05 01 00 <atyp> addr port CONNECT; atyp 1 IPv4, 4 IPv6,
 *                                        3 a host name (sent unresolved)
 *   reply      05 <rep> 00 <atyp> addr port   rep non-zero: refused
 *
 * Then the connection carries ZMTP. Any failure fails the connection, which
 * is retried as a refused connect would be. SocksClient is sans-I/O: bytes
 * in, bytes out; driveSocks() runs it on a stream.
 */
import { isIPv4, isIPv6 } from "node:net"
import type { Socket as NetSocket } from "node:net"
import { parseAddressMask } from "./address-mask.js"

export interface SocksTarget {
  readonly host: string
  readonly port: number
}

/** What the client wants done after some input: bytes to send, then maybe done (with bytes that followed) or failed. */
export interface SocksStep {
  readonly send: Buffer | null
  readonly done: { readonly rest: Buffer } | null
  readonly error: string | null
}

const NO_AUTH = 0x00
const USERNAME_PASSWORD = 0x02

type State = "choice" | "auth" | "reply" | "done" | "failed"

/** "host:port" of the proxy (libzmq resolves it as a tcp address: the port is required); null if unusable. */
export function parseProxyAddress(text: string): SocksTarget | null {
  const colon = text.lastIndexOf(":")
  if (colon <= 0) return null
  const port = Number(text.slice(colon + 1))
  if (!/^\d+$/.test(text.slice(colon + 1)) || port < 1 || port > 65535) return null
  return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port }
}

function connectRequest(target: SocksTarget): Buffer {
  const port = Buffer.alloc(2)
  port.writeUInt16BE(target.port)
  let addr: Buffer
  if (isIPv4(target.host)) {
    addr = Buffer.concat([Buffer.of(1), Buffer.from(parseAddressMask(target.host, false)!.bytes)])
  } else if (isIPv6(target.host)) {
    addr = Buffer.concat([Buffer.of(4), Buffer.from(parseAddressMask(target.host, true)!.bytes)])
  } else {
    // The proxy resolves the name (libzmq does no DNS lookup for it either).
    const name = Buffer.from(target.host, "utf8")
    addr = Buffer.concat([Buffer.of(3, name.length), name])
  }
  return Buffer.concat([Buffer.of(5, 1, 0), addr, port])
}

export class SocksClient {
  private state: State = "choice"
  private buffered: Buffer = Buffer.alloc(0)
  private readonly method: number

  constructor(
    private readonly target: SocksTarget,
    private readonly auth: { readonly username: Buffer; readonly password: Buffer } | null,
  ) {
    this.method = auth === null ? NO_AUTH : USERNAME_PASSWORD
  }

  /** The greeting, to send once connected to the proxy. */
  greeting(): Buffer {
    return Buffer.of(5, 1, this.method)
  }

  /** Feeds bytes read from the proxy. */
  receive(chunk: Buffer): SocksStep {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
    const sends: Buffer[] = []
    for (;;) {
      const step = this.advance()
      if (step === null) return { send: sends.length > 0 ? Buffer.concat(sends) : null, done: null, error: null }
      if (step.error !== null) {
        this.state = "failed"
        return step
      }
      if (step.send !== null) sends.push(step.send)
      if (step.done !== null) return { send: sends.length > 0 ? Buffer.concat(sends) : null, done: step.done, error: null }
    }
  }

  /** One message from the proxy, if it has all arrived; null: need more bytes. */
  private advance(): SocksStep | null {
    const b = this.buffered
    const fail = (error: string): SocksStep => ({ send: null, done: null, error })
    switch (this.state) {
      case "choice": {
        if (b.length < 2) return null
        this.take(2)
        if (b[0] !== 5) return fail("SOCKS proxy answered with another protocol version")
        if (b[1] === 0xff || (b[1] !== NO_AUTH && b[1] !== this.method)) return fail("SOCKS proxy accepts none of our authentication methods")
        if (b[1] === USERNAME_PASSWORD && this.auth !== null) {
          this.state = "auth"
          const { username, password } = this.auth
          return { send: Buffer.concat([Buffer.of(1, username.length), username, Buffer.of(password.length), password]), done: null, error: null }
        }
        this.state = "reply"
        return { send: connectRequest(this.target), done: null, error: null }
      }
      case "auth": {
        if (b.length < 2) return null
        this.take(2)
        if (b[1] !== 0) return fail("SOCKS proxy refused the username and password")
        this.state = "reply"
        return { send: connectRequest(this.target), done: null, error: null }
      }
      case "reply": {
        if (b.length < 5) return null
        if (b[0] !== 5 || b[2] !== 0) return fail("SOCKS proxy sent a malformed reply")
        const atyp = b[3]
        const addrLength = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + b[4]! : -1
        if (addrLength < 0) return fail("SOCKS proxy sent a malformed reply")
        const total = 4 + addrLength + 2
        if (b.length < total) return null
        this.take(total)
        if (b[1] !== 0) return fail(`SOCKS proxy could not connect (reply ${b[1]!})`)
        this.state = "done"
        const rest = this.buffered
        this.buffered = Buffer.alloc(0)
        return { send: null, done: { rest }, error: null }
      }
      default:
        return null
    }
  }

  private take(n: number): void {
    this.buffered = this.buffered.subarray(n)
  }
}

/**
 * Runs the exchange on a stream connected to the proxy: `done` once the
 * proxy has connected us (bytes that followed go to the reader `done`
 * attaches), `failed` otherwise (the stream is destroyed).
 */
export function driveSocks(stream: NetSocket, client: SocksClient, done: () => void, failed: (why: string) => void): void {
  let over = false
  const finish = (why: string | null): void => {
    if (over) return
    over = true
    stream.off("data", onData)
    stream.off("error", onEnd)
    stream.off("close", onEnd)
    if (why === null) return done()
    stream.destroy()
    failed(why)
  }
  const onEnd = (): void => finish("SOCKS proxy closed the connection")
  const onData = (chunk: Buffer): void => {
    const step = client.receive(chunk)
    if (step.send !== null) stream.write(step.send)
    if (step.error !== null) return finish(step.error)
    if (step.done !== null) {
      // `done` attaches the engine's reader; then it gets what came after the reply.
      finish(null)
      if (step.done.rest.length > 0) stream.unshift(step.done.rest)
    }
  }
  stream.on("data", onData)
  stream.once("error", onEnd)
  stream.once("close", onEnd)
  stream.write(client.greeting())
}

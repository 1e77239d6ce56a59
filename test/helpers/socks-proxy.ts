/**
 * A small SOCKS5 proxy on loopback for the tests (RFC 1928 CONNECT, RFC 1929
 * username/password). It records what each client sent, so that zmq-ts's
 * bytes can be compared with libzmq's, and can be told to refuse.
 */
import * as net from "node:net"
import { once } from "node:events"

export interface SocksProxyOptions {
  /** Require this username/password (method 02); otherwise no authentication (method 00). */
  credentials?: { username: string; password: string }
  /** Answer every CONNECT with this reply code (non-zero: refused). */
  reply?: number
}

export interface SocksSession {
  /** Everything the client sent before the proxy started relaying. */
  readonly handshake: Buffer
  readonly methods: number[]
  readonly username?: string
  readonly password?: string
  readonly atyp?: number
  readonly host?: string
  readonly port?: number
}

export interface SocksProxy {
  readonly address: string
  readonly sessions: SocksSession[]
  /** Resolves once `n` clients have ended their SOCKS exchange (relayed, refused or failed). */
  sessionsDone(n: number): Promise<SocksSession[]>
  close(): Promise<void>
}

export async function startSocksProxy(options: SocksProxyOptions = {}): Promise<SocksProxy> {
  const sessions: SocksSession[] = []
  const sockets = new Set<net.Socket>()
  const waiters: { n: number; resolve: (s: SocksSession[]) => void }[] = []
  const record = (s: SocksSession): void => {
    sessions.push(s)
    for (const w of [...waiters]) {
      if (sessions.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(sessions.slice(0, w.n))
      }
    }
  }

  const server = net.createServer((client) => {
    sockets.add(client)
    client.on("close", () => sockets.delete(client))
    client.on("error", () => undefined)
    let buf = Buffer.alloc(0)
    const seen: Buffer[] = []
    let stage: "greeting" | "auth" | "request" | "relay" = "greeting"
    const session: { -readonly [K in keyof SocksSession]: SocksSession[K] } = { handshake: Buffer.alloc(0), methods: [] }
    const finish = (): void => {
      session.handshake = Buffer.concat(seen)
      record(session)
    }
    const onData = (chunk: Buffer): void => {
      seen.push(chunk)
      buf = Buffer.concat([buf, chunk])
      for (;;) {
        if (stage === "greeting") {
          if (buf.length < 2 || buf.length < 2 + buf[1]!) return
          session.methods = [...buf.subarray(2, 2 + buf[1]!)]
          buf = buf.subarray(2 + buf[1]!)
          const want = options.credentials ? 2 : 0
          if (!session.methods.includes(want)) {
            client.end(Buffer.of(5, 0xff))
            return finish()
          }
          client.write(Buffer.of(5, want))
          stage = want === 2 ? "auth" : "request"
        } else if (stage === "auth") {
          if (buf.length < 2) return
          const ulen = buf[1]!
          if (buf.length < 3 + ulen || buf.length < 3 + ulen + buf[2 + ulen]!) return
          const plen = buf[2 + ulen]!
          session.username = buf.toString("utf8", 2, 2 + ulen)
          session.password = buf.toString("utf8", 3 + ulen, 3 + ulen + plen)
          buf = buf.subarray(3 + ulen + plen)
          const ok = session.username === options.credentials!.username && session.password === options.credentials!.password
          if (!ok) {
            client.end(Buffer.of(1, 1))
            return finish()
          }
          client.write(Buffer.of(1, 0))
          stage = "request"
        } else if (stage === "request") {
          if (buf.length < 5) return
          const atyp = buf[3]!
          const len = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buf[4]!
          if (buf.length < 4 + len + 2) return
          session.atyp = atyp
          const addr = buf.subarray(4, 4 + len)
          const ipv6 = (): string => Array.from({ length: 8 }, (_, i) => addr.readUInt16BE(i * 2).toString(16)).join(":")
          session.host = atyp === 1 ? [...addr].join(".") : atyp === 3 ? addr.toString("utf8", 1) : ipv6()
          session.port = buf.readUInt16BE(4 + len)
          buf = buf.subarray(4 + len + 2)
          stage = "relay"
          client.off("data", onData)
          finish()
          return relay(session)
        } else {
          return
        }
      }
    }
    const relay = (s: SocksSession): void => {
      const reply = (code: number): Buffer => Buffer.of(5, code, 0, 1, 127, 0, 0, 1, 0, 0)
      if (options.reply !== undefined && options.reply !== 0) {
        client.end(reply(options.reply))
        return
      }
      const upstream = net.connect({ host: s.host!, port: s.port! })
      sockets.add(upstream)
      upstream.on("close", () => {
        sockets.delete(upstream)
        client.destroy()
      })
      upstream.on("error", () => client.end(reply(5)))
      upstream.once("connect", () => {
        client.write(reply(0))
        if (buf.length > 0) upstream.write(buf)
        client.pipe(upstream)
        upstream.pipe(client)
        client.on("close", () => upstream.destroy())
      })
    }
    client.on("data", onData)
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const port = (server.address() as net.AddressInfo).port
  return {
    address: `127.0.0.1:${port}`,
    sessions,
    sessionsDone(n) {
      if (sessions.length >= n) return Promise.resolve(sessions.slice(0, n))
      return new Promise((resolve) => waiters.push({ n, resolve }))
    },
    async close() {
      const closed = once(server, "close")
      server.close()
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

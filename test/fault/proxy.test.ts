/**
 * The fault proxy itself, with plain TCP sockets on both ends: each fault
 * does what the fault tests rely on.
 */
import assert from "node:assert/strict"
import { once } from "node:events"
import * as net from "node:net"
import { test } from "node:test"
import { FaultProxy } from "./proxy.js"
import { guarded, type Resources } from "./support.js"
import { scaled } from "../helpers/time.js"

interface Pair {
  proxy: FaultProxy
  /** The connecting side's socket. */
  client: net.Socket
  /** The target's accepted socket. */
  server: net.Socket
}

/** A target server, a proxy in front of it, and one connection through both. */
async function pair(r: Resources, options: { blackholeNew?: boolean } = {}): Promise<Pair> {
  const target = net.createServer()
  r.add(target, (s) => void s.close())
  target.on("connection", (s: net.Socket) => s.on("error", () => undefined))
  target.listen(0, "127.0.0.1")
  await once(target, "listening")
  const accepted = once(target, "connection") as Promise<[net.Socket]>
  const proxy = await r.proxy(`tcp://127.0.0.1:${(target.address() as net.AddressInfo).port}`, options)
  const client = r.add(net.createConnection({ host: "127.0.0.1", port: proxy.port }), (s) => void s.destroy())
  client.on("error", () => undefined)
  const connected = once(client, "connect")
  const [server] = await accepted
  r.add(server, (s) => void s.destroy())
  server.on("error", () => undefined)
  await connected
  return { proxy, client, server }
}

/** Collects what a socket receives; `until(n)` resolves once n bytes are in. */
function collector(s: net.Socket): { bytes: () => Buffer; until: (n: number) => Promise<Buffer> } {
  const parts: Buffer[] = []
  let size = 0
  let waiters: { n: number; resolve: (b: Buffer) => void }[] = []
  s.on("data", (b: Buffer) => {
    parts.push(b)
    size += b.length
    const ready = waiters.filter((w) => size >= w.n)
    waiters = waiters.filter((w) => size < w.n)
    for (const w of ready) w.resolve(Buffer.concat(parts))
  })
  return {
    bytes: () => Buffer.concat(parts),
    until: (n) => (size >= n ? Promise.resolve(Buffer.concat(parts)) : new Promise((resolve) => waiters.push({ n, resolve }))),
  }
}

const MB = Buffer.alloc(1 << 20, 0x61)

/** Resolves when `s` has closed, however (events.once would reject on an 'error' first). */
const closed = (s: net.Socket): Promise<void> => new Promise((resolve) => s.once("close", () => resolve()))

void test("proxy: pass-through both ways, FIN passed on", { timeout: scaled(10_000) }, () =>
  guarded(5000, async (r) => {
    const { client, server } = await pair(r)
    const atServer = collector(server)
    const atClient = collector(client)
    client.write(MB)
    server.write("pong")
    assert.ok((await atServer.until(MB.length)).equals(MB))
    assert.equal((await atClient.until(4)).toString(), "pong")
    client.end()
    await once(server, "end")
  }),
)

void test("proxy: stall(c2s) forwards nothing that way until unstall, the other way still flows", { timeout: scaled(10_000) }, () =>
  guarded(5000, async (r) => {
    const { proxy, client, server } = await pair(r)
    const atServer = collector(server)
    const atClient = collector(client)
    proxy.stall("c2s")
    client.write(MB)
    // A round trip the other way: the proxy is alive and has had the chance to forward.
    server.write("ping")
    await atClient.until(4)
    const reached = proxy.forwarded("c2s", MB.length)
    assert.equal(proxy.stats.forwarded.c2s, 0)
    assert.equal(atServer.bytes().length, 0)
    proxy.unstall("c2s")
    await reached
    assert.ok((await atServer.until(MB.length)).equals(MB))
  }),
)

void test("proxy: blackhole drops bytes both ways and keeps the connection open", { timeout: scaled(10_000) }, () =>
  guarded(5000, async (r) => {
    const { proxy, client, server } = await pair(r)
    const atServer = collector(server)
    const atClient = collector(client)
    proxy.blackhole()
    const droppedBoth = new Promise<void>((resolve) => {
      const seen = { c2s: 0, s2c: 0 }
      proxy.on("dropped", (d: "c2s" | "s2c", n: number) => {
        seen[d] += n
        if (seen.c2s >= 5 && seen.s2c >= 5) resolve()
      })
    })
    client.write("hello")
    server.write("world")
    await droppedBoth
    // A close from one side is not passed on either.
    client.end()
    await closed(client)
    server.write("still open")
    assert.equal(server.destroyed, false)
    assert.equal(atServer.bytes().length, 0)
    assert.equal(atClient.bytes().length, 0)
    assert.equal(proxy.stats.forwarded.c2s + proxy.stats.forwarded.s2c, 0)
  }),
)

for (const how of ["reset", "fin"] as const) {
  void test(`proxy: ${how}() closes both sides (${how === "reset" ? "ECONNRESET" : "EOF"})`, { timeout: scaled(10_000) }, () =>
    guarded(5000, async (r) => {
      const { proxy, client, server } = await pair(r)
      const outcome = (s: net.Socket): Promise<string> =>
        new Promise((resolve) => {
          s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"))
          s.once("end", () => resolve("EOF"))
        })
      const atClient = outcome(client)
      const atServer = outcome(server)
      proxy[how]()
      const expected = how === "reset" ? "ECONNRESET" : "EOF"
      assert.deepEqual(await Promise.all([atClient, atServer]), [expected, expected])
    }),
  )
}

for (const how of ["fin", "rst"] as const) {
  void test(`proxy: cutAfter(c2s, 1000, ${how}) forwards exactly 1000 bytes, then kills both sides`, { timeout: scaled(10_000) }, () =>
    guarded(5000, async (r) => {
      const { proxy, client, server } = await pair(r)
      const atServer = collector(server)
      const serverClosed = closed(server)
      const clientClosed = closed(client)
      const cut = proxy.cutAfter("c2s", 1000, how)
      client.write(MB)
      await cut
      await Promise.all([serverClosed, clientClosed])
      assert.equal(proxy.stats.forwarded.c2s, 1000)
      const got = atServer.bytes()
      // FIN delivers the prefix; an RST may overtake data still in flight.
      if (how === "fin") assert.equal(got.length, 1000)
      else assert.ok(got.length <= 1000)
      assert.ok(got.equals(MB.subarray(0, got.length)))
    }),
  )
}

void test("proxy: stopListening() refuses, listen() accepts again on the same port, restart() kills connections", { timeout: scaled(10_000) }, () =>
  guarded(5000, async (r) => {
    const { proxy, client } = await pair(r)
    await proxy.stopListening()
    const refused = net.createConnection({ host: "127.0.0.1", port: proxy.port })
    const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException]
    assert.equal(err.code, "ECONNREFUSED")
    await proxy.listen()
    const again = r.add(net.createConnection({ host: "127.0.0.1", port: proxy.port }), (s) => void s.destroy())
    await once(again, "connect")
    const bothClosed = [closed(client), closed(again)]
    for (const s of [client, again]) {
      s.on("error", () => undefined)
      s.resume()
    }
    await proxy.restart()
    await Promise.all(bothClosed)
    const third = r.add(net.createConnection({ host: "127.0.0.1", port: proxy.port }), (s) => void s.destroy())
    await once(third, "connect")
    assert.equal(proxy.listening, true)
  }),
)

void test("proxy: closes itself after its lifetime", { timeout: scaled(10_000) }, () =>
  guarded(5000, async (r) => {
    const target = net.createServer()
    r.add(target, (s) => void s.close())
    target.listen(0, "127.0.0.1")
    await once(target, "listening")
    const proxy = await FaultProxy.start(`tcp://127.0.0.1:${(target.address() as net.AddressInfo).port}`, { lifetimeMs: 100, blackholeNew: true })
    const client = r.add(net.createConnection({ host: "127.0.0.1", port: proxy.port }), (s) => void s.destroy())
    client.on("error", () => undefined)
    client.resume()
    const clientClosed = closed(client)
    await once(client, "connect")
    await proxy.closed
    await clientClosed
    assert.equal(proxy.listening, false)
  }),
)

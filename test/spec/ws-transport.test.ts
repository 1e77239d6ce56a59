/**
 * ws:// and wss:// between zmq-ts sockets: endpoints as libzmq reports and
 * shares them, reconnection, and TLS with a self-signed certificate made
 * for the test by the openssl CLI (node:crypto cannot issue X.509
 * certificates). Waits are on socket events, never on timers.
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import * as zeromq from "zeromq"
import { Pull, Push, type EventType, type Socket } from "../../src/index.js"
import { ZmqError } from "../../src/util.js"
import * as net from "node:net"
import { encodeHeader, FrameParser, OP_BINARY, OP_PING, OP_PONG } from "../../src/transport/ws/frame.js"
import { acceptRequest, HeadReader, encodeResponse } from "../../src/transport/ws/handshake.js"

function nextEvent(sock: Socket, type: EventType): Promise<void> {
  return new Promise((resolve) => {
    const on = (): void => {
      sock.events.off(type, on)
      resolve()
    }
    sock.events.on(type, on)
  })
}

function pair(ctx: { after(fn: () => void): void }, pullOptions: object = {}, pushOptions: object = {}): [Pull, Push] {
  const pull = new Pull({ linger: 0, ...pullOptions })
  const push = new Push({ linger: 0, ...pushOptions })
  ctx.after(() => {
    pull.close()
    push.close()
  })
  return [pull, push]
}

void test("ws: lastEndpoint keeps the path ('/' when none), a second bind on the port is EADDRINUSE, any path reaches the bound socket", async (ctx) => {
  const [pull, push] = pair(ctx)
  await pull.bind("ws://127.0.0.1:*")
  assert.match(pull.lastEndpoint!, /^ws:\/\/127\.0\.0\.1:\d+\/$/)
  const other = new Pull({ linger: 0 })
  ctx.after(() => other.close())
  await pull.bind("ws://127.0.0.1:*/a/b?c")
  const port = /:(\d+)\//.exec(pull.lastEndpoint!)![1]!
  assert.equal(pull.lastEndpoint, `ws://127.0.0.1:${port}/a/b?c`)
  await assert.rejects(other.bind(`ws://127.0.0.1:${port}/elsewhere`), (e: unknown) => e instanceof ZmqError && e.code === "EADDRINUSE")
  // libzmq's listener does not look at the path: neither do we.
  push.connect(`ws://127.0.0.1:${port}/elsewhere`)
  await push.send(["via", "another path"])
  assert.deepEqual((await pull.receive()).map(String), ["via", "another path"])
})

void test("ws: connect before bind, and reconnect after the binder goes away", async (ctx) => {
  const probe = new Pull({ linger: 0 })
  await probe.bind("ws://127.0.0.1:*/r")
  const endpoint = probe.lastEndpoint!
  probe.close()
  const [pull, push] = pair(ctx)
  const up = nextEvent(push, "handshake")
  push.connect(endpoint)
  await pull.bind(endpoint)
  await up
  await push.send("first")
  assert.deepEqual((await pull.receive()).map(String), ["first"])
  const down = nextEvent(push, "disconnect")
  await pull.unbind(endpoint)
  await down
  const again = nextEvent(push, "handshake")
  await pull.bind(endpoint)
  await again
  await push.send("second")
  assert.deepEqual((await pull.receive()).map(String), ["second"])
})

/**
 * A hand-made ZWS server (a PULL that never reads): upgrades, sends READY,
 * and reports each WebSocket ping; it answers them with pongs if `pong`.
 */
async function pingWatcher(ctx: { after(fn: () => void): void }, pong: boolean, onPing: () => void): Promise<string> {
  const ready = Buffer.concat([Buffer.of(0x02, 0x05), Buffer.from("READY"), Buffer.of(11), Buffer.from("Socket-Type"), Buffer.of(0, 0, 0, 4), Buffer.from("PULL")])
  const server = net.createServer((c) => {
    const head = new HeadReader()
    let parser: FrameParser | null = null
    c.on("error", () => undefined)
    c.on("data", (chunk: Buffer) => {
      if (parser === null) {
        const got = head.push(chunk)
        if (got === null) return
        const { key, protocol } = acceptRequest(got.head, "NULL")
        c.write(Buffer.concat([encodeResponse(key, protocol), encodeHeader(OP_BINARY, ready.length, null), ready]))
        parser = new FrameParser(
          {
            onMessage: () => undefined,
            onControl: (op) => {
              if (op !== OP_PING) return
              if (pong) c.write(encodeHeader(OP_PONG, 0, null))
              onPing()
            },
          },
          { expectMasked: true, maxMessage: -1 },
        )
        chunk = got.rest
      }
      parser.push(chunk)
    })
  })
  ctx.after(() => server.close())
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/hb`
}

void test("ws: heartbeats are WebSocket pings (libzmq's ws_engine), and answered pongs keep the connection", async (ctx) => {
  const push = new Push({ linger: 0, heartbeatInterval: 30, heartbeatTimeout: 200 })
  ctx.after(() => push.close())
  let disconnects = 0
  push.events.on("disconnect", () => disconnects++)
  let pings = 0
  await new Promise<void>((resolve) => {
    void pingWatcher(ctx, true, () => {
      // Ten answered rounds span more than the timeout: the pongs kept it up.
      if (++pings === 10) resolve()
    }).then((endpoint) => push.connect(endpoint))
  })
  assert.equal(disconnects, 0)
})

void test("ws: without pongs the connection is dropped after heartbeatTimeout", async (ctx) => {
  const push = new Push({ linger: 0, heartbeatInterval: 30, heartbeatTimeout: 100, reconnectInterval: -1 })
  ctx.after(() => push.close())
  const dropped = nextEvent(push, "disconnect")
  push.connect(await pingWatcher(ctx, false, () => undefined))
  await dropped
})

// ---- wss --------------------------------------------------------------------------

let openssl = true
try {
  execFileSync("openssl", ["version"], { stdio: "ignore" })
} catch {
  openssl = false
}

if (!openssl) {
  // Not registered without openssl, so no test counts as passed without running.
  console.warn("ws-transport.test.ts: openssl not found; the wss:// tests are not registered")
} else {
  const dir = mkdtempSync(join(tmpdir(), "zmq-ts-wss-"))
  after(() => rmSync(dir, { recursive: true, force: true }))
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" })
  const key = readFileSync(join(dir, "key.pem"), "latin1")
  const cert = readFileSync(join(dir, "cert.pem"), "latin1")

  void test("wss: a client trusting the certificate exchanges multipart and 1 MiB messages", async (ctx) => {
    const [pull, push] = pair(ctx, { wssCertPem: cert, wssKeyPem: key }, { wssTrustPem: cert })
    await pull.bind("wss://127.0.0.1:*/secure")
    assert.match(pull.lastEndpoint!, /^wss:\/\/127\.0\.0\.1:\d+\/secure$/)
    push.connect(pull.lastEndpoint!)
    const big = Buffer.alloc(1 << 20, 0x42)
    await push.send(["a", "", "c"])
    await push.send(big)
    assert.deepEqual((await pull.receive()).map(String), ["a", "", "c"])
    assert.ok((await pull.receive())[0]!.equals(big))
  })

  void test("wss: wssHostname names the certificate's host when connecting by address", async (ctx) => {
    const [pull, push] = pair(ctx, { wssCertPem: cert, wssKeyPem: key }, { wssTrustPem: cert, wssHostname: "localhost" })
    await pull.bind("wss://127.0.0.1:*")
    push.connect(pull.lastEndpoint!)
    await push.send("by name")
    assert.deepEqual((await pull.receive()).map(String), ["by name"])
  })

  void test("wss: a client that does not trust the certificate never completes a handshake", async (ctx) => {
    const [pull, push] = pair(ctx, { wssCertPem: cert, wssKeyPem: key }, { reconnectInterval: 20 })
    let handshakes = 0
    push.events.on("handshake", () => handshakes++)
    await pull.bind("wss://127.0.0.1:*")
    const retried = nextEvent(push, "connect:retry")
    push.connect(pull.lastEndpoint!)
    await retried
    assert.equal(handshakes, 0)
  })

  void test("wss: a certificate for another name is refused", async (ctx) => {
    const [pull, push] = pair(ctx, { wssCertPem: cert, wssKeyPem: key }, { wssTrustPem: cert, wssHostname: "example.org", reconnectInterval: 20 })
    let handshakes = 0
    push.events.on("handshake", () => handshakes++)
    await pull.bind("wss://127.0.0.1:*")
    const retried = nextEvent(push, "connect:retry")
    push.connect(pull.lastEndpoint!)
    await retried
    assert.equal(handshakes, 0)
  })

  void test("wss: bind without wssCertPem and wssKeyPem fails with EINVAL", async (ctx) => {
    const [pull] = pair(ctx)
    await assert.rejects(pull.bind("wss://127.0.0.1:*"), (e: unknown) => e instanceof ZmqError && e.code === "EINVAL")
  })
}

void test("zeromq's libzmq has no wss:// (EPROTONOSUPPORT), so wss interop is zmq-ts to zmq-ts only", async () => {
  const z = new zeromq.Pull()
  try {
    await assert.rejects(z.bind("wss://127.0.0.1:*"), (e: unknown) => (e as { code?: string }).code === "EPROTONOSUPPORT")
  } finally {
    z.close()
  }
})

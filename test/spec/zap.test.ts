/**
 * RFC 27 (ZAP) as libzmq 4.3 applies it, on a zmq-ts server: for NULL (with
 * a ZAP domain), PLAIN and CURVE, with zmq-ts clients and, where it adds
 * something, libzmq clients (the `zeromq` package).
 *
 * - The request the handler receives: version "1.0", request id "1", the
 *   server's zapDomain, the peer's address, the server's routing id, the
 *   mechanism and its credentials.
 * - Status 200 lets the client in. 400 and 500 refuse it: the server reports
 *   handshake:error:auth with the status and sends an ERROR, so the client
 *   reports handshake:error:auth with the same status and does not
 *   reconnect. 300 refuses without an ERROR: the server reports the status;
 *   the client only sees the connection close (handshake:error:other EPIPE)
 *   and reconnects.
 * - A malformed reply is a protocol error on the server (ERR_ZAP_*); the
 *   client sees the connection close and reconnects.
 * - Without a handler: PLAIN fails (EFAULT); CURVE and NULL let the client
 *   in, unless zapEnforceDomain is set together with a zapDomain.
 * - While the handler has not answered, nothing the client sends reaches
 *   the application, even when it has already arrived.
 * - After every refusal a good client still gets in through the same server.
 *
 * The "libzmq reference" tests run the disputable cases libzmq-to-libzmq
 * (zeromq server, handler and client), so that the behaviour asserted for
 * zmq-ts is pinned to what libzmq actually does.
 */
import assert from "node:assert/strict"
import { once } from "node:events"
import * as net from "node:net"
import { describe, test } from "node:test"
import * as zeromq from "zeromq"
import * as zt from "../../src/index.js"
import { z85Decode } from "../../src/util.js"
import { EVENT_TYPES, EventLog } from "../helpers/peers/libzmq-peer.js"
import { zmtpFrame } from "../helpers/transports.js"
import { allowAll, gate, refuseAll, ZapHandler, type ZapHandlerOptions, type ZapPolicy, type ZapVerdict } from "../helpers/zap-handler.js"
import { guarded, type Resources } from "../interop/support.js"
import { scaled } from "../helpers/time.js"

/** Failure guard per test; every wait is on an event. */
const GUARD_MS = scaled(8000)
const TIMEOUT = { timeout: GUARD_MS + 2000 }

/**
 * The zmq-ts context of this file: each test binds its handler (if any) at
 * inproc://zeromq.zap.01 here and closes it when done, which frees the name.
 */
const CTX = new zt.Context()

const DOMAIN = "test-domain"

// ---- mechanisms ------------------------------------------------------------------------

const serverKeys = zt.curveKeyPair()
const clientKeys = zt.curveKeyPair()

interface SecOpts {
  plainServer?: boolean
  plainUsername?: string
  plainPassword?: string
  curveServer?: boolean
  curvePublicKey?: string
  curveSecretKey?: string
  curveServerKey?: string
  zapDomain?: string
  zapEnforceDomain?: boolean
  handshakeInterval?: number
}

interface Mech {
  name: "NULL" | "PLAIN" | "CURVE"
  server: SecOpts
  client: SecOpts
  /** The credential frames of `client` in a ZAP request. */
  credentials: Buffer[]
}

const NULL: Mech = { name: "NULL", server: { zapDomain: DOMAIN }, client: {}, credentials: [] }
const PLAIN: Mech = {
  name: "PLAIN",
  server: { plainServer: true, zapDomain: DOMAIN },
  client: { plainUsername: "admin", plainPassword: "secret" },
  credentials: [Buffer.from("admin"), Buffer.from("secret")],
}
const CURVE: Mech = {
  name: "CURVE",
  server: { curveServer: true, curveSecretKey: serverKeys.secretKey, zapDomain: DOMAIN },
  client: { curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey },
  credentials: [Buffer.from(z85Decode(clientKeys.publicKey))],
}
const MECHS: readonly Mech[] = [NULL, PLAIN, CURVE]

// ---- sockets -----------------------------------------------------------------------------

type Lib = "zmq-ts" | "zeromq"

/** What the tests read of an event, from either library. */
interface Logged {
  type: string
  error?: { code?: string; status?: number }
}

function firstEvent(log: EventLog<Logged>, type: string): Promise<Logged> {
  return log.first(type)
}

interface Server {
  log: EventLog<Logged>
  endpoint: string
  receive(): Promise<Buffer[]>
}

interface Client {
  lib: Lib
  log: EventLog<Logged>
  send(msg: string[]): Promise<void>
  close(): void
}

/** A zmq-ts PULL (or ROUTER) server in CTX, bound on tcp. */
async function zmqtsServer(r: Resources, opts: SecOpts, type: "PULL" | "ROUTER" = "PULL", routingId?: string): Promise<Server> {
  const log = new EventLog<Logged>()
  const s = r.add(type === "PULL" ? new zt.Pull({ linger: 0, context: CTX, ...opts }) : new zt.Router({ linger: 0, context: CTX, ...(routingId !== undefined ? { routingId } : {}), ...opts }), (x) => x.close())
  for (const t of EVENT_TYPES) s.events.on(t, (e) => log.push(e))
  await s.bind("tcp://127.0.0.1:*")
  return { log, endpoint: s.lastEndpoint!, receive: () => s.receive() }
}

/** A PUSH client of `lib` connected to `endpoint` (zmq-ts in CTX, zeromq in `zctx` or its default context). */
function client(r: Resources, lib: Lib, opts: SecOpts, endpoint: string, zctx?: zeromq.Context): Client {
  const log = new EventLog<Logged>()
  if (lib === "zmq-ts") {
    const s = r.add(new zt.Push({ linger: 0, context: CTX, ...opts }), (x) => x.close())
    for (const t of EVENT_TYPES) s.events.on(t, (e) => log.push(e))
    s.connect(endpoint)
    return { lib, log, send: (m) => s.send(m), close: () => s.close() }
  }
  const s = r.add(new zeromq.Push({ linger: 0, ...(zctx ? { context: zctx } : {}), ...opts }), (x) => x.close())
  for (const t of EVENT_TYPES) s.events.on(t, (e) => log.push(e))
  s.connect(endpoint)
  return { lib, log, send: (m) => s.send(m), close: () => s.close() }
}

/** A zmq-ts ZAP handler in CTX (REP, or ROUTER); closed with `r` after the sockets opened later. */
async function handler(r: Resources, policy: ZapPolicy, options: ZapHandlerOptions = {}): Promise<ZapHandler> {
  const sock = options.router === true ? new zt.Router({ linger: 0, context: CTX }) : new zt.Reply({ linger: 0, context: CTX })
  return r.add(await ZapHandler.start(sock, policy, options), (h) => h.close())
}

const events = (log: EventLog<Logged>): string => log.types.join(", ")

/** The event of `type` carries `status` (auth) or `code` (other failures). */
async function expectEvent(log: EventLog<Logged>, type: string, detail: { status?: number; code?: string }, who: string): Promise<void> {
  const e = await firstEvent(log, type)
  if (detail.status !== undefined) assert.equal(e.error?.status, detail.status, `${who} ${type} status; events: ${events(log)}`)
  if (detail.code !== undefined) assert.equal(e.error?.code, detail.code, `${who} ${type} code; events: ${events(log)}`)
}

/** The client was refused by authentication (400, 500): it says so and does not reconnect. */
async function expectAuthRefused(c: Client, status: number): Promise<void> {
  await expectEvent(c.log, "handshake:error:auth", { status }, `${c.lib} client`)
  await c.log.first("disconnect")
}

/** The server dropped the connection without an ERROR: the client sees it close and reconnects. */
async function expectDropped(c: Client): Promise<void> {
  await expectEvent(c.log, "handshake:error:other", { code: "EPIPE" }, `${c.lib} client`)
  await c.log.first("connect:retry")
}

/**
 * A client with good credentials gets in through `server` (the handler, if
 * any, now lets everyone in) and its message is the first the server
 * receives; the refused client is closed first, so that a reconnecting one
 * cannot slip in. Then checks the refused client never completed a
 * handshake, and, if `noRetry`, never scheduled a reconnect.
 */
async function goodClientGetsIn(r: Resources, mech: Mech, server: Server, refused: Client, zap: ZapHandler | null, noRetry: boolean): Promise<void> {
  refused.close()
  if (zap !== null) zap.policy = allowAll()
  const good = client(r, "zmq-ts", mech.client, server.endpoint)
  await good.send(["good"])
  assert.deepEqual((await server.receive()).map(String), ["good"], "the good client's message is the first the server receives")
  await good.log.first("handshake")
  assert.ok(!refused.log.types.includes("handshake"), `refused client: ${events(refused.log)}`)
  if (noRetry) assert.ok(!refused.log.types.includes("connect:retry"), `no reconnect after an auth failure: ${events(refused.log)}`)
}

// ---- the request -------------------------------------------------------------------------

void describe("ZAP request frames", () => {
  for (const mech of MECHS) {
    void test(`${mech.name}: version, request id, domain, address, identity, mechanism, credentials`, TIMEOUT, () =>
      guarded(async (r) => {
        const zap = await handler(r, allowAll())
        const server = await zmqtsServer(r, mech.server)
        const c = client(r, "zmq-ts", mech.client, server.endpoint)
        await c.send(["hello"])
        assert.deepEqual((await server.receive()).map(String), ["hello"])
        assert.equal(zap.requests.length, 1)
        const req = zap.requests[0]!
        assert.equal(req.version, "1.0")
        assert.equal(req.requestId, "1")
        assert.equal(req.domain, DOMAIN)
        assert.equal(req.address, "127.0.0.1")
        assert.equal(req.identity.length, 0, "identity: the server's routing id, empty by default")
        assert.equal(req.mechanism, mech.name)
        assert.deepEqual(req.credentials, mech.credentials)
      }, GUARD_MS),
    )
  }

  void test("CURVE: the credential is the client's 32-byte public key, as z85Decode gives it", TIMEOUT, () =>
    guarded(async (r) => {
      const zap = await handler(r, allowAll())
      const server = await zmqtsServer(r, CURVE.server)
      const keys = zt.curveKeyPair()
      const c = client(r, "zmq-ts", { ...CURVE.client, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey }, server.endpoint)
      await c.send(["hello"])
      await server.receive()
      const [key] = (await zap.request(0)).credentials
      assert.equal(key!.length, 32)
      assert.ok(key!.equals(z85Decode(keys.publicKey)))
    }, GUARD_MS),
  )

  void test("a ROUTER server's routing id is the identity frame; a ROUTER handler works as a REP one", TIMEOUT, () =>
    guarded(async (r) => {
      const zap = await handler(r, allowAll(), { router: true })
      const server = await zmqtsServer(r, PLAIN.server, "ROUTER", "server-id")
      const dealer = r.add(new zt.Dealer({ linger: 0, context: CTX, ...PLAIN.client }), (x) => x.close())
      dealer.connect(server.endpoint)
      await dealer.send(["hello"])
      const [, body] = await server.receive()
      assert.equal(body!.toString(), "hello")
      assert.equal((await zap.request(0)).identity.toString(), "server-id")
    }, GUARD_MS),
  )

  void test("PLAIN without zapDomain: the domain frame is empty", TIMEOUT, () =>
    guarded(async (r) => {
      const zap = await handler(r, allowAll())
      const server = await zmqtsServer(r, { plainServer: true })
      const c = client(r, "zmq-ts", PLAIN.client, server.endpoint)
      await c.send(["hello"])
      await server.receive()
      assert.equal((await zap.request(0)).domain, "")
    }, GUARD_MS),
  )

  void test("NULL without zapDomain does not ask the handler", TIMEOUT, () =>
    guarded(async (r) => {
      const zap = await handler(r, refuseAll("400"))
      const server = await zmqtsServer(r, {})
      const c = client(r, "zmq-ts", {}, server.endpoint)
      await c.send(["hello"])
      assert.deepEqual((await server.receive()).map(String), ["hello"])
      assert.equal(zap.requests.length, 0)
    }, GUARD_MS),
  )

  void test("a libzmq client's request has the same frames as a zmq-ts client's (PLAIN, CURVE)", TIMEOUT, () =>
    guarded(async (r) => {
      const zap = await handler(r, allowAll())
      for (const mech of [PLAIN, CURVE]) {
        const server = await zmqtsServer(r, mech.server)
        client(r, "zmq-ts", mech.client, server.endpoint)
        client(r, "zeromq", mech.client, server.endpoint)
        const n = zap.requests.length
        const [a, b] = await Promise.all([zap.request(n), zap.request(n + 1)])
        assert.deepEqual(a.frames, b.frames)
        assert.deepEqual(a.credentials, mech.credentials)
      }
    }, GUARD_MS),
  )
})

// ---- status codes --------------------------------------------------------------------------

void describe("ZAP status codes", () => {
  for (const mech of MECHS) {
    void test(`${mech.name}: 200 lets the client in; messages flow`, TIMEOUT, () =>
      guarded(async (r) => {
        await handler(r, allowAll("user"))
        const server = await zmqtsServer(r, mech.server)
        const c = client(r, "zmq-ts", mech.client, server.endpoint)
        await c.send(["one"])
        await c.send(["two", "", "three"])
        assert.deepEqual((await server.receive()).map(String), ["one"])
        assert.deepEqual((await server.receive()).map(String), ["two", "", "three"])
        await server.log.first("handshake")
        await c.log.first("handshake")
      }, GUARD_MS),
    )

    for (const lib of ["zmq-ts", "zeromq"] as const) {
      for (const status of [400, 500] as const) {
        void test(`${mech.name}, ${lib} client: ${status} refuses it with an ERROR (auth ${status} on both sides, no reconnect)`, TIMEOUT, () =>
          guarded(async (r) => {
            const zap = await handler(r, refuseAll(String(status) as "400" | "500"))
            const server = await zmqtsServer(r, mech.server)
            const bad = client(r, lib, mech.client, server.endpoint)
            await bad.send(["must not arrive"])
            await expectEvent(server.log, "handshake:error:auth", { status }, "server")
            await server.log.first("disconnect")
            await expectAuthRefused(bad, status)
            await goodClientGetsIn(r, mech, server, bad, zap, true)
          }, GUARD_MS),
        )
      }

      void test(`${mech.name}, ${lib} client: 300 refuses it without an ERROR (auth 300 on the server only; the client reconnects)`, TIMEOUT, () =>
        guarded(async (r) => {
          const zap = await handler(r, refuseAll("300"))
          const server = await zmqtsServer(r, mech.server)
          const bad = client(r, lib, mech.client, server.endpoint)
          await bad.send(["must not arrive"])
          await expectEvent(server.log, "handshake:error:auth", { status: 300 }, "server")
          await expectDropped(bad)
          assert.ok(!bad.log.types.includes("handshake:error:auth"), `no ERROR reached the client: ${events(bad.log)}`)
          await goodClientGetsIn(r, mech, server, bad, zap, false)
        }, GUARD_MS),
      )
    }
  }
})

// ---- malformed replies -----------------------------------------------------------------------

interface Malformed {
  name: string
  /** The reply, given the request's version and id. */
  verdict: (version: string, id: string) => ZapVerdict
  options?: ZapHandlerOptions
  code: string
}

const MALFORMED: readonly Malformed[] = [
  { name: "6 frames (no metadata frame)", verdict: (v, id) => ({ raw: [v, id, "200", "OK", ""] }), code: "ERR_ZAP_MALFORMED_REPLY" },
  { name: "8 frames", verdict: (v, id) => ({ raw: [v, id, "200", "OK", "", "", "extra"] }), code: "ERR_ZAP_MALFORMED_REPLY" },
  {
    name: "no empty delimiter (ROUTER handler)",
    verdict: (v, id) => ({ raw: [v, id, "200", "OK", "", ""], omitDelimiter: true }),
    options: { router: true },
    code: "ERR_ZAP_MALFORMED_REPLY",
  },
  { name: 'version "1.1"', verdict: (_v, id) => ({ raw: ["1.1", id, "200", "OK", "", ""] }), code: "ERR_ZAP_BAD_VERSION" },
  { name: 'request id "2"', verdict: (v) => ({ raw: [v, "2", "200", "OK", "", ""] }), code: "ERR_ZAP_BAD_REQUEST_ID" },
  { name: 'status "201"', verdict: (v, id) => ({ raw: [v, id, "201", "OK", "", ""] }), code: "ERR_ZAP_INVALID_STATUS_CODE" },
  { name: 'status "abc"', verdict: (v, id) => ({ raw: [v, id, "abc", "OK", "", ""] }), code: "ERR_ZAP_INVALID_STATUS_CODE" },
  {
    name: "metadata whose value is longer than the frame",
    verdict: (v, id) => ({ raw: [v, id, "200", "OK", "", Buffer.from("\x05Hello\x00\x00\x00\x09ab", "latin1")] }),
    code: "ERR_ZAP_INVALID_METADATA",
  },
  { name: "metadata of one stray byte", verdict: (v, id) => ({ raw: [v, id, "200", "OK", "", " "] }), code: "ERR_ZAP_INVALID_METADATA" },
]

void describe("malformed ZAP replies", () => {
  for (const mech of MECHS) {
    for (const m of MALFORMED) {
      void test(`${mech.name}: ${m.name} → handshake:error:protocol ${m.code} on the server`, TIMEOUT, () =>
        guarded(async (r) => {
          const zap = await handler(r, (req) => m.verdict(req.version, req.requestId), m.options)
          const server = await zmqtsServer(r, mech.server)
          const bad = client(r, "zmq-ts", mech.client, server.endpoint)
          await bad.send(["must not arrive"])
          await expectEvent(server.log, "handshake:error:protocol", { code: m.code }, "server")
          await server.log.first("disconnect")
          assert.ok(!server.log.types.includes("handshake:error:auth"), events(server.log))
          await expectDropped(bad)
          await goodClientGetsIn(r, mech, server, bad, zap, false)
        }, GUARD_MS),
      )
    }
  }

  for (const m of MALFORMED.filter((x) => x.options === undefined)) {
    void test(`PLAIN, zeromq client: ${m.name} → ${m.code}; the libzmq client sees the connection close`, TIMEOUT, () =>
      guarded(async (r) => {
        const zap = await handler(r, (req) => m.verdict(req.version, req.requestId))
        const server = await zmqtsServer(r, PLAIN.server)
        const bad = client(r, "zeromq", PLAIN.client, server.endpoint)
        await expectEvent(server.log, "handshake:error:protocol", { code: m.code }, "server")
        await expectDropped(bad)
        await goodClientGetsIn(r, PLAIN, server, bad, zap, false)
      }, GUARD_MS),
    )
  }
})

// ---- no handler --------------------------------------------------------------------------------

void describe("no ZAP handler", () => {
  for (const lib of ["zmq-ts", "zeromq"] as const) {
    void test(`PLAIN, ${lib} client: the server fails the handshake (handshake:error:other EFAULT)`, TIMEOUT, () =>
      guarded(async (r) => {
        const server = await zmqtsServer(r, PLAIN.server)
        const bad = client(r, lib, PLAIN.client, server.endpoint)
        await bad.send(["must not arrive"])
        await expectEvent(server.log, "handshake:error:other", { code: "EFAULT" }, "server")
        await expectDropped(bad)
        const zap = await handler(r, allowAll())
        await goodClientGetsIn(r, PLAIN, server, bad, zap, false)
      }, GUARD_MS),
    )
  }

  for (const mech of [CURVE, NULL]) {
    for (const lib of ["zmq-ts", "zeromq"] as const) {
      void test(`${mech.name} with zapDomain, ${lib} client: accepted`, TIMEOUT, () =>
        guarded(async (r) => {
          const server = await zmqtsServer(r, mech.server)
          const c = client(r, lib, mech.client, server.endpoint)
          await c.send(["hello"])
          assert.deepEqual((await server.receive()).map(String), ["hello"])
          await c.log.first("handshake")
          await server.log.first("handshake")
        }, GUARD_MS),
      )
    }

    void test(`${mech.name} with zapDomain and zapEnforceDomain: refused (handshake:error:other EFAULT)`, TIMEOUT, () =>
      guarded(async (r) => {
        const server = await zmqtsServer(r, { ...mech.server, zapEnforceDomain: true })
        const bad = client(r, "zmq-ts", mech.client, server.endpoint)
        await bad.send(["must not arrive"])
        await expectEvent(server.log, "handshake:error:other", { code: "EFAULT" }, "server")
        await bad.log.first("disconnect")
        const zap = await handler(r, allowAll())
        await goodClientGetsIn(r, mech, server, bad, zap, false)
      }, GUARD_MS),
    )
  }

  // libzmq's CURVE server asks ZAP only "if (zap_required () || !options.zap_enforce_domain)":
  // with zapEnforceDomain but no zapDomain it skips ZAP altogether (see the reference tests).
  void test("CURVE with zapEnforceDomain but no zapDomain: accepted without asking ZAP (no handler)", TIMEOUT, () =>
    guarded(async (r) => {
      const server = await zmqtsServer(r, { curveServer: true, curveSecretKey: serverKeys.secretKey, zapEnforceDomain: true })
      const c = client(r, "zmq-ts", CURVE.client, server.endpoint)
      await c.send(["hello"])
      const refused = firstEvent(server.log, "handshake:error:other").then((e) => `server refused: ${e.error?.code}`)
      assert.deepEqual(await Promise.race([server.receive().then((m) => m.map(String).join()), refused]), "hello")
    }, GUARD_MS),
  )

  void test("CURVE with zapEnforceDomain but no zapDomain: a bound handler is not asked", TIMEOUT, () =>
    guarded(async (r) => {
      const zap = await handler(r, refuseAll("400"))
      const server = await zmqtsServer(r, { curveServer: true, curveSecretKey: serverKeys.secretKey, zapEnforceDomain: true })
      const c = client(r, "zmq-ts", CURVE.client, server.endpoint)
      await c.send(["hello"])
      const refused = firstEvent(server.log, "handshake:error:auth").then((e) => `server refused: ${e.error?.status}`)
      assert.deepEqual(await Promise.race([server.receive().then((m) => m.map(String).join()), refused]), "hello")
      assert.equal(zap.requests.length, 0)
    }, GUARD_MS),
  )

  void test("NULL with zapEnforceDomain but no zapDomain: a bound handler is not asked", TIMEOUT, () =>
    guarded(async (r) => {
      const zap = await handler(r, refuseAll("400"))
      const server = await zmqtsServer(r, { zapEnforceDomain: true })
      const c = client(r, "zmq-ts", {}, server.endpoint)
      await c.send(["hello"])
      assert.deepEqual((await server.receive()).map(String), ["hello"])
      assert.equal(zap.requests.length, 0)
    }, GUARD_MS),
  )
})

// ---- a slow handler ------------------------------------------------------------------------------

/** A ZMTP 3.1 greeting as a client. */
function greeting(mechanism: string): Buffer {
  const g = Buffer.alloc(64)
  g[0] = 0xff
  g[9] = 0x7f
  g[10] = 3
  g[11] = 1
  g.write(mechanism, 12, "ascii")
  return g
}

function command(name: string, data: Buffer): Buffer {
  return zmtpFrame(Buffer.concat([Buffer.of(name.length), Buffer.from(name, "ascii"), data]), { command: true })
}

/** RFC 37 metadata: name-size, name, 4-octet value-size, value. */
function metadata(props: [string, string][]): Buffer {
  return Buffer.concat(
    props.map(([k, v]) => {
      const len = Buffer.alloc(4)
      len.writeUInt32BE(Buffer.byteLength(v))
      return Buffer.concat([Buffer.of(k.length), Buffer.from(k), len, Buffer.from(v)])
    }),
  )
}

const PUSH_METADATA = metadata([["Socket-Type", "PUSH"]])
const message = (s: string): Buffer => zmtpFrame(Buffer.from(s))

/**
 * A PUSH peer's whole side of the handshake plus two messages, sent at once
 * without waiting for the server: legal for NULL (READY needs nothing from
 * the server) and for PLAIN (HELLO then INITIATE; the server reads INITIATE
 * only after its WELCOME).
 */
const PIPELINED: Record<"NULL" | "PLAIN", Buffer> = {
  NULL: Buffer.concat([greeting("NULL"), command("READY", PUSH_METADATA), message("m1"), message("m2")]),
  PLAIN: Buffer.concat([
    greeting("PLAIN"),
    command("HELLO", Buffer.concat([Buffer.of(5), Buffer.from("admin"), Buffer.of(6), Buffer.from("secret")])),
    command("INITIATE", PUSH_METADATA),
    message("m1"),
    message("m2"),
  ]),
}

/**
 * Connects a raw socket to a tcp endpoint and writes `bytes`; resolves once
 * the write has been handed to the kernel, which on loopback means the bytes
 * are in the server's receive buffer. `closed` settles when the server hangs up.
 */
async function rawPeer(r: Resources, endpoint: string, bytes: Buffer): Promise<{ closed: Promise<unknown> }> {
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint)
  assert.ok(m !== null)
  const sock = r.add(net.createConnection({ host: m[1]!, port: Number(m[2]) }), (s) => void s.destroy())
  sock.on("error", () => undefined)
  sock.on("data", () => undefined)
  const closed = once(sock, "close")
  await once(sock, "connect")
  await new Promise<void>((resolve, reject) => sock.write(bytes, (err) => (err ? reject(err) : resolve())))
  return { closed }
}

void describe("slow ZAP handler", () => {
  for (const mech of MECHS) {
    void test(`${mech.name}: nothing is received before the handler answers 200`, TIMEOUT, () =>
      guarded(async (r) => {
        const answer = gate<ZapVerdict>()
        const zap = await handler(r, () => answer.promise)
        const server = await zmqtsServer(r, mech.server)
        const c = client(r, "zmq-ts", mech.client, server.endpoint)
        await c.send(["m1"])
        await c.send(["m2"])
        await zap.request(0)
        let replied = false
        const received = server.receive().then((msg) => {
          assert.ok(replied, "a message reached the application before ZAP allowed it")
          return msg.map(String)
        })
        assert.ok(!server.log.types.includes("handshake"), "no handshake before ZAP's verdict")
        replied = true
        answer.open({ status: "200" })
        assert.deepEqual(await received, ["m1"])
        assert.deepEqual((await server.receive()).map(String), ["m2"])
      }, GUARD_MS),
    )
  }

  for (const name of ["NULL", "PLAIN"] as const) {
    const mech = name === "NULL" ? NULL : PLAIN
    void test(`${name}: messages already arrived wait for 200, then arrive in order`, TIMEOUT, () =>
      guarded(async (r) => {
        const answer = gate<ZapVerdict>()
        const zap = await handler(r, () => answer.promise)
        const server = await zmqtsServer(r, mech.server)
        await rawPeer(r, server.endpoint, PIPELINED[name])
        const req = await zap.request(0)
        assert.deepEqual(req.credentials, mech.credentials)
        let replied = false
        const received = server.receive().then((msg) => {
          assert.ok(replied, "a message reached the application before ZAP allowed it")
          return msg.map(String)
        })
        assert.ok(!server.log.types.includes("handshake"), "no handshake before ZAP's verdict")
        replied = true
        answer.open({ status: "200" })
        assert.deepEqual(await received, ["m1"])
        assert.deepEqual((await server.receive()).map(String), ["m2"])
      }, GUARD_MS),
    )

    void test(`${name}: messages already arrived are dropped when the handler then answers 400`, TIMEOUT, () =>
      guarded(async (r) => {
        const answer = gate<ZapVerdict>()
        const zap = await handler(r, () => answer.promise)
        const server = await zmqtsServer(r, mech.server)
        const peer = await rawPeer(r, server.endpoint, PIPELINED[name])
        await zap.request(0)
        answer.open({ status: "400" })
        await expectEvent(server.log, "handshake:error:auth", { status: 400 }, "server")
        await peer.closed
        zap.policy = allowAll()
        const good = client(r, "zmq-ts", mech.client, server.endpoint)
        await good.send(["good"])
        assert.deepEqual((await server.receive()).map(String), ["good"], "the first message received is the good client's")
      }, GUARD_MS),
    )
  }
})

// ---- libzmq reference -------------------------------------------------------------------------------

/**
 * The same scenario libzmq-to-libzmq: a zeromq server (with a zeromq ZAP
 * handler when `policy` is given) in a fresh zeromq context, and a zeromq
 * client. Resolves with both event logs once `until` has happened.
 */
async function libzmqScenario(
  r: Resources,
  serverOpts: SecOpts,
  clientOpts: SecOpts,
  policy: ZapPolicy | null,
  until: (server: EventLog<Logged>, client: EventLog<Logged>) => Promise<unknown>,
): Promise<{ server: EventLog<Logged>; client: EventLog<Logged>; zap: ZapHandler | null }> {
  const zctx = new zeromq.Context()
  ZEROMQ_CONTEXTS.push(zctx)
  const zap = policy === null ? null : r.add(await ZapHandler.start(new zeromq.Reply({ linger: 0, context: zctx }), policy), (h) => h.close())
  const log = new EventLog<Logged>()
  const s = r.add(new zeromq.Pull({ linger: 0, context: zctx, ...serverOpts }), (x) => x.close())
  for (const t of EVENT_TYPES) s.events.on(t, (e) => log.push(e))
  await s.bind("tcp://127.0.0.1:*")
  const c = client(r, "zeromq", clientOpts, s.lastEndpoint!, zctx)
  await until(log, c.log)
  return { server: log, client: c.log, zap }
}

/**
 * Every zeromq context made, kept referenced until the process exits: when
 * one is garbage-collected after its sockets (with observers) were closed,
 * zeromq 6.8.0 sometimes leaves a libuv poll handle active and the process
 * never exits.
 */
const ZEROMQ_CONTEXTS: zeromq.Context[] = []

void describe("libzmq reference (zeromq server, handler and client)", () => {
  const curveServer = { curveServer: true, curveSecretKey: serverKeys.secretKey }

  void test("CURVE, zapEnforceDomain without zapDomain, no handler: accepted", TIMEOUT, () =>
    guarded(async (r) => {
      const { server } = await libzmqScenario(r, { ...curveServer, zapEnforceDomain: true }, CURVE.client, null, (s, c) => Promise.all([s.first("handshake"), c.first("handshake")]))
      assert.ok(!server.types.includes("handshake:error:other"), events(server))
    }, GUARD_MS),
  )

  void test("CURVE, zapEnforceDomain without zapDomain, handler refusing 400: accepted, handler not asked", TIMEOUT, () =>
    guarded(async (r) => {
      const { zap } = await libzmqScenario(r, { ...curveServer, zapEnforceDomain: true }, CURVE.client, refuseAll("400"), (s, c) =>
        Promise.all([s.first("handshake"), c.first("handshake")]),
      )
      assert.equal(zap!.requests.length, 0)
    }, GUARD_MS),
  )

  void test("CURVE, zapEnforceDomain with zapDomain, no handler: EFAULT", TIMEOUT, () =>
    guarded(async (r) => {
      const { server } = await libzmqScenario(r, { ...CURVE.server, zapEnforceDomain: true }, CURVE.client, null, (s) => s.first("handshake:error:other"))
      await expectEvent(server, "handshake:error:other", { code: "EFAULT" }, "libzmq server")
    }, GUARD_MS),
  )

  void test("CURVE, zapDomain without zapEnforceDomain, no handler: accepted", TIMEOUT, () =>
    guarded(async (r) => {
      await libzmqScenario(r, CURVE.server, CURVE.client, null, (s, c) => Promise.all([s.first("handshake"), c.first("handshake")]))
    }, GUARD_MS),
  )

  void test("NULL, zapEnforceDomain with zapDomain, no handler: EFAULT", TIMEOUT, () =>
    guarded(async (r) => {
      const { server } = await libzmqScenario(r, { ...NULL.server, zapEnforceDomain: true }, {}, null, (s) => s.first("handshake:error:other"))
      await expectEvent(server, "handshake:error:other", { code: "EFAULT" }, "libzmq server")
    }, GUARD_MS),
  )

  // libzmq does not reliably close the connection right after reporting
  // EFAULT (it was seen to keep it open, silent, until the handshake
  // interval), so only the server's event is pinned here.
  void test("PLAIN, no handler: EFAULT", TIMEOUT, () =>
    guarded(async (r) => {
      const { server } = await libzmqScenario(r, PLAIN.server, PLAIN.client, null, (s) => s.first("handshake:error:other"))
      await expectEvent(server, "handshake:error:other", { code: "EFAULT" }, "libzmq server")
    }, GUARD_MS),
  )

  for (const mech of MECHS) {
    for (const status of [400, 500] as const) {
      void test(`${mech.name}: ${status} → auth ${status} on both sides, no reconnect`, TIMEOUT, () =>
        guarded(async (r) => {
          const { server, client: c } = await libzmqScenario(r, mech.server, mech.client, refuseAll(String(status) as "400" | "500"), (s, c) =>
            Promise.all([s.first("handshake:error:auth"), c.first("disconnect")]),
          )
          await expectEvent(server, "handshake:error:auth", { status }, "libzmq server")
          await expectEvent(c, "handshake:error:auth", { status }, "libzmq client")
        }, GUARD_MS),
      )
    }
  }

  void test("PLAIN: 300 → auth 300 on the server only; the connection stays until the handshake interval, then the client reconnects", TIMEOUT, () =>
    guarded(async (r) => {
      const { client: c } = await libzmqScenario(r, { ...PLAIN.server, handshakeInterval: 200 }, PLAIN.client, refuseAll("300"), (s, c) =>
        Promise.all([s.first("handshake:error:auth"), c.first("connect:retry")]),
      )
      await expectEvent(c, "handshake:error:other", { code: "EPIPE" }, "libzmq client")
      assert.ok(!c.types.includes("handshake:error:auth"), events(c))
    }, GUARD_MS),
  )

  for (const m of MALFORMED.filter((x) => x.options === undefined)) {
    void test(`PLAIN: ${m.name} → ${m.code}`, TIMEOUT, () =>
      guarded(async (r) => {
        const { server } = await libzmqScenario(r, PLAIN.server, PLAIN.client, (req) => m.verdict(req.version, req.requestId), (s, c) =>
          Promise.all([s.first("handshake:error:protocol"), c.first("connect:retry")]),
        )
        await expectEvent(server, "handshake:error:protocol", { code: m.code }, "libzmq server")
      }, GUARD_MS),
    )
  }
})

/**
 * zmq-ts's browser build (dist/browser/zmq-ts.mjs) in headless Chromium,
 * against ROUTER and XPUB sockets bound on ws:// in Node: zmq-ts's and
 * zeromq's (libzmq 4.3.5). The page can offer only bare "ZWS2.0" (RFC 45
 * "No Mechanism"), so this checks that subprotocol on both servers, and
 * that messages Chromium fragments (RFC 6455 5.4, above 65,536 octets
 * with the flags octet; libzmq does not reassemble them) arrive whole at
 * zmq-ts.
 *
 * XPUB rather than PUB on the Node side: the subscription arriving is the
 * event that says publishing can start (a PUB drops what no one has
 * subscribed to yet).
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { createHash, createPublicKey } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, test } from "node:test"
import * as zeromq from "zeromq"
import * as zmqts from "../../src/index.js"
import { openBrowserPage, type BrowserPage } from "./harness.mjs"
import { scaled } from "../helpers/time.js"

type Lib = typeof zmqts | typeof zeromq
const LIBS: [string, Lib][] = [
  ["zmq-ts", zmqts],
  ["zeromq", zeromq],
]

let browser: BrowserPage

/**
 * A self-signed certificate for wss:// from the page, made by the openssl
 * CLI as in ws-transport.test.ts; Chromium trusts its key alone (harness
 * trustSpki). Without openssl the wss test is not registered (and says so).
 */
function selfSigned(name = "localhost"): { cert: string; key: string; spki: string } | null {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" })
  } catch {
    return null
  }
  const dir = mkdtempSync(join(tmpdir(), "zmq-ts-browser-wss-"))
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", `/CN=${name}`, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" })
    const cert = readFileSync(join(dir, "cert.pem"), "latin1")
    const spkiDer = createPublicKey(cert).export({ type: "spki", format: "der" })
    return { cert, key: readFileSync(join(dir, "key.pem"), "latin1"), spki: createHash("sha256").update(spkiDer).digest("base64") }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
const tls = selfSigned()
/** The same kind of certificate, whose key Chromium is not told to trust. */
const untrusted = tls === null ? null : selfSigned("untrusted")

before(async () => {
  browser = await openBrowserPage({ trustSpki: tls === null ? [] : [tls.spki] })
}, { timeout: scaled(60_000) })

after(async () => {
  await browser?.close()
})

/** Echoes every message back to its sender until the socket closes. */
async function echo(router: zmqts.Router | zeromq.Router): Promise<void> {
  try {
    for (;;) await router.send(await router.receive())
  } catch (err) {
    if (!router.closed) throw err
  }
}

async function bound<S extends { bind(a: string): Promise<void>; readonly lastEndpoint: string | null }>(s: S): Promise<string> {
  await s.bind("ws://127.0.0.1:*")
  assert.ok(s.lastEndpoint !== null)
  return s.lastEndpoint
}

for (const [name, lib] of LIBS) {
  // Chromium 156 sends a WebSocket message of up to 65,536 octets (flags octet + frame) as one frame and may
  // fragment larger ones (measured; README "In the browser"), which libzmq 4.3.5's ws engine does not join
  // (the connection stalls): libzmq gets messages up to the limit, zmq-ts past it.
  const sizes = name === "zmq-ts" ? [1, 65_535, 65_536, 300_000] : [1, 65_535]

  void test(`page DEALER <-> ${name} ROUTER over ws: round trips and ${sizes.at(-1)}-octet messages`, { timeout: scaled(60_000) }, async (t) => {
    const router = new lib.Router()
    t.after(() => router.close())
    const url = await bound(router)
    const echoing = echo(router)
    try {
      const got = (await browser.run("dealerRoundTrips", url, 50, sizes)) as {
        replies: string[]
        big: { size: number; echoed: number; same: boolean; isBuffer: boolean }[]
      }
      assert.deepEqual(got.replies, Array.from({ length: 50 }, (_, i) => `ping|${i}`))
      assert.deepEqual(got.big, sizes.map((size) => ({ size, echoed: size, same: true, isBuffer: true })))
    } catch (err) {
      throw new Error(`${String(err)}\npage console:\n${browser.logs.join("\n")}`)
    }
    router.close()
    await echoing
  })

  void test(`page SUB <- ${name} XPUB over ws: only the subscribed prefix arrives`, { timeout: scaled(60_000) }, async (t) => {
    const xpub = new lib.XPublisher()
    t.after(() => xpub.close())
    const url = await bound(xpub)
    const topics = browser.run("subscribe", url, "weather.", 3)
    const [subscription] = await xpub.receive()
    assert.equal(subscription!.toString("latin1"), "\x01weather.")
    for (const topic of ["news.a", "weather.rain", "sport.b", "weather.sun", "weatherman", "weather.end"]) {
      await xpub.send([topic, "body"])
    }
    assert.deepEqual(await topics, ["weather.rain", "weather.sun", "weather.end"])
  })
}

for (const [name, lib] of LIBS) {
  void test(`page REQ, PUSH, PAIR -> ${name} REP, PULL, PAIR over ws; the page's socket events`, { timeout: scaled(60_000) }, async (t) => {
    const rep = new lib.Reply()
    const pull = new lib.Pull()
    const pair = new lib.Pair()
    t.after(() => [rep, pull, pair].forEach((s) => s.close()))
    const urls = { rep: await bound(rep), pull: await bound(pull), pair: await bound(pair) }
    const page = browser.run("otherPatterns", urls)
    const request = await rep.receive()
    await rep.send(request.map((f) => f.toString().toUpperCase()))
    assert.deepEqual((await pull.receive()).map(String), ["pushed", "from the page"])
    assert.equal((await pair.receive()).toString(), "pair ping")
    await pair.send("pair pong")
    const got = (await page) as { reply: string[]; pairReply: string[]; events: string[] }
    assert.deepEqual(got.reply, ["QUESTION", "TWO PARTS"])
    assert.deepEqual(got.pairReply, ["pair pong"])
    // A WebSocket dial reports connect:delay, then connect and handshake, as a tcp one does.
    assert.deepEqual(got.events, ["connect:delay", "connect", "handshake"])
  })
}

if (tls === null) {
  console.warn("browser.test.ts: openssl not found; the wss:// test is not registered")
} else {
  const { cert, key } = tls
  void test("page DEALER <-> zmq-ts ROUTER over wss:// (TLS by the browser, the certificate checked against its key)", { timeout: scaled(60_000) }, async (t) => {
    const router = new zmqts.Router({ wssCertPem: cert, wssKeyPem: key })
    t.after(() => router.close())
    await router.bind("wss://127.0.0.1:*/secure")
    const echoing = echo(router)
    const got = (await browser.run("dealerRoundTrips", router.lastEndpoint, 5, [100_000])) as { replies: string[]; big: { same: boolean }[] }
    assert.deepEqual(got.replies, ["ping|0", "ping|1", "ping|2", "ping|3", "ping|4"])
    assert.deepEqual(got.big.map((b) => b.same), [true])
    router.close()
    await echoing
  })

  void test("page DEALER to a wss:// server whose certificate Chromium does not trust: retries, never a handshake", { timeout: scaled(60_000) }, async (t) => {
    const router = new zmqts.Router({ wssCertPem: untrusted!.cert, wssKeyPem: untrusted!.key })
    t.after(() => router.close())
    await router.bind("wss://127.0.0.1:*")
    const events = (await browser.run("retriesOf", router.lastEndpoint)) as string[]
    assert.deepEqual(events, ["connect:delay", "close", "connect:retry", "connect:delay", "close", "connect:retry"])
  })
}

void test("in the page: bind, tcp and PLAIN over ws throw clear errors; inproc and curveKeyPair work", { timeout: scaled(30_000) }, async () => {
  const out = (await browser.run("refusals")) as Record<string, unknown>
  assert.match(String(out.bindWs), /^EPROTONOSUPPORT: bind to ws:\/\/ is not available in a browser/)
  assert.match(String(out.connectTcp), /^EPROTONOSUPPORT: tcp:\/\/ is not available in a browser/)
  assert.match(String(out.plainWs), /^EPROTONOSUPPORT: PLAIN over ws from a browser/)
  assert.equal(out.inproc, "over inproc")
  assert.equal(out.curveKeyLength, 40)
  assert.equal(out.ipc, false)
  // What the page cannot do, capability says: no UDP for pgm, CURVE over ws refused.
  assert.equal(out.pgm, false)
  assert.equal(out.curve, false)
})

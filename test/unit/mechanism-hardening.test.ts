/**
 * Hardening of the handshake state machines, driven in-process: key material
 * is dropped once its work is done (RFC 26), properties set by ZAP cannot be
 * overridden by the peer's own metadata (libzmq).
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { encodeCommand, encodeReady } from "../../src/codec/command.js"
import { generateKeyPair } from "../../src/crypto/box.js"
import { CurveClient, CurveServer } from "../../src/mechanism/curve.js"
import { CurveKeyMemo, makeCurve } from "../../src/mechanism/curve-options.js"
import type { MechanismContext } from "../../src/mechanism/mechanism.js"
import { NullMechanism } from "../../src/mechanism/null.js"
import { PlainClient, PlainServer } from "../../src/mechanism/plain.js"

function ctx(socketType: "PUSH" | "PULL", zapDomain: string | null = null): MechanismContext {
  return { socketType, routingId: Buffer.alloc(0), zapDomain, zapEnforceDomain: false, peerAddress: "127.0.0.1" }
}

/** A ZAP 200 reply (after the REQ envelope's empty delimiter) carrying User-Id and one property. */
function zapOk(userId: string): Buffer[] {
  const meta = Buffer.concat([Buffer.of(4), Buffer.from("Role"), Buffer.from([0, 0, 0, 5]), Buffer.from("admin")])
  return ["", "1.0", "1", "200", "OK", userId, meta].map((f) => (Buffer.isBuffer(f) ? f : Buffer.from(f)))
}

const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0)

void describe("mechanism hardening", () => {
  void it("CURVE: the server drops its cookie key and s' at a valid INITIATE; the client drops c'", () => {
    const serverKeys = generateKeyPair()
    const clientKeys = generateKeyPair()
    const server = new CurveServer(ctx("PULL"), serverKeys.publicKey, serverKeys.secretKey)
    const client = new CurveClient(ctx("PUSH"), serverKeys.publicKey, clientKeys.publicKey, clientKeys.secretKey)
    const peek = (m: object, field: string): Uint8Array => (m as Record<string, Uint8Array>)[field]!
    const serverTransient = (server as unknown as { transient: { secretKey: Uint8Array } }).transient
    const clientTransient = (client as unknown as { transient: { secretKey: Uint8Array } }).transient
    const [hello] = client.start()
    const [welcome] = server.onCommand(hello!)
    assert.equal(allZero(peek(server, "cookieKey")), false, "the cookie key is live until INITIATE")
    const [initiate] = client.onCommand(welcome!)
    assert.ok(allZero(clientTransient.secretKey), "c' zeroed once INITIATE is made")
    assert.deepEqual(server.onCommand(initiate!), [], "the server asks ZAP next")
    assert.ok(allZero(peek(server, "cookieKey")), "cookie key zeroed at a valid INITIATE")
    assert.ok(allZero(serverTransient.secretKey), "s' zeroed at a valid INITIATE")
    const [ready] = server.onZapMissing()
    client.onCommand(ready!)
    assert.equal(client.status, "ready")
    assert.equal(server.status, "ready")
    // The session still works: a message sealed by one side opens on the other.
    const box = client.encodeFrame(0, Buffer.from("hi"))
    assert.equal(server.decodeFrame(box).data.toString(), "hi")
  })

  void it("CURVE: a socket's CurveKeyMemo keeps one server public key per secret key; connections made with it handshake and wipe only their own keys", () => {
    const serverKeys = generateKeyPair()
    const otherKeys = generateKeyPair()
    const clientKeys = generateKeyPair()
    const memo = new CurveKeyMemo()
    const first = memo.serverPublicKey(serverKeys.secretKey)
    assert.deepEqual(Buffer.from(first), Buffer.from(serverKeys.publicKey))
    assert.equal(memo.serverPublicKey(serverKeys.secretKey), first, "the same key: the same (memoised) array")
    // a different secret key (an endpoint bound after the option changed) gets its own public key
    assert.deepEqual(Buffer.from(memo.serverPublicKey(otherKeys.secretKey)), Buffer.from(otherKeys.publicKey))
    const serverOpts = { curveServer: true, curvePublicKey: null, curveSecretKey: serverKeys.secretKey, curveServerKey: null }
    const clientOpts = { curveServer: false, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey, curveServerKey: serverKeys.publicKey }
    const clientMemo = new CurveKeyMemo()
    // three connections per socket: each wipes its keys at the end, the memo's imports must survive that
    for (let i = 0; i < 3; i++) {
      const server = makeCurve(serverOpts, ctx("PULL"), memo) as CurveServer
      const client = makeCurve(clientOpts, ctx("PUSH"), clientMemo) as CurveClient
      const [hello] = client.start()
      const [welcome] = server.onCommand(hello!)
      const [initiate] = client.onCommand(welcome!)
      assert.deepEqual(server.onCommand(initiate!), [])
      const [ready] = server.onZapMissing()
      client.onCommand(ready!)
      assert.equal(client.status, "ready")
      assert.equal(server.status, "ready")
      assert.equal(server.decodeFrame(client.encodeFrame(0, Buffer.from(`m${i}`))).data.toString(), `m${i}`)
      assert.equal(server.peerMetadata.get("socket-type")?.toString(), "PUSH")
    }
    assert.equal(allZero(serverKeys.secretKey), false, "the long-term secret key is never wiped")
    assert.equal(allZero(clientKeys.secretKey), false)
  })

  void it("NULL: the peer's READY cannot override User-Id or properties set by ZAP", () => {
    const m = new NullMechanism(ctx("PULL", "domain"))
    assert.deepEqual(m.start(), [])
    m.zapRequest = null
    m.onZapReply(zapOk("alice"))
    m.onCommand(encodeReady([["Socket-Type", "PUSH"], ["User-Id", "mallory"], ["Role", "root"], ["X-Other", "kept"]]))
    assert.equal(m.status, "ready")
    assert.equal(m.peerMetadata.get("user-id")?.toString(), "alice")
    assert.equal(m.peerMetadata.get("role")?.toString(), "admin")
    assert.equal(m.peerMetadata.get("x-other")?.toString(), "kept")
  })

  void it("PLAIN: the client's INITIATE cannot override User-Id set by ZAP", () => {
    const server = new PlainServer(ctx("PULL"))
    const client = new PlainClient(ctx("PUSH"), "user", "pass")
    const [hello] = client.start()
    server.onCommand(hello!)
    const [welcome] = server.onZapReply(zapOk("alice"))
    client.onCommand(welcome!)
    server.onCommand(encodeCommand("INITIATE", encodeReady([["Socket-Type", "PUSH"], ["User-Id", "mallory"]]).subarray(6)))
    assert.equal(server.status, "ready")
    assert.equal(server.peerMetadata.get("user-id")?.toString(), "alice")
  })
})

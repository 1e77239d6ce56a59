/**
 * A CURVE server's long-term key per endpoint: libzmq copies the options into
 * each listener at bind, so a key set after one bind applies to the next bind
 * only. zmq-ts keeps the key's import and public key per socket
 * (CurveKeyMemo, made at the first connection): a different key on another
 * endpoint must not be served with the first one's, in either order, and
 * reconnections keep working with the kept keys.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import * as zt from "../../src/index.js"

function handshakeOf(sock: zt.Push): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.events.on("handshake", () => resolve())
    sock.events.on("handshake:error:protocol", (ev) => reject(new Error(`client: ${ev.error.message}`)))
  })
}

void describe("CURVE server keys per endpoint", () => {
  void test("two endpoints bound with different secret keys each serve their own key; a client of the wrong key is refused", async () => {
    const k1 = zt.curveKeyPair()
    const k2 = zt.curveKeyPair()
    const server = new zt.Pull({ linger: 0, curveServer: true, curveSecretKey: k1.secretKey })
    const open: (zt.Push | zt.Pull)[] = [server]
    try {
      await server.bind("tcp://127.0.0.1:*")
      const e1 = server.lastEndpoint!
      server.curveSecretKey = k2.secretKey
      await server.bind("tcp://127.0.0.1:*")
      const e2 = server.lastEndpoint!
      const client = (serverKey: string, endpoint: string): zt.Push => {
        const c = zt.curveKeyPair()
        const s = new zt.Push({ linger: 0, curveServerKey: serverKey, curvePublicKey: c.publicKey, curveSecretKey: c.secretKey })
        open.push(s)
        s.connect(endpoint)
        return s
      }
      // Every server-side handshake failure goes to whoever waits now.
      let onServerError: (code: string) => void = (code) => assert.fail(`server refused a handshake: ${code}`)
      server.events.on("handshake:error:protocol", (ev) => onServerError(ev.error.code ?? ""))
      // Alternate endpoints so the per-socket memo switches keys both ways, twice.
      const plan: [string, string][] = [[k2.publicKey, e2], [k1.publicKey, e1], [k2.publicKey, e2], [k1.publicKey, e1]]
      for (const [i, [key, endpoint]] of plan.entries()) {
        const c = client(key, endpoint)
        await new Promise<void>((resolve, reject) => {
          onServerError = (code) => reject(new Error(`server refused client ${i}: ${code}`))
          handshakeOf(c).then(resolve, reject)
        })
        await c.send(`m${i}`)
        const [msg] = await server.receive()
        assert.equal(msg!.toString(), `m${i}`)
      }
      // k2's public key at k1's endpoint: the server cannot open HELLO.
      const refused = new Promise<string>((resolve) => (onServerError = resolve))
      client(k2.publicKey, e1)
      assert.equal(await refused, "ERR_ZMTP_CRYPTOGRAPHIC")
    } finally {
      for (const s of open) s.close()
    }
  })
})

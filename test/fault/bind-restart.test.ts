/**
 * The bound side restarts on the same port: it is closed, the connecting
 * side notices (disconnect), and a new socket binds the same endpoint.
 *
 * - PUSH → PULL: messages sent while the PULL is gone are queued by the PUSH
 *   (not `immediate`) and delivered to the new PULL once, in order: exact
 *   count and order, and the sentinel sent afterwards is the very next
 *   message (no duplicates).
 * - SUB → XPUB: the SUB resubscribes to the new publisher by itself. XPUB is
 *   PUB plus subscription reporting, which is how the test knows, without
 *   guessing, that the subscription arrived; it then publishes a message
 *   nobody subscribed to and one the SUB wants: the SUB gets only the latter.
 *
 * zmq-ts on both ends and a `zeromq` peer in each role; direct tcp (the
 * bound socket itself goes away, no proxy needed).
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { guarded, IMPL_PAIRS, type Sock } from "./support.js"
import { scaled } from "../helpers/time.js"

const BEFORE = 100
const QUEUED = 500

/** Unbinds and closes `sock`, once the port is really free ("close" event). */
async function shutDown(sock: Sock, endpoint: string): Promise<void> {
  const mark = sock.log.mark()
  await sock.unbind(endpoint)
  await sock.log.wait("close", { since: mark })
  sock.close()
}

for (const [pushImpl, pullImpl] of IMPL_PAIRS) {
  void describe(`${pushImpl} PUSH connects to a ${pullImpl} PULL that restarts`, () => {
    void test("messages queued while the PULL was gone are delivered once, in order", { timeout: scaled(20_000) }, (t) =>
      guarded(15_000, async (r) => {
        const pull1 = r.sock(pullImpl, "PULL")
        const endpoint = await pull1.bind()
        const push = r.sock(pushImpl, "PUSH", { reconnectInterval: 20 })
        push.connect(endpoint)
        for (let i = 0; i < BEFORE; i++) await push.send(`m${i}`)
        for (let i = 0; i < BEFORE; i++) assert.equal((await pull1.receive())[0]!.toString(), `m${i}`)
        await push.log.wait("handshake") // (zeromq reports events asynchronously: not to be mistaken for the next one)

        const mark = push.log.mark()
        await shutDown(pull1, endpoint)
        await push.log.wait("disconnect", { since: mark })
        for (let i = BEFORE; i < BEFORE + QUEUED; i++) await push.send(`m${i}`)

        const pull2 = r.sock(pullImpl, "PULL")
        await pull2.bind(endpoint)
        await push.log.wait("handshake", { since: mark })
        for (let i = BEFORE; i < BEFORE + QUEUED; i++) {
          const got = (await pull2.receive())[0]!.toString()
          if (got !== `m${i}`) assert.fail(`after the restart: got ${got}, expected m${i} (lost, reordered or duplicated)`)
        }
        await push.send("sentinel")
        assert.equal((await pull2.receive())[0]!.toString(), "sentinel", "nothing delivered twice")
        t.diagnostic(`${QUEUED} queued messages delivered once, in order; PUSH events: ${push.log.types(mark)}`)
      }),
    )
  })
}

for (const [pubImpl, subImpl] of IMPL_PAIRS) {
  void describe(`${subImpl} SUB connects to a ${pubImpl} XPUB that restarts`, () => {
    void test("the SUB resubscribes to the new publisher", { timeout: scaled(20_000) }, (t) =>
      guarded(15_000, async (r) => {
        const pub1 = r.sock(pubImpl, "XPUB")
        const endpoint = await pub1.bind()
        const sub = r.sock(subImpl, "SUB", { reconnectInterval: 20 })
        sub.subscribe("a")
        sub.connect(endpoint)
        assert.equal((await pub1.receive())[0]!.toString("latin1"), "\x01a", "first publisher got the subscription")
        await pub1.send("a-1")
        assert.equal((await sub.receive())[0]!.toString(), "a-1")
        await sub.log.wait("handshake")

        const mark = sub.log.mark()
        await shutDown(pub1, endpoint)
        await sub.log.wait("disconnect", { since: mark })

        // A receive is pending, as in any subscriber application: libzmq (zeromq.js) only
        // resends subscriptions when the application thread next calls into the socket.
        const next = sub.receive()
        const pub2 = r.sock(pubImpl, "XPUB")
        await pub2.bind(endpoint)
        assert.equal((await pub2.receive())[0]!.toString("latin1"), "\x01a", "the restarted publisher got the subscription again")
        await pub2.send("b-2")
        await pub2.send("a-2")
        assert.equal((await next)[0]!.toString(), "a-2", "only the subscribed topic arrives")
        t.diagnostic(`resubscribed; SUB events: ${sub.log.types(mark)}`)
      }),
    )
  })
}

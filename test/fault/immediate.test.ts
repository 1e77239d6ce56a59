/**
 * `immediate: true` with one dead endpoint and one live one: a PUSH connects
 * to both; messages must go only to the live PULL, none queued for the dead
 * endpoint. "Dead" is either refused (nothing listens on the port) or
 * blackholed (the proxy accepts the TCP connection but nothing ever answers,
 * so the ZMTP handshake never completes).
 *
 * Proof that nothing was queued: the dead endpoint is then revived (a PULL
 * binds the port; or the proxy heals and resets the stuck connection), and
 * the first message it receives must be one sent after the revival. A
 * control without `immediate` shows the opposite: half the messages waited
 * in the dead endpoint's queue and arrive once it is back.
 *
 * zmq-ts on both ends and a `zeromq` peer in each role.
 */
import assert from "node:assert/strict"
import { once } from "node:events"
import * as net from "node:net"
import { describe, test } from "node:test"
import type { FaultProxy } from "./proxy.js"
import { guarded, IMPL_PAIRS, type Impl, type Resources, type Sock } from "./support.js"
import { scaled } from "../helpers/time.js"

const SENT = 100
const AFTER = 10

/** Receives from both sockets at once until `total` messages came in all; first frames as strings. */
async function receiveFromBoth(a: Sock, b: Sock, total: number): Promise<[string[], string[]]> {
  const got: [string[], string[]] = [[], []]
  let finish = (): void => undefined
  const finished = new Promise<void>((resolve) => (finish = resolve))
  const loop = async (s: Sock, into: string[]): Promise<void> => {
    for (;;) {
      into.push((await s.receive())[0]!.toString())
      if (got[0].length + got[1].length >= total) return finish()
    }
  }
  const loops = [loop(a, got[0]), loop(b, got[1])]
  // The loop still waiting when the total is reached is ended by close() (a rejected receive).
  for (const l of loops) l.catch(() => undefined)
  await Promise.race([finished, ...loops])
  return got
}

/** A port nothing listens on (found by listening on port 0 and closing). */
async function deadPort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const port = (server.address() as net.AddressInfo).port
  server.close()
  await once(server, "close")
  return port
}

type DeadKind = "refused" | "blackholed"

interface DeadEndpoint {
  endpoint: string
  /** Makes the endpoint work; returns the PULL that now receives its messages. */
  revive(): Promise<Sock>
}

async function makeDead(r: Resources, kind: DeadKind, pullImpl: Impl): Promise<DeadEndpoint> {
  if (kind === "refused") {
    const endpoint = `tcp://127.0.0.1:${await deadPort()}`
    return {
      endpoint,
      revive: async () => {
        const pull = r.sock(pullImpl, "PULL")
        await pull.bind(endpoint)
        return pull
      },
    }
  }
  const pull = r.sock(pullImpl, "PULL")
  const proxy: FaultProxy = await r.proxy(await pull.bind(), { blackholeNew: true })
  return {
    endpoint: proxy.endpoint,
    revive: async () => {
      // The stuck connection must be gone for the PUSH to dial again.
      if (proxy.stats.accepted === 0) await once(proxy, "connection")
      proxy.heal()
      proxy.reset()
      await pull.log.wait("handshake")
      return pull
    },
  }
}

for (const [pushImpl, pullImpl] of IMPL_PAIRS) {
  void describe(`${pushImpl} PUSH to one live and one dead ${pullImpl} PULL`, () => {
    for (const kind of ["refused", "blackholed"] as const) {
      void test(`immediate, dead endpoint ${kind}: messages go only to the live PULL, none queued for the dead one`, { timeout: scaled(20_000) }, (t) =>
        guarded(15_000, async (r) => {
          const live = r.sock(pullImpl, "PULL")
          const liveEndpoint = await live.bind()
          const dead = await makeDead(r, kind, pullImpl)
          const push = r.sock(pushImpl, "PUSH", { immediate: true, reconnectInterval: 20 })
          push.connect(dead.endpoint)
          push.connect(liveEndpoint)
          await push.log.wait("handshake")

          for (let i = 0; i < SENT; i++) await push.send(`m${i}`)
          for (let i = 0; i < SENT; i++) assert.equal((await live.receive())[0]!.toString(), `m${i}`, "the live PULL gets every message, in order")

          const mark = push.log.mark()
          const revived = await dead.revive()
          await push.log.wait("handshake", { since: mark })
          for (let i = 0; i < AFTER; i++) await push.send(`after-${i}`)
          const [toRevived, toLive] = await receiveFromBoth(revived, live, AFTER)
          assert.ok(toRevived.length > 0, "the revived endpoint takes its share")
          for (const m of [...toRevived, ...toLive]) assert.match(m, /^after-\d+$/, "only messages sent after the revival (nothing had been queued)")
          t.diagnostic(`before the revival all ${SENT} went to the live PULL; after it: ${toRevived.length} to the revived one, ${toLive.length} to the live one`)
        }),
      )
    }
  })
}

for (const pushImpl of ["zmq-ts", "zeromq"] as const) {
  void test(`control: ${pushImpl} PUSH without immediate queues messages for the dead endpoint`, { timeout: scaled(20_000) }, (t) =>
    guarded(15_000, async (r) => {
      const live = r.sock("zmq-ts", "PULL")
      const liveEndpoint = await live.bind()
      const dead = await makeDead(r, "refused", "zmq-ts")
      const push = r.sock(pushImpl, "PUSH", { reconnectInterval: 20 })
      push.connect(dead.endpoint)
      push.connect(liveEndpoint)
      await push.log.wait("handshake")
      for (let i = 0; i < SENT; i++) await push.send(`m${i}`)
      const revived = await dead.revive()
      const [toRevived, toLive] = await receiveFromBoth(revived, live, SENT)
      assert.ok(toRevived.length > 0, "some messages were held for the dead endpoint")
      for (const m of toRevived) assert.match(m, /^m\d+$/)
      t.diagnostic(`without immediate: ${toRevived.length} of ${SENT} waited for the dead endpoint, ${toLive.length} went to the live one`)
    }),
  )
}

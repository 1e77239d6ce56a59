/**
 * 1000 peers reconnecting at once: 1000 PUSH sockets connect through the
 * proxy to one PULL; the proxy restarts (every connection is reset, the
 * listener closes and listens again on the same port). Every PUSH must
 * report a new connect and handshake, and each then delivers one message:
 * the PULL receives exactly one from each of the 1000.
 *
 * reconnectInterval is small (10 ms, plus libzmq-style jitter) so that the
 * storm is over quickly; times are printed as test diagnostics.
 *
 * zmq-ts on both ends; zmq-ts PUSHes to a `zeromq` PULL; `zeromq` PUSHes
 * to a zmq-ts PULL.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import * as zeromq from "zeromq"
import * as zts from "../../src/index.js"
import { guarded, IMPL_PAIRS, now, type Impl, type Sock } from "./support.js"
import { scaled } from "../helpers/time.js"

const PEERS = 1000

/** A context with room for this many sockets (zeromq also counts one monitor socket per observed socket). */
function contextFor(impl: Impl): unknown {
  return impl === "zmq-ts" ? new zts.Context({ maxSockets: 4 * PEERS }) : new zeromq.Context({ maxSockets: 4 * PEERS })
}

/** Resolves once every socket has had one `type` event after its mark. */
function allSaw(socks: readonly Sock[], marks: readonly number[], type: string): Promise<unknown> {
  return Promise.all(socks.map((s, i) => s.log.wait(type, { since: marks[i] ?? 0 })))
}

for (const [pushImpl, pullImpl] of IMPL_PAIRS) {
  void describe(`${PEERS} ${pushImpl} PUSHes through the proxy to one ${pullImpl} PULL`, () => {
    void test("the proxy restarts: all reconnect, and each delivers one message", { timeout: scaled(70_000) }, (t) => {
      // Where the storm stood when a guard fired (the guard's message says it).
      let stage = "connecting"
      const pushes: Sock[] = []
      let marks: number[] = []
      const saw = (type: string): number => pushes.filter((p, i) => p.log.count(type, marks[i] ?? 0) > 0).length
      let received = 0
      const progress = (): string =>
        `stage ${stage}: ${pushes.length} PUSHes, ${saw("connect")} connected and ${saw("handshake")} handshaken since the stage's mark, ${received} messages received`
      // Only a guard: 5 s or so on an idle machine, 35-38 s under test:stress
      // (2 busy cores), so a loaded plain `npm test` came close to a 30 s guard.
      return guarded(60_000, async (r) => {
        const pushContext = contextFor(pushImpl)
        const pull = r.sock(pullImpl, "PULL", { context: contextFor(pullImpl), receiveHighWaterMark: 0 })
        // The proxy's lifetime outlasts the guard (a proxy that closed itself mid-test would look like a hang).
        const proxy = await r.proxy(await pull.bind(), { lifetimeMs: scaled(120_000) })

        const t0 = now()
        for (let i = 0; i < PEERS; i++) {
          const push = r.sock(pushImpl, "PUSH", { context: pushContext, reconnectInterval: 10 })
          push.connect(proxy.endpoint)
          pushes.push(push)
        }
        await allSaw(pushes, [], "handshake")
        const connectedMs = now() - t0

        marks = pushes.map((p) => p.log.mark())
        const pullMark = pull.log.mark()
        const t1 = now()
        stage = "restarting"
        await proxy.restart("rst")
        stage = "reconnecting"
        const listening = now()
        await allSaw(pushes, marks, "connect")
        const reconnectedMs = now() - t1
        await allSaw(pushes, marks, "handshake")
        const handshakenMs = now() - t1
        for (const [i, p] of pushes.entries()) {
          const c = p.log.events.slice(marks[i]).find((e) => e.type === "connect")!
          assert.ok(c.time >= listening, `PUSH ${i} connected only once the proxy listened again`)
        }

        stage = "delivering"
        await Promise.all(pushes.map((p, i) => p.send(`peer-${i}`)))
        const seen = new Set<string>()
        for (let k = 0; k < PEERS; k++) {
          const m = (await pull.receive())[0]!.toString()
          received++
          assert.ok(!seen.has(m), `${m} delivered twice`)
          seen.add(m)
        }
        const deliveredMs = now() - t1
        assert.equal(seen.size, PEERS)
        for (let i = 0; i < PEERS; i++) assert.ok(seen.has(`peer-${i}`), `nothing from PUSH ${i}`)

        const retries = pushes.reduce((n, p, i) => n + p.log.count("connect:retry", marks[i]), 0)
        t.diagnostic(
          `${PEERS} connected in ${connectedMs.toFixed(0)} ms; after the restart: all connected again in ${reconnectedMs.toFixed(0)} ms, ` +
            `handshaken in ${handshakenMs.toFixed(0)} ms, one message each delivered in ${deliveredMs.toFixed(0)} ms ` +
            `(${retries} reconnect attempts in all; the PULL saw ${pull.log.count("disconnect", pullMark)} disconnects, ` +
            `${pull.log.count("handshake", pullMark)} handshakes; proxy accepted ${proxy.stats.accepted} connections)`,
        )
      }, progress)
    })
  })
}

/**
 * Broken connections: RST, FIN and a silent blackhole between a connecting
 * PUSH and a bound PULL, through the fault proxy, for zmq-ts on both ends and
 * a `zeromq` peer on either end.
 *
 * With heartbeats (interval 100 ms, timeout 300 ms) on both sides, each side
 * must report the disconnect: at once for RST and FIN, within interval +
 * timeout for the blackhole (nothing ever arrives again, the connection stays
 * open). Then the proxy, which refused connections during the fault, listens
 * again, and the connecting side must reconnect (a connect event after that)
 * and carry messages. A second group has only one side heartbeating with a
 * TTL: the other side must honour the TTL it was sent.
 *
 * The detection limits are guards (interval + timeout + TOLERANCE_MS); the
 * measured times are printed as test diagnostics.
 */
import assert from "node:assert/strict"
import { describe, test, type TestContext } from "node:test"
import { guarded, IMPL_PAIRS, now, type Impl, type Options, type Resources } from "./support.js"
import { scaled } from "../helpers/time.js"

type Fault = "rst" | "fin" | "blackhole"
const FAULTS: readonly Fault[] = ["rst", "fin", "blackhole"]

const INTERVAL = 100
const TIMEOUT = 300
const TTL = 300
const HEARTBEAT: Options = { heartbeatInterval: INTERVAL, heartbeatTimeout: TIMEOUT }
/** Slack on top of the expected detection time before the guard fails the test (2 busy cores; scaled under test:stress). */
const TOLERANCE_MS = scaled(3000)
/** Passed to guarded(), which scales it. */
const GUARD_MS = 15_000
const TEST_TIMEOUT = { timeout: scaled(GUARD_MS) + scaled(5000) }

interface Scenario {
  fault: Fault
  connecting: Impl
  bound: Impl
  connectingOptions: Options
  boundOptions: Options
  /** Expected worst-case detection time, ms after the fault, for each side. */
  connectingLimit: number
  boundLimit: number
}

async function run(t: TestContext, r: Resources, s: Scenario): Promise<void> {
  const pull = r.sock(s.bound, "PULL", s.boundOptions)
  const target = await pull.bind()
  const proxy = await r.proxy(target)
  const push = r.sock(s.connecting, "PUSH", { ...s.connectingOptions, reconnectInterval: 50 })
  push.connect(proxy.endpoint)
  await Promise.all([push.log.wait("handshake"), pull.log.wait("handshake")])
  await push.send("before")
  assert.equal((await pull.receive())[0]!.toString(), "before")
  // A PING (9 bytes) has gone through from each side that sends them, so a TTL is armed.
  const pinging: Promise<void>[] = []
  if (Number(s.connectingOptions.heartbeatInterval ?? 0) > 0) pinging.push(proxy.forwarded("c2s", 9))
  if (Number(s.boundOptions.heartbeatInterval ?? 0) > 0) pinging.push(proxy.forwarded("s2c", 9))
  await Promise.all(pinging)

  // New connections are refused until the proxy is healthy again.
  await proxy.stopListening()
  const pushMark = push.log.mark()
  const pullMark = pull.log.mark()
  const t0 = now()
  if (s.fault === "rst") proxy.reset()
  else if (s.fault === "fin") proxy.fin()
  else proxy.blackhole()

  const guardFor = (limit: number, what: string) =>
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`guard: ${what} not detected within ${limit + TOLERANCE_MS} ms`)), limit + TOLERANCE_MS).unref())
  const [dPush, dPull] = await Promise.all([
    Promise.race([push.log.wait("disconnect", { since: pushMark }), guardFor(s.connectingLimit, `${push.name} (connecting side)`)]),
    Promise.race([pull.log.wait("disconnect", { since: pullMark }), guardFor(s.boundLimit, `${pull.name} (bound side)`)]),
  ])
  const connectingMs = dPush.time - t0
  const boundMs = dPull.time - t0
  const expected = (limit: number): string => (limit === 0 ? "expected at once" : `expected ≤ ${limit} ms`)
  t.diagnostic(
    `${s.fault}: disconnect seen by the connecting side after ${connectingMs.toFixed(0)} ms (${expected(s.connectingLimit)}), ` +
      `by the bound side after ${boundMs.toFixed(0)} ms (${expected(s.boundLimit)})`,
  )
  if (s.fault === "blackhole") {
    // Nothing but the heartbeat timers can have noticed: the proxy kept both connections open.
    assert.equal(proxy.stats.open, 1, "the blackholed connection is still open at the proxy")
    assert.ok(proxy.stats.dropped.c2s + proxy.stats.dropped.s2c > 0, "the blackhole swallowed heartbeats")
  }

  // Let the connecting side be refused once (a second connect:retry), then be healthy again.
  await push.log.wait("connect:retry", { since: pushMark, count: 2 })
  const healthy = now()
  await proxy.listen()
  const connected = await push.log.wait("connect", { since: pushMark })
  assert.ok(connected.time >= healthy, "connect event only once the proxy listens again")
  await push.log.wait("handshake", { since: pushMark })
  t.diagnostic(
    `reconnected ${(connected.time - healthy).toFixed(0)} ms after the proxy listened again ` +
      `(${push.log.count("connect:retry", pushMark)} retries while it refused; events: ${push.log.types(pushMark)})`,
  )
  await push.send("after")
  assert.equal((await pull.receive())[0]!.toString(), "after")
}

for (const [connecting, bound] of IMPL_PAIRS) {
  void describe(`heartbeats on both sides: ${connecting} PUSH connects through the proxy to ${bound} PULL`, () => {
    for (const fault of FAULTS) {
      const limit = fault === "blackhole" ? INTERVAL + TIMEOUT : 0
      void test(`${fault}: both sides see the disconnect, then the connecting side reconnects`, TEST_TIMEOUT, (t) =>
        guarded(GUARD_MS, (r) =>
          run(t, r, {
            fault,
            connecting,
            bound,
            connectingOptions: HEARTBEAT,
            boundOptions: HEARTBEAT,
            connectingLimit: limit,
            boundLimit: limit,
          }),
        ),
      )
    }
  })

  void describe(`only one side heartbeats, with a TTL: ${connecting} PUSH connects through the proxy to ${bound} PULL`, () => {
    const beating: Options = { ...HEARTBEAT, heartbeatTimeToLive: TTL }
    void test("blackhole: the silent bound side honours the connecting side's TTL", TEST_TIMEOUT, (t) =>
      guarded(GUARD_MS, (r) =>
        run(t, r, {
          fault: "blackhole",
          connecting,
          bound,
          connectingOptions: beating,
          boundOptions: {},
          connectingLimit: INTERVAL + TIMEOUT,
          boundLimit: TTL,
        }),
      ),
    )
    void test("blackhole: the silent connecting side honours the bound side's TTL", TEST_TIMEOUT, (t) =>
      guarded(GUARD_MS, (r) =>
        run(t, r, {
          fault: "blackhole",
          connecting,
          bound,
          connectingOptions: {},
          boundOptions: beating,
          connectingLimit: TTL,
          boundLimit: INTERVAL + TIMEOUT,
        }),
      ),
    )
  })
}

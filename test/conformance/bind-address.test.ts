/**
 * Where a tcp bind listens and what ZMQ_LAST_ENDPOINT reports, by address
 * kind and ZMQ_IPV6 (a socket's own, or its context's default): libzmq binds
 * host names it can look up (localhost), refuses IPv6 addresses without
 * ipv6 (ENODEV), and with ipv6 binds IPv4 addresses in their mapped form.
 */
import { describe } from "node:test"
import { conform } from "./harness.js"

const HOSTS = ["localhost", "lo", "127.0.0.1", "0.0.0.0", "*", "[::1]", "[::]", "[::ffff:127.0.0.1]", "nonexistent.invalid"]

void describe("conformance: bind addresses and ipv6", () => {
  for (const ipv6 of [false, true]) {
    conform(`tcp bind by address kind, ipv6 ${ipv6}`, async (zmq, t) => {
      const out: Record<string, unknown> = {}
      for (const host of HOSTS) {
        const s = t.track(new zmq.Dealer({ linger: 0, ipv6 }))
        const r = await t.attempt(() => s.bind(`tcp://${host}:*`))
        out[host] = "error" in r ? r.error.code : s.lastEndpoint!.replace(/:\d+$/, ":PORT")
        s.close()
      }
      return out
    })
  }

  conform("a context's ipv6 is the default of the sockets it makes afterwards", async (zmq, t) => {
    const context = new zmq.Context({ ipv6: true })
    const before = t.track(new zmq.Dealer({ context, linger: 0 }))
    await before.bind("tcp://127.0.0.1:*")
    context.ipv6 = false
    const after = t.track(new zmq.Dealer({ context, linger: 0 }))
    return { before: before.ipv6, endpoint: before.lastEndpoint!.replace(/:\d+$/, ":PORT"), after: after.ipv6 }
  }, { expect: { before: true, endpoint: "tcp://[::ffff:127.0.0.1]:PORT", after: false } })

  conform("a connect to an IPv6 address without ipv6 never resolves: it only retries, opening no connection", async (zmq, t) => {
    const pull = t.track(new zmq.Pull({ ipv6: true, linger: 0 }))
    await pull.bind("tcp://[::1]:*")
    const push = t.track(new zmq.Push({ linger: 0, reconnectInterval: 10 }))
    const seen: string[] = []
    const events = push.events
    push.connect(pull.lastEndpoint!)
    for await (const e of events) if (seen.push(e.type) === 3) break
    return seen
  }, { expect: ["connect:retry", "connect:retry", "connect:retry"] })
})

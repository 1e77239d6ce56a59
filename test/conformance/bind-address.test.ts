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
})

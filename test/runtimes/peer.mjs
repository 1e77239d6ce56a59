// Cross-runtime peer for runtimes.test.ts: binds a Reply socket on tcp and
// one on ws (loopback, wildcard ports), prints "endpoint <ep>" for each,
// answers one request on each ("<runtime> got <msg>"), and once the client
// disconnects (so the reply was delivered), closes and exits.
// Usage: <runtime> test/runtimes/peer.mjs [timeout-ms]
import * as zmq from "../../dist/esm/index.js"

const runtime =
  typeof globalThis.Deno !== "undefined" ? "deno" : typeof globalThis.Bun !== "undefined" ? "bun" : "node"
const guard = setTimeout(() => {
  console.log("FAIL peer: timed out")
  process.exit(1)
}, Number(process.argv[2] ?? 20_000))

const sockets = []
for (const ep of ["tcp://127.0.0.1:*", "ws://127.0.0.1:*/peer"]) {
  const rep = new zmq.Reply({ linger: 0 })
  sockets.push(rep)
  await rep.bind(ep)
  console.log(`endpoint ${rep.lastEndpoint}`)
}
await Promise.all(
  sockets.map(async (rep) => {
    const gone = new Promise((resolve) => rep.events.on("disconnect", resolve))
    const [msg] = await rep.receive()
    await rep.send(`${runtime} got ${String(msg)}`)
    await gone
  }),
)
for (const s of sockets) s.close()
clearTimeout(guard)

// Heartbeating and reconnection (RFC 37 PING/PONG, libzmq's ZMQ_HEARTBEAT_*
// and ZMQ_RECONNECT_IVL options):
//
//   Dealer (heartbeats) --tcp--> cable (a forwarder we can cut) --tcp--> Router
//
// TCP alone does not notice a peer that vanished without closing its
// connection (a pulled cable, a frozen host, a NAT that forgot the flow):
// writes just pile up. With `heartbeatInterval` the client PINGs the server;
// with no traffic back within `heartbeatTimeout` it drops the connection, and
// reconnects every `reconnectInterval` until it gets through. Queued
// messages wait, up to the high-water mark, and then go out.
//
// Here the "cable" is a small TCP forwarder in this process: `cut()` stops it
// forwarding without closing anything, which is what a network partition
// looks like from both ends.
//
// Run: node examples/heartbeat/main.mjs   (after `npm run build`)
import net from "node:net"
import { Dealer, Router } from "zmq-ts"

const server = new Router()
await server.bind("tcp://127.0.0.1:*")
const serving = (async () => {
  for await (const [id, request] of server) await server.send([id, `pong ${String(request).split(" ")[1]}`])
})()

// ---- the cable -------------------------------------------------------------------------
const [, serverPort] = server.lastEndpoint.match(/:(\d+)$/)
const links = new Set()
let intact = true
const cable = net.createServer((a) => {
  if (!intact) return a.destroy() // while cut, nothing gets through
  const b = net.connect(Number(serverPort), "127.0.0.1")
  for (const [from, to] of [[a, b], [b, a]]) {
    from.on("data", (d) => intact && to.write(d)) // once cut, data is swallowed
    from.on("error", () => to.destroy())
    from.on("close", () => to.destroy())
  }
  links.add(a)
})
await new Promise((resolve) => cable.listen(0, "127.0.0.1", resolve))
const cut = () => (intact = false)
const repair = () => {
  intact = true
  for (const s of links) s.destroy() // the old, silent flows are gone for good
}

// ---- the client ------------------------------------------------------------------------
const client = new Dealer({ heartbeatInterval: 200, heartbeatTimeout: 1000, reconnectInterval: 100 })
const events = client.events
const next = (type) => new Promise((resolve) => {
  const on = (e) => { events.off(type, on); resolve(e) }
  events.on(type, on)
})
const firstHandshake = next("handshake")
client.connect(`tcp://127.0.0.1:${cable.address().port}`)
await firstHandshake
console.log("connected")
await client.send("ping 1")
console.log(`reply: ${(await client.receive())[0]}`)

const dropped = next("disconnect")
cut()
console.log("cable cut: no traffic either way, no connection closed")
await dropped
console.log("heartbeat timeout: the client dropped the silent connection")

const reconnected = next("handshake")
await client.send("ping 2") // queued while disconnected
repair()
await reconnected
console.log("cable repaired: the client reconnected by itself")
console.log(`reply: ${(await client.receive())[0]}`)

client.close()
server.close()
await serving
cable.close()
for (const s of links) s.destroy()

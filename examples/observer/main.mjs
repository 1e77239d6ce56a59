// Diagnostics with the Observer (`socket.events`, libzmq's zmq_socket_monitor):
// the first thing to look at when "it doesn't connect".
//
// Every socket reports what happens to its endpoints and connections: bind,
// accept, connect, retries, the handshake, failures with their reason. This
// program walks through three common situations and prints the events each
// side sees:
//   1. connecting before the server is up: refused, retried, then connected;
//   2. a security mismatch: a CURVE client talking to a NULL server;
//   3. the server going away: the client notices and starts retrying.
// (`zmq-ts monitor ENDPOINT` prints the same events from the shell.)
//
// Run: node examples/observer/main.mjs   (after `npm run build`)
import { Pull, Push, curveKeyPair } from "zmq-ts"

/** Collects the events of `socket` of the given types (the first of each) until one of the last type. */
function watch(socket, types) {
  const lines = []
  const seen = new Set()
  const listeners = []
  return new Promise((resolve) => {
    for (const type of types) {
      const listener = (event) => {
        const detail = event.error ? `: ${event.error.message} (${event.error.code ?? event.error.status})` : ""
        if (!seen.has(type)) lines.push(`${type}${detail}`)
        seen.add(type)
        if (type !== types.at(-1)) return
        for (const [t, l] of listeners) socket.events.off(t, l)
        resolve(lines)
      }
      listeners.push([type, listener])
      socket.events.on(type, listener)
    }
  })
}
const show = (who, lines) => lines.forEach((line) => console.log(`  ${who}: ${line}`))

// A free port, found by binding and unbinding.
const probe = new Pull()
await probe.bind("tcp://127.0.0.1:*")
const endpoint = probe.lastEndpoint
probe.close()

console.log("1. connect before the server is up")
const client = new Push({ reconnectInterval: 50 })
let step = watch(client, ["close", "connect:retry"])
client.connect(endpoint)
show("client", await step) // refused: nothing listens yet
step = watch(client, ["connect", "handshake"])
const server = new Pull()
const serverSide = watch(server, ["bind", "accept", "handshake"])
await server.bind(endpoint)
show("server", await serverSide)
show("client", await step)
await client.send("hello")
console.log(`  server received: ${(await server.receive())[0]}`)

console.log("2. a CURVE client against a NULL server")
const { publicKey, secretKey } = curveKeyPair()
const wrong = new Push({ curveServerKey: curveKeyPair().publicKey, curvePublicKey: publicKey, curveSecretKey: secretKey, reconnectInterval: -1 })
step = watch(wrong, ["connect", "handshake:error:protocol"])
wrong.connect(endpoint)
show("curve client", await step)
wrong.close()

console.log("3. the server goes away")
step = watch(client, ["disconnect", "connect:retry"])
server.close()
show("client", await step)
client.close()

// A CURVE-secured service with a ZAP handler (RFC 26 CurveZMQ, RFC 27 ZAP):
//
//   Request (client key pair) --CURVE--> Reply (server key pair) <-- ZAP handler
//
// CURVE encrypts and authenticates every connection: the client must know
// the server's public key, and proves its own key pair. Who may connect is
// the ZAP handler's call: a Reply socket bound at inproc://zeromq.zap.01 that
// the server asks about every handshake, with the client's public key. This
// one allows the keys on its list; a client with any other key is refused
// during the handshake and never reaches the service. The refused client
// learns why from its socket's events (handshake:error:auth, status 400).
//
// Run: node examples/curve-zap/main.mjs   (after `npm run build`)
import { Reply, Request, curveKeyPair } from "zmq-ts"
import { z85Encode } from "zmq-ts/util" // zmq-ts's own addition (Z85, RFC 32)

const serverKeys = curveKeyPair()
const trusted = curveKeyPair()
const stranger = curveKeyPair()

// ---- the ZAP handler -----------------------------------------------------------
const zap = new Reply()
await zap.bind("inproc://zeromq.zap.01")
const allowed = new Set([trusted.publicKey])
const zapLoop = (async () => {
  // RFC 27 request: version, request id, domain, address, identity, mechanism, credentials...
  for await (const [version, requestId, , address, , mechanism, clientKey] of zap) {
    const z85 = mechanism.toString() === "CURVE" ? z85Encode(clientKey) : ""
    const ok = allowed.has(z85)
    console.log(`zap: ${mechanism} client from ${address.toString().replace(/:\d+$/, "")} ${ok ? "allowed" : "denied"}`)
    // RFC 27 reply: version, request id, status code, status text, user id, metadata.
    await zap.send([version, requestId, ok ? "200" : "400", ok ? "OK" : "unknown key", ok ? "trusted-client" : "", ""])
  }
})()

// ---- the service -----------------------------------------------------------------
const server = new Reply({ curveServer: true, curveSecretKey: serverKeys.secretKey, zapDomain: "example" })
await server.bind("tcp://127.0.0.1:*")
const serving = (async () => {
  for await (const [request] of server) await server.send(`secret answer to "${request}"`)
})()

// ---- a trusted client ------------------------------------------------------------
const client = new Request({
  curveServerKey: serverKeys.publicKey,
  curvePublicKey: trusted.publicKey,
  curveSecretKey: trusted.secretKey,
})
client.connect(server.lastEndpoint)
await client.send("what is the plan?")
console.log(`trusted client got: ${(await client.receive())[0]}`)

// ---- a stranger --------------------------------------------------------------------
const intruder = new Request({
  curveServerKey: serverKeys.publicKey,
  curvePublicKey: stranger.publicKey,
  curveSecretKey: stranger.secretKey,
  reconnectInterval: -1, // once refused, do not try again
})
intruder.connect(server.lastEndpoint)
for await (const event of intruder.events) {
  if (event.type === "handshake:error:auth") {
    console.log(`stranger refused: ${event.type}, status ${event.error.status} (${event.error.message})`)
    break
  }
}

for (const s of [client, intruder, server, zap]) s.close()
await Promise.all([zapLoop, serving])

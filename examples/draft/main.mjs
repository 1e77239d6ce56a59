// libzmq's draft socket types (zmq-ts/draft, as zeromq/draft): thread-safe,
// single-part sockets with the routing information beside the message
// instead of in envelope frames.
//
//   Client --> Server      (RFC 41) replies go to `routingId`, received with each request
//   Radio  --> Dish        (RFC 48) messages go to a group; a Dish receives the groups it joined
//
// Loading zmq-ts/draft prints libzmq's "draft features are experimental"
// warning, as zeromq/draft does; it is silenced here to keep the output short.
//
// Run: node examples/draft/main.mjs   (after `npm run build`)
process.removeAllListeners("warning")
const { Client, Dish, Radio, Server } = await import("zmq-ts/draft")

// ---- Client/Server: request-reply without envelopes -------------------------------
const server = new Server()
await server.bind("tcp://127.0.0.1:*")
const serving = (async () => {
  for await (const [request, { routingId }] of server) {
    await server.send(`${request}`.length.toString(), { routingId })
  }
})()
const client = new Client()
client.connect(server.lastEndpoint)
for (const word of ["radio", "dish"]) {
  await client.send(word)
  const [reply] = await client.receive()
  console.log(`client: length of "${word}" is ${reply}`)
}

// ---- Radio/Dish: groups ------------------------------------------------------------
const dish = new Dish()
dish.join("weather")
await dish.bind("tcp://127.0.0.1:*")
const radio = new Radio()
radio.connect(dish.lastEndpoint)
// A Radio drops what it sends before the Dish's JOIN has reached it, as a
// Publisher does before a subscription arrives: send probes until one gets
// through (later probes may still arrive; they are skipped below).
const firstProbe = dish.receive()
let through = false
void firstProbe.then(() => (through = true))
while (!through) {
  await radio.send("probe", { group: "weather" })
  await new Promise((resolve) => setTimeout(resolve, 20))
}
await firstProbe
await radio.send("sunny", { group: "weather" })
await radio.send("goal!", { group: "sports" }) // not joined: never arrives
await radio.send("rain later", { group: "weather" })
for (let shown = 0; shown < 2; ) {
  const [body, { group }] = await dish.receive()
  if (`${body}` === "probe") continue
  console.log(`dish: [${group}] ${body}`)
  shown++
}

for (const s of [client, server, radio, dish]) s.close()
await serving

// A Majordomo-style service broker (ZeroMQ guide, chapter 4; RFC 7 MDP,
// reduced: no heartbeats, see examples/heartbeat for those):
//
//   REQ clients --> ROUTER broker <-- DEALER workers, each offering one service
//
// Workers register a service name with READY; clients address a service by
// name, never a worker. The broker queues requests per service and hands
// each to an idle worker of that service; a reply goes back to the client
// that asked. "mmi.service" (the Majordomo Management Interface) answers
// "200" if a service has workers and "404" if not, so a client can check
// before waiting on a service nobody offers.
//
// Frames: client -> broker  ["", "MDPC01", service, body]  (the REQ adds the "")
//         broker -> client  ["", "MDPC01", service, reply]
//         worker -> broker  ["", "MDPW01", READY, service] or ["", "MDPW01", REPLY, client, "", reply]
//         broker -> worker  ["", "MDPW01", REQUEST, client, "", body]
//
// Run: node examples/majordomo/main.mjs   (after `npm run build`)
import { Dealer, Request, Router } from "zmq-ts"

const [CLIENT, WORKER] = ["MDPC01", "MDPW01"]
const [READY, REQUEST, REPLY] = ["\x01", "\x02", "\x03"]

// ---- the broker --------------------------------------------------------------
const broker = new Router()
await broker.bind("tcp://127.0.0.1:*")
const services = new Map() // name -> { idle: worker ids, queue: [client, body][] }
const serviceOf = new Map() // worker id (hex) -> name
const service = (name) => services.get(name) ?? services.set(name, { idle: [], queue: [] }).get(name)

async function dispatch(s) {
  while (s.idle.length && s.queue.length) {
    const [client, body] = s.queue.shift()
    await broker.send([s.idle.shift(), "", WORKER, REQUEST, client, "", body])
  }
}
const brokerLoop = (async () => {
  for await (const [sender, ...frames] of broker) {
    // A REQ client puts an empty delimiter frame first, as the worker does.
    if (frames[1].toString() === CLIENT) {
      const [, , name, body] = frames.map(String)
      if (name === "mmi.service") {
        const known = (services.get(body)?.idle.length ?? 0) > 0 || [...serviceOf.values()].includes(body)
        await broker.send([sender, "", CLIENT, name, known ? "200" : "404"])
      } else {
        service(name).queue.push([sender, body])
        await dispatch(service(name))
      }
    } else if (frames[1].toString() === WORKER) {
      const [, , command, ...rest] = frames
      const id = sender.toString("hex")
      if (command.toString() === READY) serviceOf.set(id, rest[0].toString())
      else if (command.toString() === REPLY) await broker.send([rest[0], "", CLIENT, serviceOf.get(id), rest[2]])
      const s = service(serviceOf.get(id))
      s.idle.push(sender)
      await dispatch(s)
    }
  }
})()

// ---- workers -----------------------------------------------------------------
function worker(name, handle) {
  const dealer = new Dealer()
  dealer.connect(broker.lastEndpoint)
  const loop = (async () => {
    await dealer.send(["", WORKER, READY, name])
    for await (const [, , , client, , body] of dealer) {
      await dealer.send(["", WORKER, REPLY, client, "", handle(body.toString())])
    }
  })()
  return { dealer, loop }
}
const workers = [
  worker("echo", (s) => s),
  worker("upper", (s) => s.toUpperCase()),
  worker("upper", (s) => s.toUpperCase()),
]

// ---- a client ----------------------------------------------------------------
const client = new Request()
client.connect(broker.lastEndpoint)
async function call(name, body) {
  await client.send([CLIENT, name, body])
  const [, , reply] = await client.receive()
  return reply.toString()
}
// Wait until every worker has registered, so the output is the same on every run.
while ((await call("mmi.service", "upper")) !== "200" || (await call("mmi.service", "echo")) !== "200") {
  await new Promise((resolve) => setTimeout(resolve, 10))
}
console.log(`mmi.service echo    -> ${await call("mmi.service", "echo")}`)
console.log(`mmi.service weather -> ${await call("mmi.service", "weather")}`)
console.log(`echo  "hello"       -> ${await call("echo", "hello")}`)
for (const word of ["majordomo", "at", "your", "service"]) console.log(`upper "${word}"`.padEnd(20) + `-> ${await call("upper", word)}`)

client.close()
for (const w of workers) w.dealer.close()
broker.close()
await Promise.all([brokerLoop, ...workers.map((w) => w.loop)])

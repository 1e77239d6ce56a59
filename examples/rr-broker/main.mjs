// Request-reply through a broker (ZeroMQ guide, chapter 3 "rrbroker"):
//
//   REQ clients --> ROUTER | broker | DEALER --> REP workers
//
// Clients and workers only know the broker's two endpoints, so either side
// can grow or shrink without the other knowing. The broker is a Proxy: it
// receives [client id, "", request] on the ROUTER and passes it whole to the
// DEALER, which deals requests round-robin to the workers; each reply comes
// back with the envelope the REP kept, and the ROUTER routes it to its client.
//
// Run: node examples/rr-broker/main.mjs   (after `npm run build`)
import { Dealer, Proxy, Reply, Request, Router } from "zmq-ts"

const broker = new Proxy(new Router(), new Dealer())
await broker.frontEnd.bind("tcp://127.0.0.1:*")
await broker.backEnd.bind("tcp://127.0.0.1:*")
const frontend = broker.frontEnd.lastEndpoint
const backend = broker.backEnd.lastEndpoint
const brokerDone = broker.run()

// Workers: REP sockets that connect to the broker's back end.
const workers = ["worker-a", "worker-b"].map((name) => {
  const rep = new Reply()
  rep.connect(backend)
  const served = (async () => {
    let n = 0
    for await (const [request] of rep) {
      n++
      await rep.send(`${request.toString().toUpperCase()} (by ${name})`)
    }
    return n
  })()
  return { rep, served }
})

// Clients: REQ sockets that connect to the front end, two requests each.
const replies = await Promise.all(
  ["alice", "bob", "carol"].map(async (name) => {
    const req = new Request()
    req.connect(frontend)
    const got = []
    for (const word of ["hello", "bye"]) {
      await req.send(`${word} from ${name}`)
      const [reply] = await req.receive()
      got.push(reply.toString().replace(/ \(by worker-.\)$/, ""))
    }
    req.close()
    return `${name}: ${got.join(", ")}`
  }),
)
for (const line of replies) console.log(line)

broker.terminate() // closes both broker sockets
await brokerDone
for (const w of workers) w.rep.close()
const served = await Promise.all(workers.map((w) => w.served))
console.log(`requests served by the workers: ${served.reduce((a, b) => a + b, 0)}`)

// Load-balancing broker (guide chapter 3, lbbroker): workers (REQ) announce
// themselves with "READY" to the backend ROUTER; the broker hands each client
// request (frontend ROUTER) to the least recently used worker and routes the
// reply back. Six clients, three workers, one request each.
const zmq = require(process.env.ZMQ_MODULE ?? "zmq-ts/v5-compat")

const CLIENTS = 6
const WORKERS = 3
const frontend = zmq.socket("router")
const backend = zmq.socket("router")
frontend.bindSync("inproc://lb-frontend")
backend.bindSync("inproc://lb-backend")

const idle = [] // worker identities ready for work
const waiting = [] // client requests waiting for a worker
const dispatch = () => {
  while (idle.length > 0 && waiting.length > 0) {
    const [client, body] = waiting.shift()
    backend.send([idle.shift(), "", client, "", body])
  }
}
backend.on("message", (worker, _empty, client, ...rest) => {
  idle.push(worker)
  // ["READY"] from a new worker, or [client, "", reply] from a busy one.
  if (client.toString() !== "READY") frontend.send([client, "", rest[1]])
  dispatch()
})
frontend.on("message", (client, _empty, body) => {
  waiting.push([client, body])
  dispatch()
})

const workers = []
for (let i = 0; i < WORKERS; i++) {
  const worker = zmq.socket("req")
  worker.identity = `worker-${i}`
  worker.connect("inproc://lb-backend")
  worker.on("message", (client, _empty, body) => worker.send([client, "", `OK ${body.toString()}`]))
  worker.send("READY")
  workers.push(worker)
}

const replies = []
const clients = []
for (let i = 0; i < CLIENTS; i++) {
  const client = zmq.socket("req")
  client.identity = `client-${i}`
  client.connect("inproc://lb-frontend")
  client.on("message", (reply) => {
    replies.push(`client-${i}: ${reply.toString()}`)
    if (replies.length === CLIENTS) {
      for (const line of replies.sort()) console.log(line)
      for (const s of [...clients, ...workers, frontend, backend]) s.close()
    }
  })
  client.send(`HELLO from client-${i}`)
  clients.push(client)
}

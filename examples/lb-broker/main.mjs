// Load-balancing broker (ZeroMQ guide, chapter 3 "lbbroker"):
//
//   REQ clients --> ROUTER | broker | ROUTER <-- REQ workers
//
// A DEALER deals requests round-robin, blind to how busy each worker is: a
// slow job holds up the requests queued behind it. Here workers ask for work
// instead: each sends "READY" when it is free, and the broker hands the next
// request to the worker that has waited longest. A slow worker simply asks
// less often. Both sides are ROUTERs, so the broker sees every envelope:
//   from a client: [client id, "", request]
//   to a worker:   [worker id, "", client id, "", request]
//   from a worker: [worker id, "", client id, "", reply]  (or [worker id, "", "READY"])
//
// Run: node examples/lb-broker/main.mjs   (after `npm run build`)
import { Request, Router } from "zmq-ts"

const frontend = new Router()
const backend = new Router()
await frontend.bind("tcp://127.0.0.1:*")
await backend.bind("tcp://127.0.0.1:*")

// ---- workers: a fast one, and one that gets stuck on its job -----------------
// The stuck worker finishes only once the nine other jobs have been answered:
// with round-robin dealing, half the jobs would have waited behind it.
let answered = 0
let unstick
const stuck = new Promise((resolve) => (unstick = resolve))
const workers = ["fast", "stuck"].map((name) => {
  const req = new Request({ routingId: name })
  req.connect(backend.lastEndpoint)
  const done = (async () => {
    let served = 0
    await req.send("READY")
    for (;;) {
      let client, request
      try {
        ;[client, , request] = await req.receive()
      } catch (err) {
        if (req.closed) return served
        throw err
      }
      if (name === "stuck") await stuck // the work
      served++
      await req.send([client, "", `${request} done`])
    }
  })()
  return { name, req, done }
})

// ---- the broker --------------------------------------------------------------
const idle = [] // worker ids, longest waiting first
let bothReady
const workersReady = new Promise((resolve) => (bothReady = resolve))
const queue = [] // [client id, request] waiting for a worker
async function dispatch() {
  while (idle.length && queue.length) {
    const [client, request] = queue.shift()
    await backend.send([idle.shift(), "", client, "", request])
  }
}
const fromWorkers = (async () => {
  for await (const [worker, , client, , reply] of backend) {
    if (client.toString() !== "READY") await frontend.send([client, "", reply])
    idle.push(worker)
    if (idle.length === 2) bothReady()
    await dispatch()
  }
})()
const fromClients = (async () => {
  for await (const [client, , request] of frontend) {
    queue.push([client, request])
    await dispatch()
  }
})()

// ---- clients: 10 of them, one request each, all at once ----------------------
await workersReady // so that the output is the same on every run
const answers = await Promise.all(
  Array.from({ length: 10 }, async (_, i) => {
    const req = new Request()
    req.connect(frontend.lastEndpoint)
    await req.send(`job ${i + 1}`)
    const [reply] = await req.receive()
    if (++answered === 9) unstick()
    req.close()
    return reply.toString()
  }),
)
console.log(answers.join("\n"))

for (const w of workers) w.req.close()
const served = Object.fromEntries(await Promise.all(workers.map(async (w) => [w.name, await w.done])))
frontend.close()
backend.close()
await Promise.all([fromWorkers, fromClients])
console.log(`jobs done by the fast worker: ${served.fast}, by the stuck one: ${served.stuck}`)

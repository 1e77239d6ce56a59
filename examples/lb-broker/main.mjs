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

// ---- workers: one fast, one slow (its jobs take 200 ms) ----------------------
const workers = [["fast", 0], ["slow", 200]].map(([name, delayMs]) => {
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
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs)) // the work
      served++
      await req.send([client, "", `${request} done`])
    }
  })()
  return { name, req, done }
})

// ---- the broker --------------------------------------------------------------
const idle = [] // worker ids, longest waiting first
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
const answers = await Promise.all(
  Array.from({ length: 10 }, async (_, i) => {
    const req = new Request()
    req.connect(frontend.lastEndpoint)
    await req.send(`job ${i + 1}`)
    const [reply] = await req.receive()
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
console.log(`all ${served.fast + served.slow} jobs done; the fast worker did more: ${served.fast > served.slow}`)

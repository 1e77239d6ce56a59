// A proxy with a capture socket (libzmq's zmq_proxy(frontend, backend, capture)):
//
//   Request clients --> Router | proxy | Dealer --> Reply workers
//                                  |
//                                  +--> capture Push --> Pull: a wire tap
//
// zmq-ts's `Proxy`, like zeromq.js's, forwards between two sockets and can be
// paused, resumed and terminated, but takes no capture socket. This one is the
// loop zmq_proxy runs, with a copy of every message (all frames, envelope
// included) sent to the capture socket first. The capture side is a Push, so
// no copy is lost (a Publisher would drop copies for a slow listener instead
// of slowing the traffic down: pick what the tap is for).
//
// The same, from the shell: zmq-ts proxy router=@tcp://*:5559 dealer=@tcp://*:5560 --capture push=@tcp://*:5561
//
// Run: node examples/proxy-capture/main.mjs   (after `npm run build`)
import { Dealer, Pull, Push, Reply, Request, Router } from "zmq-ts"

const frontend = new Router()
const backend = new Dealer()
const capture = new Push()
await frontend.bind("tcp://127.0.0.1:*")
await backend.bind("tcp://127.0.0.1:*")
await capture.bind("inproc://capture")

/** One direction of the proxy: receive, copy to the capture socket, forward. */
async function pump(from, to) {
  for (;;) {
    let message
    try {
      message = await from.receive()
    } catch (err) {
      if (from.closed) return
      throw err
    }
    await capture.send(message)
    await to.send(message)
  }
}
const proxy = Promise.all([pump(frontend, backend), pump(backend, frontend)])

// ---- the wire tap: prints what crosses the proxy -----------------------------------
const tap = new Pull()
tap.connect("inproc://capture")
const tapped = (async () => {
  const lines = []
  for await (const frames of tap) {
    if (frames.length === 1 && frames[0].toString() === "END") break
    // [client id, "", body]: the id is binary, show its length only.
    lines.push(frames.map((f, i) => (i === 0 ? `<id:${f.length}>` : JSON.stringify(f.toString()))).join(" "))
  }
  return lines
})()

// ---- a worker and a client ------------------------------------------------------------
const worker = new Reply()
worker.connect(backend.lastEndpoint)
const working = (async () => {
  for await (const [request] of worker) await worker.send(`${request}`.split("").reverse().join(""))
})()
const client = new Request()
client.connect(frontend.lastEndpoint)
for (const word of ["stressed", "drawer"]) {
  await client.send(word)
  console.log(`client: ${word} -> ${(await client.receive())[0]}`)
}

// ---- shut down: the proxy first, then the tap (after it has read every copy) ---------
client.close()
worker.close()
frontend.close()
backend.close()
await Promise.all([proxy, working])
await capture.send("END") // after every copy: the tap stops there
const lines = await tapped
capture.close()
tap.close()
console.log("captured:")
for (const line of lines) console.log(`  ${line}`)

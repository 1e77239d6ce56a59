// Reproduces, deterministically, a lost wakeup in zeromq.js v6 (the reference
// the conformance suite compares against; not zmq-ts). Exit code 2: the
// reference hung; 0: it did not. `--barrier` adds the one turn of the event
// loop that test/conformance/errors.test.ts adds for zeromq.
//
// zeromq.js watches ZMQ_FD, which is edge-triggered: reading ZMQ_EVENTS
// processes the socket's pending commands and resets the fd. Its poll
// callback (src/poller.h, Callback) checks for input (TriggerReadable), whose
// ReadableCallback resolves a receive() and runs the JavaScript continuation
// right there; then it checks for output (TriggerWritable) if a send waits.
// When that continuation leaves a send and a receive waiting and the reply
// reaches the socket before TriggerWritable reads ZMQ_EVENTS, that read
// consumes the edge announcing the reply, nothing checks for input again, and
// the receive waits forever while `readable` is true. Under test:stress the
// main thread is descheduled long enough for libzmq's I/O thread to deliver
// the reply in that window; here Atomics.wait holds the main thread instead.
// Usage: node scripts/repro-zeromq-lost-wakeup.mjs [--barrier]
import * as zmq from "zeromq"

const barrier = process.argv.includes("--barrier")
const holdMainThread = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

const rep = new zmq.Reply({ linger: 0 })
await rep.bind("tcp://127.0.0.1:*")
const req = new zmq.Request({ linger: 0 })
req.connect(rep.lastEndpoint)
const early = req.receive()
await req.send("q1")
await rep.receive()
await rep.send("r1")
await early // resumed inside req's poll callback, before its TriggerWritable
if (barrier) await new Promise((resolve) => setImmediate(resolve))
await req.send("q2")
const second = req.send("q3") // waits: REQ expects its reply first (poller watches for output)
holdMainThread(200) // q2 reaches rep
await rep.receive()
await rep.send("r2")
const reply = req.receive() // no input yet: poller watches for input too
holdMainThread(200) // r2 reaches req's mailbox before the callback's TriggerWritable
const guard = setTimeout(() => {
  console.log(`zeromq hung: receive() still waiting, readable=${req.readable}`)
  process.exit(2)
}, 3000)
await reply
await second
clearTimeout(guard)
console.log("zeromq did not hang")
req.close()
rep.close()

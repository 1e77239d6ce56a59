// Work spread over worker threads through inproc sockets: the main thread
// binds a Push (tasks), a Pull (results) and an XPublisher (a stop signal);
// each thread connects to all three and applies ROT13 to one character per
// task. The XPublisher shows when every thread has subscribed, so the stop
// signal reaches all of them. Output is printed by the main thread only, so
// it does not depend on which thread did what.
// Run with ZMQ_MODULE=zeromq to use zeromq.js instead (zmq-ts needs `npm run build`).
import { Worker } from "node:worker_threads"

const moduleName = process.env.ZMQ_MODULE ?? "zmq-ts"
const zmq = await import(moduleName)
const THREADS = 2

const tasks = new zmq.Push()
const results = new zmq.Pull()
// allSubs: every thread's (identical) subscription is passed up, not only the first.
const signal = new zmq.XPublisher({ verbosity: "allSubs" })
await Promise.all([tasks.bind("inproc://tasks"), results.bind("inproc://results"), signal.bind("inproc://signal")])

const threadSource = `
  const zmq = require(${JSON.stringify(moduleName)})
  const tasks = new zmq.Pull({ receiveHighWaterMark: 1 })
  const results = new zmq.Push()
  const signal = new zmq.Subscriber()
  tasks.connect("inproc://tasks")
  results.connect("inproc://results")
  signal.connect("inproc://signal")
  signal.subscribe("stop")
  const rot13 = (c) => c.replace(/[a-z]/gi, (x) => {
    const base = x <= "Z" ? 65 : 97
    return String.fromCharCode(((x.charCodeAt(0) - base + 13) % 26) + base)
  })
  ;(async () => {
    await signal.receive()
    tasks.close()
    results.close()
    signal.close()
  })()
  ;(async () => {
    for await (const [pos, char] of tasks) await results.send([pos, rot13(char.toString())])
  })()
`
const exited = Array.from({ length: THREADS }, () =>
  new Promise((resolve, reject) => {
    new Worker(threadSource, { eval: true }).on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`thread exit ${code}`))))
  }),
)
for (let i = 0; i < THREADS; i++) await signal.receive()
console.log(`${THREADS} threads subscribed`)

async function transform(input) {
  const chars = input.split("")
  for (const [pos, char] of chars.entries()) await tasks.send([String(pos), char])
  const output = new Array(chars.length)
  let missing = chars.length
  for await (const [pos, char] of results) {
    output[Number(pos.toString())] = char.toString()
    if (--missing === 0) break
  }
  console.log(`'${input}' -> '${output.join("")}'`)
}

await transform("Hello world!")
await transform("Would you like more sockets?")
await transform("Yes please.")
await signal.send("stop")
await Promise.all(exited)
console.log("all threads stopped")
tasks.close()
results.close()
signal.close()

// Request-reply broker (guide chapter 2, rrbroker): clients talk to a ROUTER,
// workers to a DEALER, and zmq.proxy joins the two. Two REP workers serve one
// REQ client's ten requests; the output lists the replies in order.
const zmq = require(process.env.ZMQ_MODULE ?? "zmq-ts/v5-compat")
const { tmpdir } = require("node:os")
const { join } = require("node:path")

const frontendAddress = `ipc://${join(tmpdir(), `v5-rrbroker-front-${process.pid}.sock`)}`
const backendAddress = `ipc://${join(tmpdir(), `v5-rrbroker-back-${process.pid}.sock`)}`

const frontend = zmq.socket("router")
const backend = zmq.socket("dealer")
// v5 style: bindSync, then use the endpoints at once.
frontend.bindSync(frontendAddress)
backend.bindSync(backendAddress)
zmq.proxy(frontend, backend)

const workers = [1, 2].map(() => {
  const worker = zmq.socket("rep")
  worker.connect(backendAddress)
  worker.on("message", (request) => worker.send(`World (for ${request.toString()})`))
  return worker
})

const client = zmq.socket("req")
client.connect(frontendAddress)
let n = 0
client.on("message", (reply) => {
  console.log(`reply ${n}: ${reply.toString()}`)
  if (++n === 10) {
    for (const s of [client, ...workers, frontend, backend]) s.close()
    return
  }
  client.send(`Hello ${n}`)
})
client.send(`Hello ${n}`)

// Divide and conquer (guide chapter 1, taskvent/taskwork/tasksink): a
// ventilator PUSHes 100 tasks to three workers, which PUSH results to a sink.
// The sink also gets the ventilator's start-of-batch message. Workloads
// come from a fixed sequence, so the totals are the same on every run.
const zmq = require(process.env.ZMQ_MODULE ?? "zmq-ts/v5-compat")
const { tmpdir } = require("node:os")
const { join } = require("node:path")

const TASKS = 100
const ventAddress = `ipc://${join(tmpdir(), `v5-taskvent-${process.pid}.sock`)}`
const sinkAddress = `ipc://${join(tmpdir(), `v5-tasksink-${process.pid}.sock`)}`

const sink = zmq.socket("pull")
sink.bindSync(sinkAddress)
const ventilator = zmq.socket("push")
ventilator.bindSync(ventAddress)

const perWorker = [0, 0, 0]
const workers = perWorker.map((_, id) => {
  const receiver = zmq.socket("pull")
  const sender = zmq.socket("push")
  receiver.connect(ventAddress)
  sender.connect(sinkAddress)
  receiver.on("message", (workload) => {
    perWorker[id]++
    sender.send(`${id} ${workload.toString()}`)
  })
  return [receiver, sender]
})

let started = false
let results = 0
let total = 0
sink.on("message", (msg) => {
  const text = msg.toString()
  // The start signal comes on a connection of its own: results may overtake it.
  if (text === "start") started = true
  else {
    total += Number(text.split(" ")[1])
    results++
  }
  if (started && results === TASKS) {
    console.log(`results: ${results}`)
    console.log(`total expected cost: ${total} msec`)
    console.log(`tasks done by workers: ${perWorker.reduce((a, b) => a + b, 0)}`)
    for (const s of [sink, ventilator, ...workers.flat()]) s.close()
  }
})

// The guide waits for the user to press Enter once the workers are up.
// Here tasks just queue until a worker is connected; which worker gets how
// many depends on connection timing (as in the guide), so only the totals
// are printed.
const signal = zmq.socket("push")
signal.connect(sinkAddress)
signal.send("start", 0, () => {
  signal.close()
  let cost = 1
  for (let sent = 0; sent < TASKS; sent++) {
    cost = (cost * 37 + 11) % 100
    ventilator.send(String(cost + 1))
  }
})

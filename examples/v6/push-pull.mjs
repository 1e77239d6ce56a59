// Pipeline: a Push producer hands out work items, a Pull worker takes them in
// order. The producer binds first and sends before the worker connects: each
// send waits until some peer can take it. Ends on the "end" item.
// Run with ZMQ_MODULE=zeromq to use zeromq.js instead (zmq-ts needs `npm run build`).
const zmq = await import(process.env.ZMQ_MODULE ?? "zmq-ts")

const producer = new zmq.Push()
await producer.bind("tcp://127.0.0.1:*")

const sending = (async () => {
  const items = ["wash", "cut", "cook", "serve", "end"]
  for (const item of items) await producer.send(item)
  return items.length
})()

const worker = new zmq.Pull()
worker.connect(producer.lastEndpoint)
for await (const [msg] of worker) {
  console.log("worker: %s", msg.toString())
  if (msg.toString() === "end") break
}
console.log(`producer: sent ${await sending} items`)
worker.close()
producer.close()

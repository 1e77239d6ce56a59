// A send queue in front of a Dealer: messages are queued (and sent one at a
// time) before any peer exists; a receiving Dealer connects later and gets
// them all, in order. An empty message ends it.
// Run with ZMQ_MODULE=zeromq to use zeromq.js instead (zmq-ts needs `npm run build`).
const zmq = await import(process.env.ZMQ_MODULE ?? "zmq-ts")

class SendQueue {
  pending = []
  busy = false
  constructor(socket, max = 10) {
    this.socket = socket
    this.max = max
  }
  send(msg) {
    if (this.pending.length >= this.max) throw new Error("queue full")
    this.pending.push(msg)
    return this.drain()
  }
  async drain() {
    if (this.busy) return
    this.busy = true
    while (this.pending.length > 0) await this.socket.send(this.pending.shift())
    this.busy = false
  }
}

const sender = new zmq.Dealer()
await sender.bind("tcp://127.0.0.1:*")
const queue = new SendQueue(sender)
// Not awaited yet: a Dealer's send waits until some peer can take the message.
const queued = [queue.send("first"), queue.send(Buffer.from("second")), queue.send(["multi", "part"]), queue.send(null)]
console.log(`queued ${queue.pending.length} messages, none sent yet`)

const receiver = new zmq.Dealer()
receiver.connect(sender.lastEndpoint)
await Promise.all(queued)
console.log(`sent all, ${queue.pending.length} left`)
for await (const frames of receiver) {
  if (frames[0].length === 0) {
    console.log("received: <empty message>")
    receiver.close()
  } else {
    console.log(`received: ${frames.map(String).join(" | ")}`)
  }
}
sender.close()
console.log("receiver closed:", receiver.closed)

// Publish/subscribe: a subscriber takes only the "kitty cats" topic. The
// publisher is an XPublisher so that it can wait for the subscription to
// arrive before publishing (a plain Publisher drops what it publishes before
// then: the "slow joiner"). Messages are printed as the Buffers they are.
// Run with ZMQ_MODULE=zeromq to use zeromq.js instead (zmq-ts needs `npm run build`).
const zmq = await import(process.env.ZMQ_MODULE ?? "zmq-ts")

const publisher = new zmq.XPublisher()
await publisher.bind("tcp://127.0.0.1:*")

const subscriber = new zmq.Subscriber()
subscriber.connect(publisher.lastEndpoint)
subscriber.subscribe("kitty cats")

const [subscription] = await publisher.receive()
console.log("publisher: subscription", subscription[0], subscription.subarray(1).toString())

await publisher.send(["doggos", "woof!"])
await publisher.send(["kitty cats", "meow!"])
await publisher.send(["kitty cats", "purr"])

for (let i = 0; i < 2; i++) {
  const [topic, msg] = await subscriber.receive()
  console.log("received a message related to:", topic, "containing message:", msg)
}
subscriber.unsubscribe("kitty cats")
const [cancel] = await publisher.receive()
console.log("publisher: cancel", cancel[0], cancel.subarray(1).toString())
subscriber.close()
publisher.close()

// Request/reply: a Reply server doubles each number a Request client sends.
// Both ends run in this process; it ends when the client has its answers.
// Run with ZMQ_MODULE=zeromq to use zeromq.js instead (zmq-ts needs `npm run build`).
const zmq = await import(process.env.ZMQ_MODULE ?? "zmq-ts")

const server = new zmq.Reply()
await server.bind("tcp://127.0.0.1:*")

const serving = (async () => {
  for await (const [msg] of server) {
    const value = Number.parseInt(msg.toString(), 10)
    console.log(`server: doubling ${value}`)
    await server.send(2 * value)
  }
})()

const client = new zmq.Request()
client.connect(server.lastEndpoint)
for (const n of [4, 21, -3]) {
  await client.send(n)
  const [result] = await client.receive()
  console.log(`client: ${n} * 2 = ${result}`)
}
client.close()
server.close()
await serving
console.log("done")

// Hello World (ZeroMQ guide, chapter 1): a REP server answers "World" to
// each "Hello" of a REQ client. Both ends run in this process; it prints the
// exchange and ends when the client has had its five replies.
// Run with ZMQ_MODULE=zeromq/v5-compat to use zeromq.js instead (zmq-ts needs `npm run build`).
const zmq = require(process.env.ZMQ_MODULE ?? "zmq-ts/v5-compat")

const server = zmq.socket("rep")
server.on("message", (request) => {
  console.log(`server: received ${request.toString()}`)
  server.send("World")
})

server.bind("tcp://127.0.0.1:*", (err) => {
  if (err) throw err
  const client = zmq.socket("req")
  client.connect(server.last_endpoint)
  let replies = 0
  client.on("message", (reply) => {
    console.log(`client: received ${reply.toString()} ${++replies}`)
    if (replies === 5) {
      client.close()
      server.close()
      return
    }
    client.send("Hello")
  })
  client.send("Hello")
})

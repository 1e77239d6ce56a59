// ROUTER identities (guide chapter 3, identity): a ROUTER receives from an
// anonymous REQ, which libzmq gives a generated 5-byte identity, and from a
// REQ that named itself "PEER2". Each message arrives as
// [identity, empty delimiter, body].
const zmq = require(process.env.ZMQ_MODULE ?? "zmq-ts/v5-compat")

const sink = zmq.socket("router")
sink.bind("inproc://identity-example", (err) => {
  if (err) throw err
  const anonymous = zmq.socket("req")
  anonymous.connect("inproc://identity-example")
  const named = zmq.socket("req")
  named.identity = "PEER2"
  named.connect("inproc://identity-example")

  const seen = []
  sink.on("message", (id, delimiter, body) => {
    const name = body.toString() === "ROUTER uses REQ's socket identity" ? id.toString() : `(generated, ${id.length} bytes, first byte ${id[0]})`
    seen.push(`${body.toString()}: identity ${name}, delimiter ${delimiter.length} bytes`)
    if (seen.length === 1) named.send("ROUTER uses REQ's socket identity")
    if (seen.length === 2) {
      for (const line of seen) console.log(line)
      for (const s of [anonymous, named, sink]) s.close()
    }
  })
  anonymous.send("ROUTER uses a generated 5 byte identity")
})

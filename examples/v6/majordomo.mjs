// Majordomo (ZeroMQ guide, chapter 4), reduced: a Router broker passes client
// requests to worker Dealers by service name and their replies back. Clients
// are Request sockets with a receive timeout: a service without workers
// ("soda") times out. Requests go out in parallel; results print in order.
// Run with ZMQ_MODULE=zeromq to use zeromq.js instead (zmq-ts needs `npm run build`).
const zmq = await import(process.env.ZMQ_MODULE ?? "zmq-ts")

const CLIENT = "MDPC01"
const WORKER = "MDPW01"
const [READY, REQUEST, REPLY, DISCONNECT] = ["\x01", "\x02", "\x03", "\x05"]

class Broker {
  socket = new zmq.Router({ sendHighWaterMark: 1, sendTimeout: 1 })
  idle = new Map() // service -> worker ids
  waiting = new Map() // service -> [client, body][]
  serviceOf = new Map() // worker id (hex) -> service

  async start() {
    await this.socket.bind("tcp://127.0.0.1:*")
    this.loop = (async () => {
      for await (const [sender, , header, ...rest] of this.socket) {
        if (header.toString() === CLIENT) await this.request(sender, rest[0].toString(), rest.slice(1))
        else if (header.toString() === WORKER) await this.fromWorker(sender, rest)
      }
    })()
    return this.socket.lastEndpoint
  }

  async request(client, service, body) {
    const queue = this.waiting.get(service) ?? []
    queue.push([client, body])
    this.waiting.set(service, queue)
    await this.dispatch(service)
  }

  async fromWorker(worker, [type, ...rest]) {
    const kind = type.toString()
    if (kind === READY) {
      this.serviceOf.set(worker.toString("hex"), rest[0].toString())
      await this.ready(worker)
    } else if (kind === REPLY) {
      const [client, , ...body] = rest
      await this.socket.send([client, null, CLIENT, this.serviceOf.get(worker.toString("hex")), ...body])
      await this.ready(worker)
    } else if (kind === DISCONNECT) {
      const service = this.serviceOf.get(worker.toString("hex"))
      const idle = this.idle.get(service) ?? []
      this.idle.set(service, idle.filter((w) => !w.equals(worker)))
    }
  }

  async ready(worker) {
    const service = this.serviceOf.get(worker.toString("hex"))
    this.idle.set(service, [...(this.idle.get(service) ?? []), worker])
    await this.dispatch(service)
  }

  async dispatch(service) {
    const idle = this.idle.get(service) ?? []
    const queue = this.waiting.get(service) ?? []
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.shift()
      const [client, body] = queue.shift()
      await this.socket.send([worker, null, WORKER, REQUEST, client, null, ...body])
    }
  }

  stop() {
    this.socket.close()
  }
}

class Worker {
  socket = new zmq.Dealer()
  constructor(address, service, transform) {
    this.service = service
    this.transform = transform
    this.socket.connect(address)
  }
  async start() {
    await this.socket.send([null, WORKER, READY, this.service])
    this.loop = (async () => {
      for await (const [, , , client, , ...body] of this.socket) {
        await this.socket.send([null, WORKER, REPLY, client, null, ...body.map((b) => this.transform(b.toString()))])
      }
    })()
  }
  async stop() {
    await this.socket.send([null, WORKER, DISCONNECT, this.service])
    this.socket.close()
  }
}

async function request(address, service, ...body) {
  const socket = new zmq.Request({ receiveTimeout: 500 })
  socket.connect(address)
  try {
    await socket.send([CLIENT, service, ...body])
    const [, , ...reply] = await socket.receive()
    return `'${service}' answered '${reply.join(", ")}'`
  } catch (err) {
    return `'${service}' timed out (${err.code})`
  } finally {
    socket.close()
  }
}

const broker = new Broker()
const address = await broker.start()
const workers = [
  new Worker(address, "tea", (s) => `${s} tea`),
  new Worker(address, "coffee", (s) => s.toUpperCase()),
  new Worker(address, "tea", (s) => `${s} tea`),
]
for (const worker of workers) await worker.start()

const results = await Promise.all([
  request(address, "soda", "cola"),
  request(address, "tea", "oolong"),
  request(address, "tea", "sencha"),
  request(address, "tea", "earl grey", "with milk"),
  request(address, "coffee", "latte", "with soy milk"),
  request(address, "coffee", "espresso"),
])
for (const line of results) console.log(line)

for (const worker of workers) await worker.stop()
broker.stop()
console.log("stopped")

// Written against zeromq.js v6's API: must type-check against zeromq and zmq-ts alike.
import * as zmq from "zmq-lib"

export async function sockets(): Promise<void> {
  const ctx = new zmq.Context({ ioThreads: 2, blocky: false, maxSockets: 10 })
  ctx.ipv6 = true
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 5, context: ctx, conflate: false })
  const pull = new zmq.Pull({ receiveTimeout: 100, receiveHighWaterMark: 5 })
  const router = new zmq.Router({ routingId: "r", mandatory: true, handover: true, probeRouter: false })
  const dealer = new zmq.Dealer({ routingId: "d", immediate: true })
  const req = new zmq.Request({ correlate: true, relaxed: true })
  const rep = new zmq.Reply({})
  const pub = new zmq.Publisher({ noDrop: true, invertMatching: false })
  const sub = new zmq.Subscriber({ conflate: true })
  const xpub = new zmq.XPublisher({ manual: true, welcomeMessage: "hi" })
  const xsub = new zmq.XSubscriber()
  const stream = new zmq.Stream({ notify: true })
  const pair = new zmq.Pair()
  xpub.verbosity = "allSubs"
  sub.subscribe("a", Buffer.from("b"))
  sub.unsubscribe()
  router.connect("tcp://127.0.0.1:1", { routingId: "peer" })
  stream.connect("tcp://127.0.0.1:2", { routingId: "s" })
  await pull.bind("tcp://127.0.0.1:*")
  push.connect(pull.lastEndpoint ?? "")
  await push.send(["a", Buffer.from("b"), 1, null])
  const [frame] = await pull.receive()
  const text: string | undefined = frame?.toString()
  await stream.send([Buffer.from("id"), "data"])
  const [id, data] = await stream.receive()
  for await (const [msg] of pull) void msg
  const all: zmq.Socket[] = [push, pull, router, dealer, req, rep, pub, sub, xpub, xsub, stream, pair]
  const s: zmq.Socket = req
  const kinds: number[] = all.map((x) => x.type)
  const closed: boolean = s.closed
  const readable: boolean = s.readable && s.writable
  const mech: null | "plain" | "curve" | "gssapi" = s.securityMechanism
  const c: zmq.Context = s.context
  push.curveServerKey = zmq.curveKeyPair().publicKey
  dealer.plainUsername = "u"
  void [text, id, data, kinds, closed, readable, mech, c, zmq.version, zmq.capability.curve, zmq.context.ioThreads]
  for (const x of all) x.close()
}

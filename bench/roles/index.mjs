// Worker-side role registry: each role is `async (zmq, params, control) => result`.
// `zmq` is the loaded implementation, `params` come from the scenario running in
// the parent, and `control` talks to the parent (see worker.mjs). A role must
// close every socket it opened before it returns.
import { pullReceiver, pushSender, inprocPair } from "./throughput.mjs"
import { repServer, reqClient } from "./latency.mjs"
import { pubSender, subReceiver } from "./pubsub.mjs"
import { threadPush, threadReq } from "./threads.mjs"
import { curveHandshakeServer, curveHandshakeClient } from "./curve.mjs"
import { serverEcho, clientRtt } from "./draft.mjs"
import { dishReceiver, radioSender } from "./radio-dish.mjs"

export const roles = {
  /** Imports the implementation and lists its exports; used to skip unsupported scenarios early. */
  async probe(zmq) {
    return { exports: Object.keys(zmq).filter((k) => typeof zmq[k] === "function") }
  },
  "pull-receiver": pullReceiver,
  "push-sender": pushSender,
  "inproc-pair": inprocPair,
  "thread-push": threadPush,
  "thread-req": threadReq,
  "rep-server": repServer,
  "req-client": reqClient,
  "pub-sender": pubSender,
  "sub-receiver": subReceiver,
  "curve-handshake-server": curveHandshakeServer,
  "curve-handshake-client": curveHandshakeClient,
  "server-echo": serverEcho,
  "client-rtt": clientRtt,
  "dish-receiver": dishReceiver,
  "radio-sender": radioSender,
}

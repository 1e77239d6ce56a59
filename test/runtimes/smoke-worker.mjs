// Worker thread for smoke.mjs's "inproc across worker threads" check: connects
// to the main thread's inproc endpoints, answers one request, then closes.
import { workerData } from "node:worker_threads"
import * as zmq from "../../dist/esm/index.js"

const rep = new zmq.Reply({ linger: 0 })
rep.connect(workerData.endpoint)
const [msg] = await rep.receive()
await rep.send(`worker got ${String(msg)}`)
rep.close()

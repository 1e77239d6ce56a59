// zmq-ts in a web page, without a bundler: this Node process serves
// index.html and the single-file browser build (dist/browser/zmq-ts.mjs) on
// http://127.0.0.1:8080, and runs the ZeroMQ side the page talks to:
//   - a ROUTER on ws://127.0.0.1:5555 that answers each request, upper-cased;
//   - a PUB on ws://127.0.0.1:5556 publishing "tick.<n>" and "tock.<n>" every second.
// The page (index.html) connects a DEALER and a SUB (subscribed to "tick.").
//
// Usage: npm run build && node examples/browser/server.mjs, then open
// http://127.0.0.1:8080/ in a browser. DEMO_ZMQ_MODULE=zeromq runs the Node
// side on the native `zeromq` (libzmq) instead: the page is the same.
// Loopback only; a page served from elsewhere would connect to wss://.
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const zmq = await import(process.env.DEMO_ZMQ_MODULE || "zmq-ts")
const here = dirname(fileURLToPath(import.meta.url))
const FILES = {
  "/": ["text/html", join(here, "index.html")],
  "/zmq-ts.mjs": ["text/javascript", join(here, "..", "..", "dist", "browser", "zmq-ts.mjs")],
  "/favicon.ico": ["image/svg+xml", null],
}

const router = new zmq.Router()
await router.bind("ws://127.0.0.1:5555")
const pub = new zmq.Publisher()
await pub.bind("ws://127.0.0.1:5556")

const http = createServer((req, res) => {
  const file = FILES[req.url ?? ""]
  if (file === undefined) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(file[1] === null ? 204 : 200, { "content-type": file[0] })
  res.end(file[1] === null ? undefined : readFileSync(file[1]))
})
http.listen(8080, "127.0.0.1", () => console.log("open http://127.0.0.1:8080/ (Ctrl-C to stop)"))

let n = 0
const timer = setInterval(() => {
  n++
  pub
    .send([`tick.${n}`, new Date().toISOString()])
    .then(() => pub.send([`tock.${n}`, "filtered out by the page's subscription"]))
    .catch((err) => console.error(`publish: ${err.message}`))
}, 1000)

process.once("SIGINT", () => {
  clearInterval(timer)
  router.close()
  pub.close()
  http.close()
})

// Requests: [routing id, text] -> [routing id, TEXT].
for await (const [id, text] of router) {
  console.log(`request from ${id.toString("hex")}: ${text}`)
  await router.send([id, text.toString().toUpperCase()])
}

// Runtime smoke suite: plain ESM importing the BUILT package (dist/esm), so
// node, bun and deno run it as-is (no tsx). One line per check:
//   "ok <name>", "n/a <name>: <reason>" or "FAIL <name>: <error>".
// Exits 1 on any failure; the whole run is bounded by SMOKE_TIMEOUT_MS.
// Usage: <runtime> test/runtimes/smoke.mjs [timeout-ms]
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import * as zmq from "../../dist/esm/index.js"

const runtime =
  typeof globalThis.Deno !== "undefined" ? "deno" : typeof globalThis.Bun !== "undefined" ? "bun" : "node"
const TIMEOUT_MS = Number(process.argv[2] ?? 20_000)
const dir = mkdtempSync(join(tmpdir(), "zmq-ts-smoke-"))
const open = new Set()
let failures = 0
let seq = 0

const guard = setTimeout(() => {
  console.log(`FAIL overall: not finished within ${TIMEOUT_MS} ms`)
  process.exit(1)
}, TIMEOUT_MS)

/** Creates a socket that is closed at the end of its check. */
function sock(Type, options) {
  const s = new Type({ linger: 0, ...options })
  open.add(s)
  return s
}

function closeAll() {
  for (const s of open) if (!s.closed) s.close()
  open.clear()
}

/** A fresh endpoint for `transport` (tcp binds a wildcard port). */
function endpoint(transport) {
  seq += 1
  if (transport === "tcp") return "tcp://127.0.0.1:*"
  if (transport === "ipc") return `ipc://${join(dir, `s${seq}.ipc`)}`
  if (transport === "inproc") return `inproc://smoke-${seq}`
  if (transport === "ws") return "ws://127.0.0.1:*/smoke"
  throw new Error(`unknown transport ${transport}`)
}

/** Binds `a` and connects `b`; returns the bound endpoint. */
async function pair(a, b, transport) {
  await a.bind(endpoint(transport))
  b.connect(a.lastEndpoint)
  return a.lastEndpoint
}

const text = (frames) => frames.map((f) => Buffer.from(f).toString())

function expectFrames(got, want, what) {
  const g = text(got)
  if (JSON.stringify(g) !== JSON.stringify(want)) {
    throw new Error(`${what}: got ${JSON.stringify(g)}, want ${JSON.stringify(want)}`)
  }
}

async function check(name, fn, notApplicable) {
  if (notApplicable) {
    console.log(`n/a ${name}: ${notApplicable}`)
    return
  }
  try {
    await fn()
    console.log(`ok ${name}`)
  } catch (err) {
    failures += 1
    console.log(`FAIL ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  } finally {
    closeAll()
  }
}

/** Resolves when `sub` (an XPUB) sees a subscription message. */
async function waitSubscribed(xpub) {
  const [m] = await xpub.receive()
  if (m[0] !== 1) throw new Error(`expected a subscribe message, got ${Buffer.from(m).toString("hex")}`)
  return m
}

const socketChecks = {
  "push-pull": async (t) => {
    const pull = sock(zmq.Pull)
    const push = sock(zmq.Push)
    await pair(pull, push, t)
    await push.send(["a", "b", "c"])
    expectFrames(await pull.receive(), ["a", "b", "c"], "multipart")
  },
  "req-rep": async (t) => {
    const rep = sock(zmq.Reply)
    const req = sock(zmq.Request)
    await pair(rep, req, t)
    await req.send("ping")
    expectFrames(await rep.receive(), ["ping"], "request")
    await rep.send("pong")
    expectFrames(await req.receive(), ["pong"], "reply")
  },
  "dealer-router": async (t) => {
    const router = sock(zmq.Router)
    const dealer = sock(zmq.Dealer, { routingId: "d1" })
    await pair(router, dealer, t)
    await dealer.send(["x", "y"])
    expectFrames(await router.receive(), ["d1", "x", "y"], "at router")
    await router.send(["d1", "back"])
    expectFrames(await dealer.receive(), ["back"], "at dealer")
  },
  "pub-sub": async (t) => {
    // XPUB (a PUB that shows subscriptions) so the check waits for the
    // subscription event instead of sleeping: a plain PUB drops until then.
    const pub = sock(zmq.XPublisher)
    const sub = sock(zmq.Subscriber)
    sub.subscribe("keep")
    await pair(pub, sub, t)
    await waitSubscribed(pub)
    await pub.send("drop this")
    await pub.send(["keep this", "part2"])
    expectFrames(await sub.receive(), ["keep this", "part2"], "filtered")
  },
  "xpub-xsub": async (t) => {
    const xpub = sock(zmq.XPublisher)
    const xsub = sock(zmq.XSubscriber)
    await pair(xpub, xsub, t)
    await xsub.send(Buffer.from("\x01topic"))
    const m = await waitSubscribed(xpub)
    if (Buffer.from(m).toString() !== "\x01topic") throw new Error("subscription payload")
    await xpub.send("topic!")
    expectFrames(await xsub.receive(), ["topic!"], "at xsub")
  },
  pair: async (t) => {
    const a = sock(zmq.Pair)
    const b = sock(zmq.Pair)
    await pair(a, b, t)
    await b.send("to a")
    expectFrames(await a.receive(), ["to a"], "at a")
    await a.send("to b")
    expectFrames(await b.receive(), ["to b"], "at b")
  },
}

/** Whether this runtime can bind a Unix domain socket (ipc://). */
function ipcUnsupported() {
  if (process.platform === "win32") return "no Unix domain sockets on Windows"
  return undefined
}

async function main() {
  console.log(`runtime ${runtime} ${runtimeVersion()}`)
  for (const t of ["tcp", "ipc", "inproc"]) {
    const na = t === "ipc" ? ipcUnsupported() : undefined
    for (const [name, fn] of Object.entries(socketChecks)) await check(`${t} ${name}`, () => fn(t), na)
  }

  await check(
    "ipc abstract namespace",
    async () => {
      const pull = sock(zmq.Pull)
      const push = sock(zmq.Push)
      await pull.bind(`ipc://@zmq-ts-smoke-${process.pid}`)
      push.connect(pull.lastEndpoint)
      await push.send("abstract")
      expectFrames(await pull.receive(), ["abstract"], "at pull")
    },
    process.platform === "linux" ? ipcUnsupported() : "abstract sockets are Linux-only",
  )

  await check("tcp observer events", async () => {
    const rep = sock(zmq.Reply)
    const observer = new zmq.Observer(rep)
    const accepted = new Promise((resolve) => observer.on("handshake", resolve))
    const req = sock(zmq.Request)
    await pair(rep, req, "tcp")
    const event = await accepted
    if (!String(event.address).startsWith("tcp://127.0.0.1:")) throw new Error(`handshake event address ${String(event.address)}`)
    observer.close()
  })

  await check("inproc across worker threads", async () => {
    const req = sock(zmq.Request)
    const endpoint = `inproc://smoke-worker-${process.pid}`
    await req.bind(endpoint)
    const worker = new Worker(new URL("./smoke-worker.mjs", import.meta.url), { workerData: { endpoint } })
    const exited = new Promise((resolve, reject) => {
      worker.once("error", reject)
      worker.once("exit", resolve)
    })
    await req.send("task")
    expectFrames(await req.receive(), ["worker got task"], "reply from worker")
    const code = await exited
    if (code !== 0) throw new Error(`worker exited with ${String(code)}`)
  })

  await check("tcp 1 MiB message", async () => {
    const pull = sock(zmq.Pull)
    const push = sock(zmq.Push)
    await pair(pull, push, "tcp")
    const big = Buffer.alloc(1 << 20)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
    await push.send(big)
    const [got] = await pull.receive()
    if (got.length !== big.length || !Buffer.from(got).equals(big)) throw new Error(`got ${got.length} bytes, content differs`)
  })

  await check("tcp PLAIN (ZAP handler over inproc)", async () => {
    // Like libzmq 4.3, a PLAIN server refuses clients without a ZAP handler.
    const zap = sock(zmq.Router)
    await zap.bind("inproc://zeromq.zap.01")
    const served = (async () => {
      const [id, empty, version, requestId, , , , mechanism, user, pass] = await zap.receive()
      const ok = String(mechanism) === "PLAIN" && String(user) === "user" && String(pass) === "pass"
      await zap.send([id, empty, version, requestId, ok ? "200" : "400", ok ? "OK" : "denied", "user", ""])
    })()
    const rep = sock(zmq.Reply, { plainServer: true })
    const req = sock(zmq.Request, { plainUsername: "user", plainPassword: "pass" })
    await pair(rep, req, "tcp")
    await req.send("auth")
    expectFrames(await rep.receive(), ["auth"], "request")
    await rep.send("ok")
    expectFrames(await req.receive(), ["ok"], "reply")
    await served
  })

  await check("tcp CURVE", async () => {
    const server = zmq.curveKeyPair()
    const client = zmq.curveKeyPair()
    const rep = sock(zmq.Reply, { curveServer: true, curveSecretKey: server.secretKey })
    const req = sock(zmq.Request, {
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    })
    await pair(rep, req, "tcp")
    await req.send("secret")
    expectFrames(await rep.receive(), ["secret"], "request")
    await rep.send("sealed")
    expectFrames(await req.receive(), ["sealed"], "reply")
  })

  await check("ws dealer-router", () => socketChecks["dealer-router"]("ws"))

  closeAll()
  rmSync(dir, { recursive: true, force: true })
  clearTimeout(guard)
  console.log(failures === 0 ? "done" : `done with ${failures} failure(s)`)
  // No process.exit on success: the process must end by itself, which shows
  // every socket, timer and handle was released.
  if (failures) process.exitCode = 1
}

function runtimeVersion() {
  if (runtime === "deno") return globalThis.Deno.version.deno
  if (runtime === "bun") return globalThis.Bun.version
  return process.versions.node
}

main().catch((err) => {
  console.log(`FAIL main: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  process.exit(1)
})

// Runs inside the page (test/browser/harness.mjs serves it): zmq-ts from the
// single-file browser build, used as an application would.
import * as zmq from "/zmq-ts.mjs"

/** A recognisable payload of `n` octets. */
function pattern(n, seed) {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

function same(a, b) {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * A DEALER that connects to `url`, sends `rounds` two-part requests and
 * reads each echo, then one message of each of `sizes` octets (Chromium
 * fragments large ones, RFC 6455 5.4). Returns what it saw, for the test to check.
 */
export async function dealerRoundTrips(url, rounds, sizes) {
  const dealer = new zmq.Dealer({ routingId: "page-dealer", receiveTimeout: 20000 })
  dealer.connect(url)
  const replies = []
  try {
    for (let i = 0; i < rounds; i++) {
      await dealer.send(["ping", String(i)])
      const reply = await dealer.receive()
      replies.push(reply.map((f) => f.toString()).join("|"))
    }
    const big = []
    for (const n of sizes) {
      const sent = pattern(n, n % 251)
      await dealer.send(sent)
      const [echo] = await dealer.receive()
      // Frames are Node Buffers in the page too (the bundle's own Buffer), with their methods.
      big.push({ size: n, echoed: echo.length, same: same(echo, sent), isBuffer: typeof echo.equals === "function" && echo.equals(sent) })
    }
    return { replies, big }
  } finally {
    dealer.close()
  }
}

/** A SUB on `url` subscribed to `prefix`, until it has `count` messages; returns their topics. */
export async function subscribe(url, prefix, count) {
  const sub = new zmq.Subscriber({ receiveTimeout: 20000 })
  sub.connect(url)
  sub.subscribe(prefix)
  const topics = []
  try {
    while (topics.length < count) {
      const [topic] = await sub.receive()
      topics.push(topic.toString())
    }
    return topics
  } finally {
    sub.close()
  }
}

/** What cannot work in a page, and the errors it gives. */
export async function refusals() {
  const out = {}
  const s = new zmq.Pair()
  try {
    await s.bind("ws://127.0.0.1:5555").catch((e) => (out.bindWs = `${e.code}: ${e.message}`))
    try {
      s.connect("tcp://127.0.0.1:5555")
    } catch (e) {
      out.connectTcp = `${e.code}: ${e.message}`
    }
    const plain = new zmq.Dealer({ plainUsername: "u", plainPassword: "p" })
    try {
      plain.connect("ws://127.0.0.1:5555")
    } catch (e) {
      out.plainWs = `${e.code}: ${e.message}`
    }
    plain.close()
    // inproc works inside the page, as in Node.
    const a = new zmq.Pair()
    const b = new zmq.Pair()
    await a.bind("inproc://page")
    b.connect("inproc://page")
    await b.send("over inproc")
    out.inproc = (await a.receive())[0].toString()
    a.close()
    b.close()
    out.curveKeyLength = zmq.curveKeyPair().publicKey.length
    out.ipc = zmq.capability.ipc
    out.pgm = zmq.capability.pgm
    out.curve = zmq.capability.curve
  } finally {
    s.close()
  }
  return out
}

/**
 * The sending half of the browser bench (bench/scenarios/browser.mjs), in the
 * stream format of bench/roles/throughput.mjs: pushOpen connects and sends
 * WARMUP and the untimed warm-up stream, pushStream the timed one, pushClose
 * ends it. The socket lives in the page between the calls.
 */
const pushers = new Map()

export async function pushOpen(url, size, warm) {
  const push = new zmq.Push({ linger: 30000 })
  push.connect(url)
  pushers.set(url, push)
  await push.send("W")
  await pushStream(url, warm, size)
}

export async function pushStream(url, count, size) {
  const push = pushers.get(url)
  const payload = new Uint8Array(size).fill(0x61)
  const start = performance.now()
  for (let i = 0; i < count; i++) await push.send(payload)
  await push.send(new Uint8Array(0))
  return { sent: count, seconds: (performance.now() - start) / 1000 }
}

export function pushClose(url) {
  pushers.get(url)?.close()
  pushers.delete(url)
}

/**
 * REQ, PUSH and PAIR from the page to the REP, PULL and PAIR at `urls`: one
 * exchange each, and the page's socket events up to the handshake.
 */
export async function otherPatterns(urls) {
  const req = new zmq.Request({ receiveTimeout: 20000 })
  const push = new zmq.Push()
  const pair = new zmq.Pair({ receiveTimeout: 20000 })
  const events = []
  const watching = (async () => {
    for await (const e of req.events) {
      events.push(e.type)
      if (e.type === "handshake") break
    }
  })()
  try {
    req.connect(urls.rep)
    push.connect(urls.pull)
    pair.connect(urls.pair)
    await req.send(["question", "two parts"])
    const reply = (await req.receive()).map(String)
    await push.send(["pushed", "from the page"])
    await pair.send("pair ping")
    const pairReply = (await pair.receive()).map(String)
    await watching
    return { reply, pairReply, events }
  } finally {
    req.close()
    push.close()
    pair.close()
  }
}

/** A DEALER dialing `url` until it has retried twice; returns its events (a refused wss:// never hands over). */
export async function retriesOf(url) {
  const dealer = new zmq.Dealer({ reconnectInterval: 50 })
  const events = []
  // The observer first: it sees only what happens after it exists (connect:delay comes at once).
  const observer = dealer.events
  try {
    dealer.connect(url)
    let retries = 0
    for await (const e of observer) {
      events.push(e.type)
      if (e.type === "connect:retry" && ++retries === 2) break
    }
    return events
  } finally {
    dealer.close()
  }
}

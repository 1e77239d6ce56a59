// CURVE (RFC 26) helpers and worker roles for the CURVE handshake rate.
//
// Keys: every worker makes its own key pairs with the implementation's
// curveKeyPair() (Z85 strings; the two libraries' keys are interchangeable).
// The server's public key travels to the client through the parent: the
// binding role reports it with "ready" (`serverKey`), the scenario passes it
// on in the client's params.
//
// Handshake rate ("curve-handshake"): the server is a PULL bound with
// curveServer; the client repeatedly creates a PUSH with the CURVE client
// options (linger 0), connects, waits for the socket's "handshake" event
// (sock.events.on("handshake", ...)) and closes it. Each client uses one
// long-term key pair for all its sockets, as a real client would; every
// connection still makes a full handshake with fresh transient keys.
import { UnsupportedError, socketClass } from "../lib/impl.mjs"
import { latencySummary, nowSeconds } from "../lib/stats.mjs"

/** A new Z85 key pair from the implementation, or UnsupportedError (reported as n/a). */
export function curveKeys(zmq) {
  if (typeof zmq.curveKeyPair !== "function") throw new UnsupportedError("curveKeyPair is not implemented")
  if (zmq.capability && zmq.capability.curve === false) throw new UnsupportedError("CURVE is not supported by this build")
  return zmq.curveKeyPair()
}

/**
 * Socket options for `curve` as given in a role's params:
 *   undefined            no CURVE (NULL mechanism)
 *   { server: true }     CURVE server with a fresh key pair
 *   { serverKey: Z85 }   CURVE client of that server, with a fresh key pair
 * Returns { options, serverKey } (serverKey: the public key a server reports).
 */
export function curveSocketOptions(zmq, curve) {
  if (!curve) return { options: {}, serverKey: undefined }
  const keys = curveKeys(zmq)
  if (curve.server) {
    return { options: { curveServer: true, curveSecretKey: keys.secretKey }, serverKey: keys.publicKey }
  }
  if (!curve.serverKey) throw new Error("a CURVE client needs the server's public key (curve.serverKey)")
  return {
    options: { curveServerKey: curve.serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey },
    serverKey: undefined,
  }
}

const HANDSHAKE_ERRORS = ["handshake:error:protocol", "handshake:error:auth", "handshake:error:other"]

/** CURVE server for the handshake rate: bind, report endpoint and key, stay up until "close". */
export async function curveHandshakeServer(zmq, p, control) {
  const Pull = socketClass(zmq, "Pull")
  const { options, serverKey } = curveSocketOptions(zmq, { server: true })
  const sock = new Pull({ linger: 0, ...options, ...p.socketOptions })
  try {
    await sock.bind(p.endpoint)
    await control.send("ready", { endpoint: sock.lastEndpoint, serverKey })
    await control.next("close")
  } finally {
    sock.close()
  }
}

/**
 * One client connection: new PUSH with the CURVE client options, connect,
 * wait for "handshake" (a handshake error event rejects), close. Resolves with
 * the time in seconds from creating the socket to the handshake event.
 */
async function oneHandshake(Push, options, endpoint) {
  const t0 = nowSeconds()
  const sock = new Push({ linger: 0, ...options })
  try {
    const done = new Promise((resolve, reject) => {
      sock.events.on("handshake", () => resolve())
      for (const type of HANDSHAKE_ERRORS) {
        sock.events.on(type, (ev) => reject(new Error(`${type}: ${ev?.error?.message ?? "handshake failed"} (${ev?.error?.code ?? "?"})`)))
      }
    })
    sock.connect(endpoint)
    await done
    return nowSeconds() - t0
  } finally {
    sock.close()
  }
}

/**
 * CURVE client for the handshake rate: `warmup` untimed handshakes one by one,
 * "ready", wait for "go", then `count` handshakes with up to `parallel` in
 * flight at once. Reports handshakes per second over the whole timed part and
 * the per-handshake time (socket creation to "handshake" event) in ms.
 */
export async function curveHandshakeClient(zmq, p, control) {
  const Push = socketClass(zmq, "Push")
  const { options } = curveSocketOptions(zmq, { serverKey: p.serverKey })
  const opts = { ...options, ...p.socketOptions }
  for (let i = 0; i < p.warmup; i++) await oneHandshake(Push, opts, p.endpoint)
  await control.send("ready")
  await control.next("go")

  const samples = new Float64Array(p.count)
  let next = 0
  const lane = async () => {
    while (next < p.count) {
      const i = next++
      samples[i] = (await oneHandshake(Push, opts, p.endpoint)) * 1e3
    }
  }
  const start = nowSeconds()
  await Promise.all(Array.from({ length: Math.min(p.parallel, p.count) }, lane))
  const seconds = nowSeconds() - start
  const ms = latencySummary(samples) // "Us" fields hold milliseconds here
  await control.send("result", {
    count: p.count,
    seconds,
    handshakesPerSec: p.count / seconds,
    medianMs: ms.medianUs,
    p99Ms: ms.p99Us,
    meanMs: ms.meanUs,
  })
  await control.next("close")
}

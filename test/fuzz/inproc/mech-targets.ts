/**
 * In-process fuzz targets for the sans-I/O security handshakes (src/mechanism)
 * and ZAP: a real client and server run the handshake against each other,
 * and one command on the way (or the ZAP reply) is mutated. The oracles: only
 * the protocol's own errors escape, and under CURVE a changed byte in an
 * authenticated part never lets the victim finish the handshake or accept a
 * MESSAGE.
 */
import { encodeMetadata } from "../../../src/codec/command.js"
import { ProtocolError } from "../../../src/codec/protocol-error.js"
import { generateKeyPair, type KeyPair } from "../../../src/crypto/box.js"
import { CurveClient, CurveServer } from "../../../src/mechanism/curve.js"
import { MechanismFailure } from "../../../src/mechanism/failure.js"
import type { Mechanism, MechanismContext } from "../../../src/mechanism/mechanism.js"
import { NullMechanism } from "../../../src/mechanism/null.js"
import { PlainClient, PlainServer } from "../../../src/mechanism/plain.js"
import { AuthError } from "../../../src/mechanism/zap.js"
import type { SocketTypeName } from "../../../src/sockets/socket-types.js"
import { describe, mutate, type Field, type Rng } from "./mutate.js"

export type MechKind = "NULL" | "PLAIN" | "CURVE"

/** Long-term CURVE keys are made once: generating them is not what we fuzz. */
let keys: { server: KeyPair; client: KeyPair } | null = null
function curveKeys(): { server: KeyPair; client: KeyPair } {
  keys ??= { server: generateKeyPair(), client: generateKeyPair() }
  return keys
}

const PAIRS: readonly [SocketTypeName, SocketTypeName][] = [
  ["DEALER", "ROUTER"],
  ["PUSH", "PULL"],
  ["REQ", "REP"],
  ["SUB", "PUB"],
  ["PAIR", "PAIR"],
]

function context(rng: Rng, type: SocketTypeName, zapDomain: string | null): MechanismContext {
  return { socketType: type, routingId: rng.chance(0.3) ? rng.bytes(1 + rng.int(8)) : Buffer.alloc(0), zapDomain, zapEnforceDomain: rng.chance(0.2), peerAddress: "127.0.0.1" }
}

function makePair(rng: Rng, kind: MechKind): { client: Mechanism; server: Mechanism } {
  const [ct, st] = rng.pick(PAIRS)
  const domain = rng.chance(0.5) ? "fuzz" : null
  const cc = context(rng, ct, domain)
  const sc = context(rng, st, domain)
  switch (kind) {
    case "NULL":
      return { client: new NullMechanism(cc), server: new NullMechanism(sc) }
    case "PLAIN":
      return { client: new PlainClient(cc, rng.bytes(rng.int(12)), rng.bytes(rng.int(12))), server: new PlainServer(sc) }
    case "CURVE": {
      const k = curveKeys()
      return { client: new CurveClient(cc, k.server.publicKey, k.client.publicKey, k.client.secretKey), server: new CurveServer(sc, k.server.publicKey, k.server.secretKey) }
    }
  }
}

/** A ZAP reply as a handler sends it (RFC 27), status 200 unless told otherwise. */
export function zapReply(status = "200", metadata: Buffer = encodeMetadata([["X-Fuzz", "1"]])): Buffer[] {
  return [Buffer.alloc(0), Buffer.from("1.0"), Buffer.from("1"), Buffer.from(status), Buffer.from("OK"), Buffer.from("user"), metadata]
}

/** Errors the engine expects from a mechanism; anything else would crash or confuse it. */
function allowed(err: unknown): boolean {
  return err instanceof ProtocolError || err instanceof AuthError || err instanceof MechanismFailure
}

/** Fields common to all handshake commands: the name size, the name, and (CURVE) nonces and lengths. */
function commandFields(body: Buffer): Field[] {
  const fields: Field[] = [{ off: 0, kind: "size8" }]
  const nameLen = body[0] ?? 0
  for (let i = 1; i <= nameLen && i < body.length; i++) fields.push({ off: i, kind: "name" })
  for (let off = 1 + nameLen; off + 4 <= body.length; off += 4 + (off % 3) * 8) fields.push({ off, kind: "u32" })
  return fields
}

/** Under CURVE only HELLO's padding (octets 8..79) is outside every box and unchecked. */
function touchesAuthenticated(kind: MechKind, original: Buffer, mutated: Buffer): boolean {
  if (kind !== "CURVE" || original.equals(mutated)) return false
  if (original.length !== mutated.length) return true
  const hello = original.toString("latin1", 0, 6) === "\x05HELLO"
  for (let i = 0; i < original.length; i++) {
    if (original[i] !== mutated[i] && !(hello && i >= 8 && i < 80)) return true
  }
  return false
}

interface Outcome {
  failure: string | null
}

/**
 * Runs one handshake. `mutateAt` is the index of the command (counted over both
 * directions) to mutate; `zapMutation` replaces the ZAP reply. Returns a
 * failure or null; a handshake refused with an allowed error is a pass.
 */
function handshake(rng: Rng, kind: MechKind, mutateAt: number, zapMutation: ((frames: Buffer[]) => Buffer[]) | null): Outcome {
  const { client, server } = makePair(rng, kind)
  const queue: { to: Mechanism; body: Buffer }[] = []
  let index = 0
  let forged = false
  const post = (to: Mechanism, cmds: Buffer[]): void => {
    for (const body of cmds) queue.push({ to, body })
  }
  const peerOf = (m: Mechanism): Mechanism => (m === client ? server : client)
  const step = (m: Mechanism, fn: () => Buffer[]): void => {
    post(peerOf(m), fn())
    // The engine asks ZAP whenever the mechanism has a request ready.
    for (let guard = 0; m.zapRequest !== null && guard < 2; guard++) {
      m.zapRequest = null
      const reply = zapReply()
      if (zapMutation === null) post(peerOf(m), m.onZapReply(reply))
      else {
        const frames = zapMutation(reply)
        const text = frames.map((f) => f.toString("latin1"))
        const ok = frames.length === 7 && text[0] === "" && text[1] === "1.0" && text[2] === "1" && text[3] === "200"
        post(peerOf(m), m.onZapReply(frames))
        if (!ok) throw new Error(`ZAP reply with status ${String(frames[3])} and ${frames.length} frames was accepted`)
      }
    }
  }
  try {
    step(client, () => client.start())
    step(server, () => server.start())
    for (let guard = 0; queue.length > 0; guard++) {
      if (guard > 16) return { failure: "handshake does not end" }
      const { to, body } = queue.shift()!
      let input = body
      if (index++ === mutateAt) {
        input = mutate(rng, body, commandFields(body)).bytes
        forged = touchesAuthenticated(kind, body, input)
      }
      step(to, () => to.onCommand(input))
    }
  } catch (err) {
    if (!allowed(err)) return { failure: `handshake threw ${describe(err)}` }
    return { failure: null }
  }
  if (forged && (client.status === "ready" || server.status === "ready") && client.status === server.status) {
    return { failure: "CURVE handshake finished after an authenticated byte was changed" }
  }
  if (kind === "CURVE" && client.status === "ready" && server.status === "ready") return { failure: messages(rng, client, server) }
  return { failure: null }
}

/** CURVE MESSAGE boxes after the handshake: a changed box must be refused, never opened. */
function messages(rng: Rng, client: Mechanism, server: Mechanism): string | null {
  for (let i = 0; i < 3; i++) {
    const [from, to] = rng.chance(0.5) ? [client, server] : [server, client]
    const data = rng.bytes(rng.int(64))
    const box = from.encodeFrame!(rng.int(4), data)
    const m = mutate(rng, box, commandFields(box))
    const mutated = m.bytes
    // Decided before decodeFrame: it opens the box in place, overwriting the
    // command's first octets (a false "changed box opened" came from comparing after).
    const changed = !mutated.equals(box)
    try {
      const out = to.decodeFrame!(mutated)
      if (changed) return `a changed MESSAGE box opened (${out.data.length} bytes; ${m.ops.join(", ")})`
      if (!out.data.equals(data)) return "an intact MESSAGE box opened to other data"
    } catch (err) {
      if (!(err instanceof ProtocolError)) return `decodeFrame threw ${describe(err)}`
      if (!changed) return `an intact MESSAGE box was refused: ${describe(err)}`
      // The connection ends at the first bad box (nonces are sequential), as in the engine.
      return null
    }
  }
  return null
}

/** One handshake of `kind` with one of its commands mutated (or none: a control run). */
export function mechanismInput(kind: MechKind) {
  return (rng: Rng): string | null => handshake(rng, kind, rng.chance(0.1) ? -1 : rng.int(6), null).failure
}

/** A handshake whose ZAP reply is mutated frame-wise (count, status, version, request id, metadata). */
export function zapInput(rng: Rng): string | null {
  const kind = rng.pick<MechKind>(["NULL", "PLAIN", "CURVE"])
  const mutation = (frames: Buffer[]): Buffer[] => {
    const out: Buffer[] = frames.map((f) => Buffer.from(f))
    const op = rng.int(6)
    if (op === 0) out.splice(rng.int(out.length + 1), 0, rng.bytes(rng.int(4)))
    else if (op === 1) out.splice(rng.int(out.length), 1)
    else if (op === 2) out[3] = Buffer.from(rng.pick(["200", "300", "400", "500", "201", "20", "2000", "", "abc"]))
    else {
      const at = op === 3 ? 6 : rng.int(out.length)
      const f = out[at]!
      out[at] = mutate(rng, f, at === 6 ? [{ off: 0, kind: "size8" }, { off: 1 + (f[0] ?? 0), kind: "u32" }] : []).bytes
    }
    return out
  }
  return handshake(rng, kind, -1, mutation).failure
}

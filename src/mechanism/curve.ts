import { decodeCommand, decodeMetadata, encodeMetadata } from "../codec/command.js"
import { MECHANISM_CURVE } from "../codec/constants.js"
import { ProtocolError, type ProtocolErrorReason } from "../codec/protocol-error.js"
import { generateKeyPair, KeyCache, LowOrderKeyError, openAfter, openAfterInPlace, precompute, randomBytes, sealAfter, sealFrameAfter } from "../crypto/box.js"
import { SealRing } from "./curve-ring.js"
import { MechanismFailure } from "./failure.js"
import { basicProperties, MechanismBase, type Mechanism, type MechanismContext } from "./mechanism.js"

/*
 * CurveZMQ (RFC 26) over ZMTP (RFC 25). Names follow RFC 26: C/c and S/s are
 * the client's and server's long-term public/secret keys, C'/c' and S'/s'
 * the transient ones made for this connection. Every command's size is
 * checked before any decryption, every box must open, and short nonces must
 * strictly increase in each direction (a replayed or reordered command or
 * message ends the connection).
 */

const HELLO_SIZE = 200
const WELCOME_SIZE = 168
const INITIATE_MIN = 257
const READY_MIN = 30
const MESSAGE_MIN = 33

const ZERO64 = Buffer.alloc(64)
const ZERO32 = new Uint8Array(32)

function nonce(prefix: string, tail: Uint8Array): Buffer {
  const n = Buffer.allocUnsafe(24)
  n.write(prefix, 0, "latin1")
  n.set(tail, prefix.length)
  return n
}

function shortNonce(prefix16: string, value: bigint): Buffer {
  const n = Buffer.allocUnsafe(24)
  n.write(prefix16, 0, "latin1")
  n.writeBigUInt64BE(value, 16)
  return n
}

/** "\x07MESSAGE", compared byte by byte (no string per received message). */
const MESSAGE_NAME = Buffer.from("\x07MESSAGE", "latin1")
function isMessageName(body: Buffer): boolean {
  for (let i = 0; i < 8; i++) if (body[i] !== MESSAGE_NAME[i]) return false
  return true
}

/** What the CURVE handshake shares with the message codec once it is done. */
abstract class CurveBase extends MechanismBase {
  readonly name = MECHANISM_CURVE
  /** Precomputed crypto_box key for C' and S' (crypto_box_beforenm). */
  protected precom: Uint8Array | null = null
  /** Our next short nonce (libzmq starts at 1). */
  protected nonceOut = 1n
  /** The peer's last short nonce; the next must be greater. */
  protected nonceIn = 0n
  protected abstract readonly sendPrefix: string
  protected abstract readonly recvPrefix: string

  protected fail(reason: ProtocolErrorReason, message: string): ProtocolError {
    this.status = "error"
    return new ProtocolError(reason, message)
  }

  /** Accepts the peer's short nonce only if it is greater than the last one. */
  protected checkNonce(value: bigint): void {
    if (value <= this.nonceIn) throw this.fail("ERR_ZMTP_INVALID_SEQUENCE", "CURVE nonce did not increase")
    this.nonceIn = value
  }

  protected nextNonce(prefix16: string): Buffer {
    const n = shortNonce(prefix16, this.nonceOut)
    this.nonceOut++
    return n
  }

  /**
   * MESSAGE nonces, reused for every frame (the box is sealed or opened
   * before the next frame is touched): the 16-byte prefix, then the short
   * nonce, big-endian.
   */
  private sendNonce: Buffer | null = null
  private recvNonce: Buffer | null = null
  /** Where sealed MESSAGE bodies are built, reused once written (curve-ring.ts). */
  private readonly sealed = new SealRing()

  /** Encrypts one frame as a MESSAGE command body (RFC 25 "MESSAGE"). */
  encodeFrame(flags: number, data: Buffer): Buffer {
    const n = (this.sendNonce ??= shortNonce(this.sendPrefix, 0n))
    n.writeBigUInt64BE(this.nonceOut, 16)
    this.nonceOut++
    // The command buffer: [16 header][16 MAC][box of flags + data].
    const out = this.sealed.alloc(33 + data.length)
    sealFrameAfter(this.precom!, n, flags, data, out)
    out.write("\x07MESSAGE", 0, "latin1")
    n.copy(out, 8, 16, 24)
    return out
  }

  /** Everything encodeFrame returned so far goes out in the write being made; see SealRing. */
  writeBoundary(): (() => void) | null {
    return this.sealed.writeBoundary()
  }

  /** Decrypts a MESSAGE command body into its flags and frame. Throws ProtocolError. */
  decodeFrame(body: Buffer): { flags: number; data: Buffer } {
    if (body.length < 8 || !isMessageName(body)) {
      throw this.fail("ERR_ZMTP_UNEXPECTED_COMMAND", "expected a CURVE MESSAGE")
    }
    if (body.length < MESSAGE_MIN) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", "CURVE MESSAGE too short")
    const value = body.readBigUInt64BE(8)
    if (value <= this.nonceIn) throw this.fail("ERR_ZMTP_INVALID_SEQUENCE", "CURVE MESSAGE nonce did not increase")
    const n = (this.recvNonce ??= shortNonce(this.recvPrefix, 0n))
    body.copy(n, 16, 8, 16)
    // Opened in place: the command's first 16 octets are the headroom.
    const plain = openAfterInPlace(this.precom!, n, body)
    if (plain === null) throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE MESSAGE box did not open")
    this.nonceIn = value
    return { flags: body[32]!, data: body.subarray(33) }
  }

  /** The CURVE ERROR command is RFC 37's, spelled correctly by libzmq here. */
  protected handleError(body: Buffer): never {
    const cmd = decodeCommand(body)
    this.peerError(cmd.data)
  }
}

/** CURVE client: HELLO, then INITIATE after WELCOME; done at READY. */
export class CurveClient extends CurveBase implements Mechanism {
  readonly asServer = false
  protected readonly sendPrefix = "CurveZMQMESSAGEC"
  protected readonly recvPrefix = "CurveZMQMESSAGES"
  private state: "welcome" | "ready" = "welcome"
  private readonly serverKey: Uint8Array
  private readonly publicKey: Uint8Array
  private readonly secretKey: Uint8Array
  /** Each key imported into node:crypto once per connection (KeyCache). */
  private readonly keys: KeyCache
  /** Random octets of this connection, drawn at once: c' (32), then the vouch nonce (16). */
  private readonly random = randomBytes(48)
  private readonly transient: { publicKey: Uint8Array; secretKey: Uint8Array }
  /** Box key for C' and S, used by HELLO and WELCOME; set by start(). */
  private helloKey: Uint8Array = ZERO32

  /** `keys`: where `secretKey` may already be imported (the socket's CurveKeyMemo). */
  constructor(ctx: MechanismContext, serverKey: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array, keys = new KeyCache()) {
    super(ctx)
    this.serverKey = serverKey
    this.publicKey = publicKey
    this.secretKey = secretKey
    this.keys = keys
    this.transient = generateKeyPair(keys, this.random.subarray(0, 32))
  }

  start(): Buffer[] {
    // libzmq accepts any 32 octets as ZMQ_CURVE_SERVERKEY; a low-order key
    // makes crypto_box fail when HELLO is built, so the handshake fails then.
    try {
      this.helloKey = precompute(this.serverKey, this.transient.secretKey, this.keys)
    } catch (err) {
      if (err instanceof LowOrderKeyError) throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE server key is a low-order point")
      throw err
    }
    // HELLO: version 1.0, 72 octets of anti-amplification padding, C', short nonce, Box[64 zeros](C'->S).
    const n = this.nextNonce("CurveZMQHELLO---")
    const box = sealAfter(this.helloKey, n, ZERO64)
    const hello = Buffer.alloc(HELLO_SIZE)
    hello.write("\x05HELLO", 0, "latin1")
    hello[6] = 1
    hello[7] = 0
    hello.set(this.transient.publicKey, 80)
    n.copy(hello, 112, 16, 24)
    hello.set(box, 120)
    return [hello]
  }

  onCommand(body: Buffer): Buffer[] {
    if (body.length >= 6 && body.toString("latin1", 0, 6) === "\x05ERROR") this.handleError(body)
    if (this.state === "welcome" && body.length >= 8 && body.toString("latin1", 0, 8) === "\x07WELCOME") {
      return [this.onWelcome(body)]
    }
    if (this.state === "ready" && body.length >= 6 && body.toString("latin1", 0, 6) === "\x05READY") {
      this.onReady(body)
      return []
    }
    throw this.fail("ERR_ZMTP_UNEXPECTED_COMMAND", "unexpected command during CURVE handshake")
  }

  private onWelcome(body: Buffer): Buffer {
    if (body.length !== WELCOME_SIZE) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "CURVE WELCOME has the wrong size")
    // Box[S' + cookie](S->C'), long nonce "WELCOME-" + 16 octets.
    const plain = openAfter(this.helloKey, nonce("WELCOME-", body.subarray(8, 24)), body.subarray(24))
    if (plain === null) throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE WELCOME box did not open (wrong server key?)")
    const serverTransient = plain.subarray(0, 32)
    const cookie = plain.subarray(32, 128)
    this.precom = this.precomputeOrFail(serverTransient, this.transient.secretKey)

    // Vouch: Box[C' + S](C->S'), long nonce "VOUCH---" + 16 random octets.
    const vouchNonce = this.random.subarray(32, 48)
    const vouchPlain = Buffer.concat([this.transient.publicKey, this.serverKey])
    const vouch = sealAfter(this.precomputeOrFail(serverTransient, this.secretKey), nonce("VOUCH---", vouchNonce), vouchPlain)
    const metadata = encodeMetadata(basicProperties(this.ctx))
    const inner = Buffer.concat([this.publicKey, vouchNonce, vouch, metadata])
    const n = this.nextNonce("CurveZMQINITIATE")
    const box = sealAfter(this.precom, n, inner)
    this.state = "ready"
    // c' and the HELLO key have done their work: only the session key (precom) stays.
    this.transient.secretKey.fill(0)
    this.helloKey.fill(0)
    this.keys.clear()
    return Buffer.concat([Buffer.from("\x08INITIATE", "latin1"), cookie, n.subarray(16, 24), box])
  }

  private onReady(body: Buffer): void {
    if (body.length < READY_MIN) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_READY", "CURVE READY too short")
    const value = body.readBigUInt64BE(6)
    const plain = openAfter(this.precom!, shortNonce("CurveZMQREADY---", value), body.subarray(14))
    if (plain === null) throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE READY box did not open")
    this.checkNonce(value)
    this.takePeerMetadata(readMetadata(Buffer.from(plain), this))
    this.status = "ready"
  }

  private precomputeOrFail(pub: Uint8Array, sec: Uint8Array): Uint8Array {
    try {
      return precompute(pub, sec, this.keys)
    } catch {
      throw this.fail("ERR_ZMTP_KEY_EXCHANGE", "CURVE peer key is weak (low order)")
    }
  }

  onZapReply(): Buffer[] {
    return []
  }

  onZapMissing(): Buffer[] {
    return []
  }
}

/** CURVE server: WELCOME after HELLO, READY after INITIATE (and ZAP, when a handler is bound). */
export class CurveServer extends CurveBase implements Mechanism {
  readonly asServer = true
  protected readonly sendPrefix = "CurveZMQMESSAGES"
  protected readonly recvPrefix = "CurveZMQMESSAGEC"
  private state: "hello" | "initiate" | "zap" | "done" = "hello"
  private readonly publicKey: Uint8Array
  private readonly secretKey: Uint8Array
  /** Each key imported into node:crypto once per connection (KeyCache). */
  private readonly keys: KeyCache
  /** Random octets of this connection, drawn at once: s' (32), cookie key (32), cookie and WELCOME nonces (16 each). */
  private readonly random = randomBytes(96)
  private readonly transient: { publicKey: Uint8Array; secretKey: Uint8Array }
  /** Key of the cookie, made fresh for each connection (libzmq). */
  private readonly cookieKey = this.random.subarray(32, 64)
  private clientTransient: Uint8Array | null = null

  /** `keys`: where `secretKey` may already be imported (the socket's CurveKeyMemo, which derived `publicKey` from it). */
  constructor(ctx: MechanismContext, publicKey: Uint8Array, secretKey: Uint8Array, keys = new KeyCache()) {
    super(ctx)
    this.publicKey = publicKey
    this.secretKey = secretKey
    this.keys = keys
    this.transient = generateKeyPair(keys, this.random.subarray(0, 32))
  }

  start(): Buffer[] {
    return []
  }

  onCommand(body: Buffer): Buffer[] {
    if (body.length >= 6 && body.toString("latin1", 0, 6) === "\x05ERROR") this.handleError(body)
    if (this.state === "hello" && body.length >= 6 && body.toString("latin1", 0, 6) === "\x05HELLO") return [this.onHello(body)]
    if (this.state === "initiate" && body.length >= 9 && body.toString("latin1", 0, 9) === "\x08INITIATE") return this.onInitiate(body)
    throw this.fail("ERR_ZMTP_UNEXPECTED_COMMAND", "unexpected command during CURVE handshake")
  }

  private onHello(body: Buffer): Buffer {
    if (body.length !== HELLO_SIZE) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "CURVE HELLO has the wrong size")
    if (body[6] !== 1 || body[7] !== 0) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "CURVE HELLO has an unknown version")
    const clientTransient = Buffer.from(body.subarray(80, 112))
    const value = body.readBigUInt64BE(112)
    let key: Uint8Array
    try {
      key = precompute(clientTransient, this.secretKey, this.keys)
    } catch {
      throw this.fail("ERR_ZMTP_KEY_EXCHANGE", "CURVE client transient key is weak (low order)")
    }
    const plain = openAfter(key, shortNonce("CurveZMQHELLO---", value), body.subarray(120, 200))
    // RFC 26: the signature box holds 64 zero octets.
    if (plain === null || !Buffer.from(plain).equals(ZERO64)) {
      throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE HELLO box did not open (wrong server key?)")
    }
    this.checkNonce(value)
    this.clientTransient = clientTransient

    // Cookie: Box[C' + s'](K) under a fresh cookie key, long nonce "COOKIE--".
    const cookieNonce = this.random.subarray(64, 80)
    const cookie = sealAfter(this.cookieKey, nonce("COOKIE--", cookieNonce), Buffer.concat([clientTransient, this.transient.secretKey]))
    // WELCOME: Box[S' + cookie](S->C'), long nonce "WELCOME-".
    const welcomeNonce = this.random.subarray(80, 96)
    const box = sealAfter(key, nonce("WELCOME-", welcomeNonce), Buffer.concat([this.transient.publicKey, cookieNonce, cookie]))
    this.state = "initiate"
    return Buffer.concat([Buffer.from("\x07WELCOME", "latin1"), welcomeNonce, box])
  }

  private onInitiate(body: Buffer): Buffer[] {
    if (body.length < INITIATE_MIN) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_INITIATE", "CURVE INITIATE too short")
    const clientTransient = this.clientTransient!
    // The cookie must be ours and name this connection's transient keys.
    const cookie = openAfter(this.cookieKey, nonce("COOKIE--", body.subarray(9, 25)), body.subarray(25, 105))
    if (cookie === null || !Buffer.from(cookie.subarray(0, 32)).equals(clientTransient) || !Buffer.from(cookie.subarray(32, 64)).equals(this.transient.secretKey)) {
      throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE INITIATE cookie is not valid")
    }
    const value = body.readBigUInt64BE(105)
    this.precom = precompute(clientTransient, this.transient.secretKey, this.keys)
    const plain = openAfter(this.precom, shortNonce("CurveZMQINITIATE", value), body.subarray(113))
    if (plain === null) throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE INITIATE box did not open")
    this.checkNonce(value)
    const p = Buffer.from(plain)
    const clientKey = p.subarray(0, 32)
    // Vouch: Box[C' + S](C->S') proves the long-term key C belongs to this connection.
    let vouchKey: Uint8Array
    try {
      vouchKey = precompute(clientKey, this.transient.secretKey, this.keys)
    } catch {
      throw this.fail("ERR_ZMTP_KEY_EXCHANGE", "CURVE client key is weak (low order)")
    }
    const vouch = openAfter(vouchKey, nonce("VOUCH---", p.subarray(32, 48)), p.subarray(48, 128))
    if (vouch === null) throw this.fail("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE vouch box did not open")
    // libzmq checks C'; RFC 26 also names S, which we check as well.
    if (!Buffer.from(vouch.subarray(0, 32)).equals(clientTransient) || !Buffer.from(vouch.subarray(32, 64)).equals(Buffer.from(this.publicKey))) {
      throw this.fail("ERR_ZMTP_KEY_EXCHANGE", "CURVE vouch does not match this connection")
    }
    this.takePeerMetadata(readMetadata(p.subarray(128), this))
    // RFC 26: the server discards the cookie key at a valid INITIATE; s' has
    // made the session key and is not needed either.
    this.cookieKey.fill(0)
    this.transient.secretKey.fill(0)
    this.keys.clear()
    // libzmq's curve_server_t asks ZAP only "if (zap_required () ||
    // !options.zap_enforce_domain)": enforcing without a domain skips ZAP
    // (checked against libzmq 4.3.4 and 4.3.5).
    if (!this.ctx.zapDomain && this.ctx.zapEnforceDomain) return this.ready()
    this.requestZap(MECHANISM_CURVE, [Buffer.from(clientKey)])
    this.state = "zap"
    return []
  }

  onZapReply(frames: Buffer[]): Buffer[] {
    this.applyZapReply(frames)
    return this.ready()
  }

  onZapMissing(): Buffer[] {
    // No handler: libzmq lets anyone with the server key in (the "Stonehouse"
    // pattern) unless ZAP is enforced.
    if (this.ctx.zapEnforceDomain) {
      this.status = "error"
      throw new MechanismFailure("EFAULT", "CURVE ZAP is enforced but no ZAP handler is bound")
    }
    return this.ready()
  }

  private ready(): Buffer[] {
    // libzmq asks ZAP before it looks at the metadata, and refuses an
    // incompatible peer before READY: so the check sits here.
    this.checkPeerType(this.peerMetadata)
    const n = this.nextNonce("CurveZMQREADY---")
    const box = sealAfter(this.precom!, n, encodeMetadata(basicProperties(this.ctx)))
    this.state = "done"
    this.status = "ready"
    return [Buffer.concat([Buffer.from("\x05READY", "latin1"), n.subarray(16, 24), box])]
  }
}

function readMetadata(data: Buffer, mech: CurveBase): Map<string, Buffer> {
  try {
    return decodeMetadata(data)
  } catch {
    mech.status = "error"
    throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", "CURVE metadata is malformed")
  }
}



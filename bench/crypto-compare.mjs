#!/usr/bin/env node
// Compares the crypto candidates for CURVE (RFC 25 / RFC 26): which library
// should sit behind src/crypto/box.ts. Not part of `npm test`.
//
//   node --import tsx bench/crypto-compare.mjs [--rounds N] [--ms M] [--json]
//   (without --import tsx, src/crypto/box.ts is left out)
//
// Candidates (each is skipped with a note if its package is not installed;
// only tweetnacl is a dependency, so to rerun the whole comparison:
//   npm install --no-save @noble/curves@2.4.0 @noble/ciphers@2.4.0 ):
//   tweetnacl             tweetnacl (nacl-fast) for everything
//   noble                 @noble/curves x25519 + @noble/ciphers hsalsa/xsalsa20poly1305
//   node-x25519+tweetnacl node:crypto X25519, tweetnacl hsalsa20 + secretbox
//   node-x25519+noble     node:crypto X25519, @noble/ciphers hsalsa + xsalsa20poly1305
//   zmq-ts box.ts         the chosen implementation (src/crypto/box.ts), under tsx:
//                         node:crypto X25519, and XSalsa20-Poly1305 in our own
//                         WebAssembly SIMD kernel (src/crypto/secretbox.ts; the
//                         "tweetnacl (in place)" rows are exactly its JS fallback)
//
// (i) Handshake: one full CurveZMQ handshake, client and server side, the way
//     a CURVE mechanism that caches its precomputed keys does it (RFC 26):
//       client: 1 transient keypair; 3 beforenm (C'<->S for HELLO+WELCOME,
//               C<->S' for the vouch, C'<->S' session key);
//               seal HELLO 64 B, open WELCOME 128 B, seal vouch 64 B,
//               seal INITIATE 128 B + metadata, open READY (metadata)
//       server: 1 transient keypair; 3 beforenm (S<->C' for HELLO+WELCOME,
//               S'<->C' session key, S'<->C for the vouch); random cookie key;
//               open HELLO 64 B, seal cookie 64 B (secretbox), seal WELCOME 128 B,
//               open cookie, open INITIATE, open vouch, seal READY
//     (libzmq itself recomputes: 4 scalar mults on the client and 5 on the
//     server, because it uses crypto_box/crypto_box_open for the one-shot boxes.)
//     Also timed on their own: keypair, beforenm.
// (ii) MESSAGE path: crypto_box_afternm / crypto_box_open_afternm with a
//     precomputed key on 64 B, 1 KiB, 64 KiB and 1 MiB payloads, per symmetric
//     library (the X25519 side plays no part there).
//
// Every case runs in every round, the candidates interleaved; the report
// shows medians over the rounds.
import crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { parseArgs } from "node:util"

const require = createRequire(import.meta.url)
const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    ms: { type: "string", default: "300" },
    json: { type: "boolean", default: false },
  },
})
const ROUNDS = Number(opts.rounds)
const MS = Number(opts.ms)

// ---------------------------------------------------------------------------
// Candidate adapters: keypair(), beforenm(pk, sk), seal(key, nonce, m),
// open(key, nonce, box) -> Uint8Array | null. seal returns MAC(16) + ciphertext.

const notes = []
let nacl = null
try {
  nacl = require("tweetnacl")
} catch {
  notes.push("tweetnacl not installed: skipped")
}
let noble = null
try {
  const { x25519 } = await import("@noble/curves/ed25519.js")
  const { hsalsa, xsalsa20poly1305 } = await import("@noble/ciphers/salsa.js")
  noble = { x25519, hsalsa, xsalsa20poly1305 }
} catch {
  notes.push("@noble/curves or @noble/ciphers not installed: skipped")
}

// Our own src/crypto/box.ts, when the script runs under tsx:
//   node --import tsx bench/crypto-compare.mjs
let ours = null
try {
  ours = await import("../src/crypto/box.ts")
} catch {
  notes.push("src/crypto/box.ts not loaded (run with `node --import tsx` to include it)")
}
if (ours) {
  const { secretboxBackend } = await import("../src/crypto/secretbox.ts")
  notes.push(`zmq-ts XSalsa20-Poly1305 backend: ${secretboxBackend()}`)
}

const versions = {}
for (const p of ["tweetnacl", "@noble/curves", "@noble/ciphers"]) {
  try {
    // noble's "exports" map hides package.json from require()
    const url = new URL(`../node_modules/${p}/package.json`, import.meta.url)
    versions[p] = JSON.parse(readFileSync(url, "utf8")).version
  } catch {
    /* not installed */
  }
}

const isZero = (b) => {
  let acc = 0
  for (let i = 0; i < b.length; i++) acc |= b[i]
  return acc === 0
}

// HSalsa20 via noble's word-level export: "expand 32-byte k", key, nonce[0..16) = 0.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574])
const ZERO16 = new Uint32Array(4)
function nobleHsalsa(shared) {
  const k = new Uint32Array(8)
  for (let i = 0; i < 8; i++) {
    k[i] = shared[4 * i] | (shared[4 * i + 1] << 8) | (shared[4 * i + 2] << 16) | (shared[4 * i + 3] << 24)
  }
  const out = new Uint32Array(8)
  noble.hsalsa(SIGMA, k, ZERO16, out)
  const r = new Uint8Array(32)
  for (let i = 0; i < 8; i++) {
    const w = out[i]
    r[4 * i] = w & 0xff
    r[4 * i + 1] = (w >>> 8) & 0xff
    r[4 * i + 2] = (w >>> 16) & 0xff
    r[4 * i + 3] = w >>> 24
  }
  return r
}

const naclSigma = new Uint8Array([...Buffer.from("expand 32-byte k")])
const naclZero16 = new Uint8Array(16)
function naclHsalsa(shared) {
  const k = new Uint8Array(32)
  nacl.lowlevel.crypto_core_hsalsa20(k, naclZero16, shared, naclSigma)
  return k
}

// node:crypto X25519 with raw 32-byte keys, imported as JWK (DER import is
// ~10x slower through OpenSSL 3's decoders). Key pairs are a random secret
// times the base point u = 9, computed with diffieHellman as well: exporting a
// key made by generateKeyPairSync as JWK deadlocks Node 20.20 when a GC runs
// inside the export (KeyGenJob's destructor takes the key mutex the export
// holds), so nothing here exports a KeyObject.
// The JWK importer wants an "x" for a private key but derives the public key
// from "d" (checked in the sanity block below), so any 32-byte x will do.
const BASE9 = new Uint8Array(32)
BASE9[0] = 9
const B64_BASE9 = Buffer.from(BASE9).toString("base64url")
function nodeShared(pk, sk) {
  const privateKey = crypto.createPrivateKey({
    key: { kty: "OKP", crv: "X25519", d: Buffer.from(sk.buffer, sk.byteOffset, 32).toString("base64url"), x: B64_BASE9 },
    format: "jwk",
  })
  const publicKey = crypto.createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: Buffer.from(pk.buffer, pk.byteOffset, 32).toString("base64url") },
    format: "jwk",
  })
  return crypto.diffieHellman({ privateKey, publicKey })
}
function nodeKeypair() {
  const secretKey = crypto.randomBytes(32)
  return { publicKey: nodeShared(BASE9, secretKey), secretKey }
}

const naclSym = {
  seal: (key, nonce, m) => nacl.secretbox(m, nonce, key),
  open: (key, nonce, box) => nacl.secretbox.open(box, nonce, key),
}
const nobleSym = {
  seal: (key, nonce, m) => noble.xsalsa20poly1305(key, nonce).encrypt(m),
  open: (key, nonce, box) => {
    try {
      return noble.xsalsa20poly1305(key, nonce).decrypt(box)
    } catch {
      return null
    }
  },
}

const candidates = []
if (nacl) {
  candidates.push({
    name: "tweetnacl",
    keypair: () => nacl.box.keyPair(),
    beforenm: (pk, sk) => {
      const s = nacl.scalarMult(sk, pk)
      if (isZero(s)) throw new Error("low order")
      return naclHsalsa(s)
    },
    ...naclSym,
  })
}
if (noble) {
  candidates.push({
    name: "noble",
    keypair: () => {
      const secretKey = crypto.randomBytes(32)
      return { publicKey: noble.x25519.getPublicKey(secretKey), secretKey }
    },
    beforenm: (pk, sk) => nobleHsalsa(noble.x25519.getSharedSecret(sk, pk)),
    ...nobleSym,
  })
}
if (nacl) {
  candidates.push({
    name: "node-x25519+tweetnacl",
    keypair: nodeKeypair,
    beforenm: (pk, sk) => naclHsalsa(nodeShared(pk, sk)),
    ...naclSym,
  })
}
if (noble) {
  candidates.push({
    name: "node-x25519+noble",
    keypair: nodeKeypair,
    beforenm: (pk, sk) => nobleHsalsa(nodeShared(pk, sk)),
    ...nobleSym,
  })
}

// MESSAGE path candidates. prepare(key, size) returns seal() and open()
// closures that do everything the CURVE engine would do per message,
// including the copies the API forces on it:
//   "copying"  library returns a new box / plaintext
//   "in place" the CurveZMQ layout: one buffer [16 scratch][16 MAC][payload];
//              the engine copies the payload in once (it must, to prepend the
//              flags byte), seals in place, and opens a received command body
//              in place (the 16 bytes before the MAC are the command name and
//              short nonce, which NaCl's open ignores).
//   "out buf"  noble writing into a reused caller buffer (len + 32).
const messageCandidates = []
if (nacl) {
  messageCandidates.push({
    name: "tweetnacl (copying)",
    prepare: (key, msg, nonce) => {
      const box = nacl.secretbox(msg, nonce, key)
      return {
        seal: () => nacl.secretbox(msg, nonce, key),
        open: () => nacl.secretbox.open(box, nonce, key),
      }
    },
  })
  const ll = nacl.lowlevel
  messageCandidates.push({
    name: "tweetnacl (in place)",
    prepare: (key, msg, nonce) => {
      const n = msg.length + 32
      const sbuf = new Uint8Array(n)
      const rx = new Uint8Array(n)
      rx.set(nacl.secretbox(msg, nonce, key), 16)
      const obuf = new Uint8Array(n)
      return {
        seal: () => {
          sbuf.fill(0, 0, 32)
          sbuf.set(msg, 32)
          if (ll.crypto_secretbox(sbuf, sbuf, n, nonce, key) !== 0) throw new Error("seal")
          return sbuf.subarray(16)
        },
        open: () => {
          obuf.set(rx) // stands for the received frame; opened in place
          return ll.crypto_secretbox_open(obuf, obuf, n, nonce, key) === 0 ? obuf.subarray(32) : null
        },
      }
    },
  })
}
if (ours) {
  messageCandidates.push({
    name: "zmq-ts sealAfter/openAfter",
    prepare: (key, msg, nonce) => {
      const box = ours.sealAfter(key, nonce, msg)
      return {
        seal: () => ours.sealAfter(key, nonce, msg),
        open: () => ours.openAfter(key, nonce, box),
      }
    },
  })
  messageCandidates.push({
    name: "zmq-ts in place",
    prepare: (key, msg, nonce) => {
      const n = msg.length + 32
      const sbuf = Buffer.alloc(n)
      const rx = Buffer.alloc(n)
      rx.set(ours.sealAfter(key, nonce, msg), 16)
      const obuf = Buffer.alloc(n)
      return {
        seal: () => {
          sbuf.set(msg, 32)
          return ours.sealAfterInPlace(key, nonce, sbuf)
        },
        open: () => {
          obuf.set(rx)
          return ours.openAfterInPlace(key, nonce, obuf)
        },
      }
    },
  })
}
if (noble) {
  messageCandidates.push({
    name: "noble (copying)",
    prepare: (key, msg, nonce) => {
      const box = noble.xsalsa20poly1305(key, nonce).encrypt(msg)
      return {
        seal: () => noble.xsalsa20poly1305(key, nonce).encrypt(msg),
        open: () => {
          try {
            return noble.xsalsa20poly1305(key, nonce).decrypt(box)
          } catch {
            return null
          }
        },
      }
    },
  })
  messageCandidates.push({
    name: "noble (out buf)",
    prepare: (key, msg, nonce) => {
      const box = noble.xsalsa20poly1305(key, nonce).encrypt(msg)
      const sout = new Uint8Array(msg.length + 32)
      const oout = new Uint8Array(box.length + 32)
      return {
        seal: () => noble.xsalsa20poly1305(key, nonce).encrypt(msg, sout),
        open: () => {
          try {
            return noble.xsalsa20poly1305(key, nonce).decrypt(box, oout)
          } catch {
            return null
          }
        },
      }
    },
  })
}
if (ours) {
  candidates.push({
    name: `zmq-ts box.ts (${ours.x25519Backend()} x25519)`,
    keypair: ours.generateKeyPair,
    beforenm: ours.precompute,
    seal: ours.sealAfter,
    open: ours.openAfter,
  })
}
if (candidates.length === 0) {
  console.error("no candidate installed")
  process.exit(1)
}

// ---------------------------------------------------------------------------
// Sanity: every candidate agrees with every other (keys, boxes), and rejects
// tampering, before anything is timed.

{
  const full = candidates
  const a = full[0].keypair()
  const b = full[0].keypair()
  const nonce = crypto.randomBytes(24)
  const msg = crypto.randomBytes(131)
  let refKey = null
  let refBox = null
  for (const c of full) {
    const k = c.beforenm(b.publicKey, a.secretKey)
    const k2 = c.beforenm(a.publicKey, b.secretKey)
    if (Buffer.compare(Buffer.from(k), Buffer.from(k2)) !== 0) throw new Error(`${c.name}: beforenm not symmetric`)
    const box = c.seal(k, nonce, msg)
    if (refKey === null) {
      refKey = k
      refBox = box
    } else {
      if (Buffer.compare(Buffer.from(k), Buffer.from(refKey)) !== 0) throw new Error(`${c.name}: beforenm differs`)
      if (Buffer.compare(Buffer.from(box), Buffer.from(refBox)) !== 0) throw new Error(`${c.name}: box differs`)
    }
    const pt = c.open(k, nonce, box)
    if (!pt || Buffer.compare(Buffer.from(pt), msg) !== 0) throw new Error(`${c.name}: open failed`)
    const bad = Uint8Array.from(box)
    bad[20] ^= 1
    if (c.open(k, nonce, bad) !== null) throw new Error(`${c.name}: accepted a tampered box`)
    const kp = c.keypair()
    const k3 = c.beforenm(kp.publicKey, a.secretKey)
    if (k3.length !== 32) throw new Error(`${c.name}: keypair`)
    // every candidate's keypair() must agree with tweetnacl's public-from-secret
    if (nacl && Buffer.compare(Buffer.from(nacl.box.keyPair.fromSecretKey(kp.secretKey).publicKey), Buffer.from(kp.publicKey)) !== 0) {
      throw new Error(`${c.name}: keypair public key is not X25519(secret, 9)`)
    }
  }
}

// ---------------------------------------------------------------------------
// Cases

function nonceWith(prefix, tail) {
  const n = new Uint8Array(24)
  n.set(Buffer.from(prefix, "latin1"))
  n.set(tail, prefix.length)
  return n
}

const serverPerm = candidates[0].keypair ? candidates[0].keypair() : nodeKeypair()
const clientPerm = candidates[0].keypair ? candidates[0].keypair() : nodeKeypair()
const METADATA = new Uint8Array(40) // ~ Socket-Type + Identity properties
const ZERO64 = new Uint8Array(64)

function handshake(c) {
  const short = (n) => {
    const b = new Uint8Array(8)
    b[7] = n
    return b
  }
  // client: HELLO
  const cT = c.keypair()
  const kCS = c.beforenm(serverPerm.publicKey, cT.secretKey)
  const hello = c.seal(kCS, nonceWith("CurveZMQHELLO---", short(1)), ZERO64)
  // server: HELLO -> WELCOME
  const kSC = c.beforenm(cT.publicKey, serverPerm.secretKey)
  if (!c.open(kSC, nonceWith("CurveZMQHELLO---", short(1)), hello)) throw new Error("hello")
  const sT = c.keypair()
  const cookieKey = crypto.randomBytes(32)
  const cookieNonce = crypto.randomBytes(16)
  const cookiePlain = new Uint8Array(64)
  cookiePlain.set(cT.publicKey)
  cookiePlain.set(sT.secretKey, 32)
  const cookieBox = c.seal(cookieKey, nonceWith("COOKIE--", cookieNonce), cookiePlain)
  const welcomePlain = new Uint8Array(128)
  welcomePlain.set(sT.publicKey)
  welcomePlain.set(cookieNonce, 32)
  welcomePlain.set(cookieBox, 48)
  const welcomeNonce = crypto.randomBytes(16)
  const welcome = c.seal(kSC, nonceWith("WELCOME-", welcomeNonce), welcomePlain)
  // client: WELCOME -> INITIATE
  const w = c.open(kCS, nonceWith("WELCOME-", welcomeNonce), welcome)
  if (!w) throw new Error("welcome")
  const sTpub = w.subarray(0, 32)
  const kVouch = c.beforenm(sTpub, clientPerm.secretKey)
  const vouchPlain = new Uint8Array(64)
  vouchPlain.set(cT.publicKey)
  vouchPlain.set(serverPerm.publicKey, 32)
  const vouchNonce = crypto.randomBytes(16)
  const vouch = c.seal(kVouch, nonceWith("VOUCH---", vouchNonce), vouchPlain)
  const kSessC = c.beforenm(sTpub, cT.secretKey)
  const initPlain = new Uint8Array(128 + METADATA.length)
  initPlain.set(clientPerm.publicKey)
  initPlain.set(vouchNonce, 32)
  initPlain.set(vouch, 48)
  initPlain.set(METADATA, 128)
  const initiate = c.seal(kSessC, nonceWith("CurveZMQINITIATE", short(2)), initPlain)
  // server: INITIATE -> READY
  const ck = c.open(cookieKey, nonceWith("COOKIE--", w.subarray(32, 48)), w.subarray(48, 128))
  if (!ck) throw new Error("cookie")
  const kSessS = c.beforenm(ck.subarray(0, 32), ck.subarray(32, 64))
  const ip = c.open(kSessS, nonceWith("CurveZMQINITIATE", short(2)), initiate)
  if (!ip) throw new Error("initiate")
  const kVouchS = c.beforenm(ip.subarray(0, 32), ck.subarray(32, 64))
  if (!c.open(kVouchS, nonceWith("VOUCH---", ip.subarray(32, 48)), ip.subarray(48, 128))) throw new Error("vouch")
  const ready = c.seal(kSessS, nonceWith("CurveZMQREADY---", short(1)), METADATA)
  // client: READY
  if (!c.open(kSessC, nonceWith("CurveZMQREADY---", short(1)), ready)) throw new Error("ready")
}

const SIZES = [64, 1024, 65536, 1024 * 1024]
const cases = []
for (const c of candidates) {
  const a = c.keypair()
  const b = c.keypair()
  cases.push({ group: "handshake", impl: c.name, what: "full handshake (both sides)", fn: () => handshake(c) })
  cases.push({ group: "handshake", impl: c.name, what: "keypair", fn: () => c.keypair() })
  cases.push({ group: "handshake", impl: c.name, what: "beforenm", fn: () => c.beforenm(b.publicKey, a.secretKey) })
}
{
  const key = crypto.randomBytes(32)
  for (const size of SIZES) {
    const msg = crypto.randomBytes(size)
    // the seal nonce changes every call, as on the wire; open reuses one box
    const sealNonce = nonceWith("CurveZMQMESSAGEC", new Uint8Array(8))
    const openNonce = nonceWith("CurveZMQMESSAGES", new Uint8Array(8))
    let ref = null
    for (const c of messageCandidates) {
      const { seal, open } = c.prepare(key, msg, openNonce)
      const pt = open()
      if (pt === null || Buffer.compare(Buffer.from(pt), msg) !== 0) throw new Error(`${c.name}: open failed`)
      const box = Buffer.from(seal())
      if (ref === null) ref = box
      else if (Buffer.compare(ref, box) !== 0) throw new Error(`${c.name}: box differs`)
      const { seal: seal2 } = c.prepare(key, msg, sealNonce)
      let ctr = 0
      cases.push({
        group: "message", impl: c.name, what: `seal ${size}`, size,
        fn: () => {
          sealNonce[23] = ctr++
          seal2()
        },
      })
      cases.push({
        group: "message", impl: c.name, what: `open ${size}`, size,
        fn: () => {
          if (open() === null) throw new Error("open failed")
        },
      })
    }
  }
}

// ---------------------------------------------------------------------------
// Timing

// The machine may be shared with other work, so the clock is this process's
// CPU time (user + system), not wall time: ops per CPU-second.
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
function timeOnce(fn, ms) {
  // batch so that one clock read covers >= ~5 ms of work
  let batch = 1
  for (;;) {
    const t0 = cpuMs()
    for (let i = 0; i < batch; i++) fn()
    if (cpuMs() - t0 >= 5) break
    batch *= 2
  }
  let n = 0
  const t0 = cpuMs()
  let el = 0
  do {
    for (let i = 0; i < batch; i++) fn()
    n += batch
    el = cpuMs() - t0
  } while (el < ms)
  return n / (el / 1000)
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

for (const k of cases) {
  k.samples = []
  timeOnce(k.fn, 50) // warm up
}
for (let r = 0; r < ROUNDS; r++) {
  process.stderr.write(`round ${r + 1}/${ROUNDS}\n`)
  // rotate the starting case so no candidate always runs first
  const order = cases.map((_, i) => cases[(i + r * 7) % cases.length])
  for (const k of order) k.samples.push(timeOnce(k.fn, MS))
}

// ---------------------------------------------------------------------------
// Report

const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1))
const rows = cases.map((k) => {
  const med = median(k.samples)
  const spread = (Math.max(...k.samples) - Math.min(...k.samples)) / med
  return {
    group: k.group, impl: k.impl, what: k.what, opsPerSec: med,
    mbPerSec: k.size ? (med * k.size) / 1e6 : undefined, spread,
  }
})

if (opts.json) {
  console.log(JSON.stringify({ node: process.version, versions, rounds: ROUNDS, ms: MS, notes, rows }, null, 2))
} else {
  console.log(`node ${process.version}, ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ")}`)
  console.log(`${ROUNDS} rounds x ${MS} CPU-ms per case; medians of ops per CPU-second (± = half the max-min spread)`)
  for (const n of notes) console.log(`note: ${n}`)
  const table = (group, header, cols) => {
    console.log(`\n${header}`)
    const lines = rows.filter((r) => r.group === group).map(cols)
    const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)))
    for (const l of lines) console.log("  " + l.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  "))
  }
  table("handshake", "(i) handshake crypto (ops/s)", (r) => [r.impl, r.what, fmt(r.opsPerSec) + " /s", `±${(r.spread * 50).toFixed(0)}%`])
  table("message", "(ii) MESSAGE path, precomputed key", (r) => [r.impl, r.what, fmt(r.opsPerSec) + " ops/s", r.mbPerSec.toFixed(1) + " MB/s", `±${(r.spread * 50).toFixed(0)}%`])
}

/**
 * Shared pieces of the interop tier: the peer × role × transport matrix, the
 * payload cases, a per-test guard that always releases sockets and child
 * processes, and message assertions that stay readable for 10k messages.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startPeer, type LibzmqPeer, type PeerKind, type PeerType } from "../helpers/peers/libzmq-peer.js"
import type { Socket } from "../../src/index.js"
import { scaled } from "../helpers/time.js"

export type Role = "zmq-ts binds" | "zmq-ts connects"
export type Transport = "tcp" | "ipc"

export interface Combo {
  peer: PeerKind
  role: Role
  transport: Transport
  /** "pyzmq peer, zmq-ts binds, ipc" */
  title: string
}

export const PEERS: readonly PeerKind[] = ["zeromq", "pyzmq"]
export const ROLES: readonly Role[] = ["zmq-ts binds", "zmq-ts connects"]
export const TRANSPORTS: readonly Transport[] = ["tcp", "ipc"]

/** Every peer × role × transport combination. */
export const COMBOS: readonly Combo[] = PEERS.flatMap((peer) =>
  ROLES.flatMap((role) => TRANSPORTS.map((transport) => ({ peer, role, transport, title: `${peer} peer, ${role}, ${transport}` }))),
)

/** Per-test guard: the test fails (and its resources are released) after this long. */
export const TEST_TIMEOUT_MS = scaled(15_000)

// ---- endpoints ---------------------------------------------------------------------

let ipcDir: string | null = null
let ipcCount = 0

/** An endpoint to bind: an OS-chosen tcp port, or a fresh ipc path in a private directory. */
export function bindEndpoint(transport: Transport): string {
  if (transport === "tcp") return "tcp://127.0.0.1:*"
  ipcDir ??= mkdtempSync(join(tmpdir(), "zmq-ts-interop-"))
  return `ipc://${ipcDir}/${++ipcCount}.sock`
}

/** Removes the ipc directory; call from after(). */
export function removeIpcDir(): void {
  if (ipcDir !== null) rmSync(ipcDir, { recursive: true, force: true })
  ipcDir = null
}

/**
 * Sets up one connection of the combo: zmq-ts binds and the peer connects to
 * its lastEndpoint, or the peer binds and zmq-ts connects to the endpoint the
 * peer reports. The peer is released with `r`.
 */
export async function linkPeer(r: Resources, combo: Combo, zmqts: Socket, peerType: PeerType): Promise<LibzmqPeer> {
  if (combo.role === "zmq-ts binds") {
    await zmqts.bind(bindEndpoint(combo.transport))
    const endpoint = zmqts.lastEndpoint
    assert.ok(endpoint !== null, "lastEndpoint after bind")
    return r.add(await startPeer(combo.peer, peerType, "connect", endpoint), (p) => p.close())
  }
  const peer = r.add(await startPeer(combo.peer, peerType, "bind", bindEndpoint(combo.transport)), (p) => p.close())
  zmqts.connect(peer.endpoint)
  return peer
}

// ---- payloads ------------------------------------------------------------------------

export interface PayloadCase {
  name: string
  messages: Buffer[][]
}

/** n bytes of a pattern that uses every byte value and is not periodic in 256. */
export function bytes(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >>> 8) * 7 + seed) & 0xff
  return b
}

const frame = (s: string): Buffer => Buffer.from(s)

export const BURST = 10_000

export const PAYLOAD_CASES: readonly PayloadCase[] = [
  { name: "0-byte message", messages: [[Buffer.alloc(0)]] },
  { name: "255-byte frame (longest short frame)", messages: [[bytes(255, 1)]] },
  { name: "256-byte frame (shortest long frame)", messages: [[bytes(256, 2)]] },
  { name: "1 MiB message", messages: [[bytes(1 << 20, 3)]] },
  { name: 'multipart ["", "a", "", ""]', messages: [["", "a", "", ""].map(frame)] },
  { name: "multipart mixing short and long frames", messages: [[bytes(255, 4), bytes(256, 5), Buffer.alloc(0), bytes(70_000, 6), frame("z")]] },
  { name: `burst of ${BURST} small messages`, messages: Array.from({ length: BURST }, (_, i) => [frame(`m${i}`)]) },
]

/** Sent after the case's messages: it must be the very next message received. */
export const SENTINEL: readonly Buffer[] = [frame("sentinel"), frame("")]

function isSentinel(msg: Buffer[]): boolean {
  return msg.length === SENTINEL.length && msg.every((f, i) => f.equals(SENTINEL[i]!))
}

/** Sends each message, then the sentinel. */
export async function sendAll(send: (frames: Buffer[]) => Promise<void>, messages: readonly Buffer[][]): Promise<void> {
  for (const m of messages) await send(m)
  await send([...SENTINEL])
}

/**
 * Receives until the sentinel (which is not returned). Stops early, without
 * waiting for a sentinel, once more than `expected` messages came first.
 */
export async function receiveUntilSentinel(receive: () => Promise<Buffer[]>, expected: number): Promise<Buffer[][]> {
  const got: Buffer[][] = []
  for (;;) {
    const msg = await receive()
    if (isSentinel(msg)) return got
    got.push(msg)
    if (got.length > expected) return got
  }
}

function describeMsg(msg: Buffer[] | undefined): string {
  if (msg === undefined) return "(nothing)"
  const f = (b: Buffer): string => (b.length <= 16 ? `<${b.toString("hex")}>` : `<${b.length} bytes ${b.subarray(0, 8).toString("hex")}…>`)
  return `[${msg.map(f).join(", ")}]`
}

/** Exact content, order and count; reports the first difference only. */
export function assertMessages(actual: readonly Buffer[][], expected: readonly Buffer[][], what: string): void {
  const n = Math.max(actual.length, expected.length)
  for (let i = 0; i < n; i++) {
    const a = actual[i]
    const e = expected[i]
    const same = a !== undefined && e !== undefined && a.length === e.length && a.every((f, j) => f.equals(e[j]!))
    if (!same) {
      assert.fail(
        `${what}: message ${i} differs (received ${actual.length} before the sentinel, expected ${expected.length}): ` +
          `got ${describeMsg(a)}, expected ${describeMsg(e)}`,
      )
    }
  }
}

// ---- guard -----------------------------------------------------------------------------

type Cleanup = () => void | Promise<void>

/** What a test opened; released in reverse order however the test ends. */
export class Resources {
  private readonly cleanups: Cleanup[] = []
  private released = false

  /**
   * Registers `thing` for release and returns it. After releaseAll() (the
   * guard timed out, but the body it raced goes on running) `thing` is
   * released at once and the body stopped: a pyzmq peer started that late
   * was never closed and kept the test file's process alive for an hour.
   */
  add<T>(thing: T, release: (t: T) => void | Promise<void>): T {
    if (this.released) {
      void Promise.resolve(release(thing)).catch(() => undefined)
      throw new Error("resource opened after the test was released (it timed out)")
    }
    this.cleanups.push(() => release(thing))
    return thing
  }

  async releaseAll(): Promise<Error[]> {
    this.released = true
    const errors: Error[] = []
    for (const c of this.cleanups.splice(0).reverse()) {
      try {
        await c()
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)))
      }
    }
    return errors
  }
}

/**
 * Runs a test body with a time limit. On timeout the body's resources are
 * released, which unblocks whatever it was waiting on. Errors from releasing
 * (e.g. a pyzmq peer that failed or would not exit) fail the test too.
 */
export async function guarded(body: (r: Resources) => Promise<void>, ms = TEST_TIMEOUT_MS): Promise<void> {
  const r = new Resources()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms`)), ms)
  })
  let failed = false
  let failure: unknown
  try {
    await Promise.race([body(r), timeout])
  } catch (err) {
    failed = true
    failure = err
  } finally {
    clearTimeout(timer)
  }
  const errors = await r.releaseAll()
  if (failed) throw failure
  const [first] = errors
  if (first !== undefined) throw first
}

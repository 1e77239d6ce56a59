/**
 * Bad input for the draft sockets: a raw ZMTP peer of the right type
 * (RawZmtp) sends seeded random traffic a hostile peer could send: multipart
 * messages (RFC 41/48/49 forbid them), JOIN/LEAVE with groups of 0 to 300
 * octets (to sockets that do and do not take them), unknown and misplaced
 * commands, group frames without a body. The connection may be dropped (a
 * protocol error), but the process must not crash and well-behaved peers, a
 * zmq-ts one and a libzmq 4.3.5 one (`zeromq/draft`), must still be served.
 *
 * Synchronisation: the raw peer's PING/PONG barrier (or its connection
 * closing), received messages, a RADIO's probe reaching a DISH. No sleeps.
 */
import assert from "node:assert/strict"
import { createRequire } from "node:module"
import { after, before, describe, it } from "node:test"
import { Dish, Gather, Radio, Scatter, Server, Client, Peer } from "../../src/draft.js"
import { commandFrame, messageFrames, RawZmtp } from "./patterns-helpers.js"
import { Prng } from "./raw-peer.js"
import { scaled } from "../helpers/time.js"

const zeromqDraft = createRequire(import.meta.url)("zeromq/draft") as typeof import("../../src/draft.js")
const SEEDS = [1, 2, 3, 4, 5, 0xc0ffee]
const TEST_TIMEOUT = scaled(20_000)

const crashes: unknown[] = []
const onCrash = (err: unknown): void => {
  crashes.push(err)
}
before(() => {
  process.on("uncaughtException", onCrash)
  process.on("unhandledRejection", onCrash)
})
after(() => {
  process.off("uncaughtException", onCrash)
  process.off("unhandledRejection", onCrash)
})

/** One hostile write: some frames a peer of any draft type could put on the wire. */
function hostileChunk(rng: Prng): Buffer {
  const group = (): Buffer => rng.bytes(rng.pick([0, 1, 5, 255, 256, 300]))
  switch (rng.int(8)) {
    case 0:
      return messageFrames(...Array.from({ length: 2 + rng.int(4) }, () => rng.bytes(rng.int(40))))
    case 1:
      return commandFrame("JOIN", group())
    case 2:
      return commandFrame("LEAVE", group())
    case 3:
      return commandFrame(rng.pick(["SUBSCRIBE", "CANCEL", "READY", "HELLO", "X"]), rng.bytes(rng.int(20)))
    case 4:
      // A group frame and nothing after it but another message's frames.
      return messageFrames(group(), rng.bytes(3), rng.bytes(3))
    case 5:
      return messageFrames(rng.bytes(rng.int(20)))
    case 6:
      return messageFrames(Buffer.alloc(0))
    default:
      return messageFrames(group(), rng.bytes(rng.int(20)))
  }
}

/** Sends `n` hostile chunks, then waits until the server has taken them (PONG) or dropped us. */
async function attack(raw: RawZmtp, seed: number, n = 200): Promise<void> {
  const rng = new Prng(seed)
  for (let i = 0; i < n && raw.isOpen; i++) raw.write(hostileChunk(rng))
  await Promise.race([raw.barrier().catch(() => undefined), raw.closed])
}

async function receiveUntil<T extends unknown[]>(receive: () => Promise<T>, body: string): Promise<T> {
  for (;;) {
    const m = await receive()
    if (Buffer.isBuffer(m[0]) && m[0].toString() === body) return m
  }
}

type Closable = { close(): void }

/** A raw peer of `socketType` at `endpoint`, closed with the test's other resources, after its hostile chunks. */
async function attackFrom(own: <T extends Closable>(s: T) => T, endpoint: string, socketType: string, seed: number): Promise<void> {
  const raw = await RawZmtp.open(endpoint, { socketType })
  own({ close: () => raw.destroy() })
  await attack(raw, seed)
}
function tracker(): { own: <T extends Closable>(s: T) => T; closeAll: () => void } {
  const all: Closable[] = []
  return {
    own: (s) => (all.push(s), s),
    closeAll: () => all.splice(0).reverse().forEach((s) => s.close()),
  }
}

void describe("draft sockets: hostile raw peers", () => {
  for (const seed of SEEDS) {
    void it(`SERVER keeps serving zmq-ts and libzmq CLIENTs after a hostile CLIENT (seed ${seed})`, { timeout: TEST_TIMEOUT }, async () => {
      const { own, closeAll } = tracker()
      try {
        const server = own(new Server())
        await server.bind("tcp://127.0.0.1:*")
        await attackFrom(own, server.lastEndpoint!, "CLIENT", seed)
        for (const C of [Client, zeromqDraft.Client]) {
          const c = own(new C())
          c.connect(server.lastEndpoint!)
          await c.send("good")
          const [, { routingId }] = await receiveUntil(() => server.receive(), "good")
          await server.send("reply", { routingId })
          assert.equal((await c.receive())[0].toString(), "reply")
        }
        assert.deepEqual(crashes, [])
      } finally {
        closeAll()
      }
    })

    void it(`DISH keeps receiving from zmq-ts and libzmq RADIOs after a hostile RADIO (seed ${seed})`, { timeout: TEST_TIMEOUT }, async () => {
      const { own, closeAll } = tracker()
      try {
        const dish = own(new Dish())
        await dish.bind("tcp://127.0.0.1:*")
        dish.join("g", "")
        await attackFrom(own, dish.lastEndpoint!, "RADIO", seed)
        for (const R of [Radio, zeromqDraft.Radio]) {
          const radio = own(new R())
          radio.connect(dish.lastEndpoint!)
          let got = false
          const received = receiveUntil(() => dish.receive(), "good").then(() => (got = true))
          while (!got) {
            await radio.send("good", { group: "g" })
            if (!got) await new Promise((r) => setTimeout(r, 5))
          }
          await received
          radio.close()
        }
        assert.deepEqual(crashes, [])
      } finally {
        closeAll()
      }
    })

    void it(`RADIO keeps reaching zmq-ts and libzmq DISHes after a hostile DISH (seed ${seed})`, { timeout: TEST_TIMEOUT }, async () => {
      const { own, closeAll } = tracker()
      try {
        const radio = own(new Radio())
        await radio.bind("tcp://127.0.0.1:*")
        await attackFrom(own, radio.lastEndpoint!, "DISH", seed)
        for (const D of [Dish, zeromqDraft.Dish]) {
          const dish = own(new D())
          dish.connect(radio.lastEndpoint!)
          dish.join("g")
          let got = false
          const received = receiveUntil(() => dish.receive(), "good").then(() => (got = true))
          while (!got) {
            await radio.send("good", { group: "g" })
            if (!got) await new Promise((r) => setTimeout(r, 5))
          }
          await received
        }
        assert.deepEqual(crashes, [])
      } finally {
        closeAll()
      }
    })

    void it(`GATHER and PEER keep serving after hostile SCATTER and PEER peers (seed ${seed})`, { timeout: TEST_TIMEOUT }, async () => {
      const { own, closeAll } = tracker()
      try {
        const gather = own(new Gather())
        await gather.bind("tcp://127.0.0.1:*")
        await attackFrom(own, gather.lastEndpoint!, "SCATTER", seed)
        for (const S of [Scatter, zeromqDraft.Scatter]) {
          const s = own(new S())
          s.connect(gather.lastEndpoint!)
          await s.send("good")
          await receiveUntil(() => gather.receive(), "good")
          s.close()
        }
        const peer = own(new Peer())
        await peer.bind("tcp://127.0.0.1:*")
        await attackFrom(own, peer.lastEndpoint!, "PEER", seed + 1)
        const other = own(new Peer())
        const id = other.connectPeer(peer.lastEndpoint!)
        await other.send("good", { routingId: id })
        const [, { routingId }] = await receiveUntil(() => peer.receive(), "good")
        await peer.send("back", { routingId })
        assert.equal((await other.receive())[0].toString(), "back")
        assert.deepEqual(crashes, [])
      } finally {
        closeAll()
      }
    })
  }
})

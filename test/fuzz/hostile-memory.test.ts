/**
 * Issue "one hostile peer must never take the process down": each attack of
 * the audit reproduced in-process by a raw ZMTP peer, asserting that the
 * process stays up, memory stays under the connection's receive budget, no
 * message is delivered half, and well-behaved peers are still served.
 *
 * Memory is measured as what stays reachable after a full garbage collection
 * (heap plus Buffer memory), so garbage does not count and leaks do.
 */
import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import * as zmq from "zeromq"
import { Radio } from "../../src/draft.js"
import { Dealer, Publisher, Pull, Push, Reply, Router, Subscriber } from "../../src/index.js"
import { encodeCommand, encodeReady, FRAME_OVERHEAD, FrameEncoder } from "../../src/internal.js"
import { connectRaw, connectReady, frame, greeting, handshake, longHeader, readyFrame, EventLog, type RawPeer } from "./raw-peer.js"
import { liveMemory as retained } from "../helpers/memory.js"
import { until } from "../helpers/time.js"

/**
 * `npm run fuzz:floods` runs this file with ZMQ_TS_FLOOD_SCALE=20: the same
 * attacks, twenty times longer (the floods' message counts are multiplied).
 */
const SCALE = Math.max(1, Number(process.env.ZMQ_TS_FLOOD_SCALE ?? 1))
const TEST_TIMEOUT = 60_000 * SCALE
const MORE = 0x01
const COMMAND = 0x04
const MiB = 1024 * 1024

// ---- process guard: any uncaught exception fails the file -----------------------------------

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
  assert.deepEqual(crashes, [], "no uncaught exception or unhandled rejection")
})

// ---- helpers ------------------------------------------------------------------------------------

/** One message of `n` empty frames: 2 bytes a frame on the wire. */
function emptyFrames(n: number): Buffer {
  const b = Buffer.alloc(2 * n)
  for (let i = 0; i < n - 1; i++) b[i * 2] = MORE
  return b
}

/** Writes `bytes` `times` times without waiting for the kernel: the test's own copy is one buffer. */
function flood(raw: RawPeer, bytes: Buffer, times: number): void {
  for (let i = 0; i < times; i++) raw.write(bytes)
}

/** True once the raw peer has bytes the server is not reading: reading from it has stopped. */
function backedUp(raw: RawPeer): boolean {
  return raw.socket.writableLength > 0
}

function inboundFull(sock: Pull | Router): boolean {
  for (const pipe of sock.pipes) if (pipe.inbound.full) return true
  return false
}

// ---- the attacks -------------------------------------------------------------------------------

void describe("hostile peers: memory stays bounded", () => {
  void it("1a. an empty-frame flood to a PULL that does not read stops at the receive budget", { timeout: TEST_TIMEOUT }, async () => {
    const pull = new Pull({ linger: 0 })
    const good = new Push({ linger: 0 })
    let raw: RawPeer | null = null
    try {
      await pull.bind("tcp://127.0.0.1:*")
      const base = retained()
      raw = await connectReady(pull.lastEndpoint!, "PUSH")
      // 300 messages of 65,536 empty frames: 39 MiB on the wire, 2.5 GB of
      // heap if every frame were queued (it was: the process died).
      flood(raw, emptyFrames(65_536), 300 * SCALE)
      await until(() => inboundFull(pull) && backedUp(raw!), "the server to stop reading from the flooding peer")
      const grown = retained() - base
      const limit = pull.receiveMemoryLimit
      assert.equal(limit, 64 * MiB, "the documented default")
      // The queue stops at the budget plus the one message that crossed it.
      assert.ok(grown < 2 * limit + 16 * MiB, `retained memory grew by ${(grown / MiB).toFixed(1)} MiB`)
      assert.ok(raw.socket.writableLength > 0, "the flood is held back by TCP, not taken into memory")

      // Another peer is still served, and the flood arrives whole, in order, once read.
      good.connect(pull.lastEndpoint!)
      await good.send(["good", "1"])
      let floods = 0
      for (;;) {
        const msg = await pull.receive()
        if (msg.length === 2 && msg[0]!.toString() === "good") break
        assert.equal(msg.length, 65_536, "a flood message arrives whole")
        floods++
      }
      assert.ok(floods <= 300 * SCALE)
      assert.equal(raw.isClosed(), false, "legal traffic: the flooding peer is slowed down, not dropped")
    } finally {
      raw?.socket.destroy()
      good.close()
      pull.close()
    }
  })

  void it("1b. a slow reader: memory stays bounded while the whole flood is delivered", { timeout: TEST_TIMEOUT }, async () => {
    const pull = new Pull({ linger: 0, receiveMemoryLimit: 4 * MiB })
    let raw: RawPeer | null = null
    try {
      await pull.bind("tcp://127.0.0.1:*")
      const base = retained()
      raw = await connectReady(pull.lastEndpoint!, "PUSH")
      const perMessage = 16_384 // 2 MiB of budget each
      const total = 200 * SCALE
      flood(raw, emptyFrames(perMessage), total)
      let peak = 0
      for (let i = 0; i < total; i++) {
        const msg = await pull.receive()
        assert.equal(msg.length, perMessage)
        if (i % 50 === 0) {
          // Let the engine refill the queue to its limit, then measure.
          await until(() => inboundFull(pull) || i >= total - 3, "the queue to refill")
          peak = Math.max(peak, retained() - base)
        }
      }
      assert.ok(peak < 3 * 4 * MiB + 8 * MiB, `retained memory peaked at ${(peak / MiB).toFixed(1)} MiB`)
    } finally {
      raw?.socket.destroy()
      pull.close()
    }
  })

  void it("1c. a single message larger than the budget ends the connection; others are served", { timeout: TEST_TIMEOUT }, async () => {
    const pull = new Pull({ linger: 0, receiveMemoryLimit: 1 * MiB })
    const good = new Push({ linger: 0 })
    let raw: RawPeer | null = null
    try {
      await pull.bind("tcp://127.0.0.1:*")
      const log = new EventLog(pull.events)
      raw = await connectReady(pull.lastEndpoint!, "PUSH")
      raw.write(emptyFrames(MiB / FRAME_OVERHEAD + 1))
      await raw.closed
      await log.waitFor("disconnect", 1)
      const disconnect = log.events.find((e) => e.type === "disconnect")
      assert.equal(disconnect?.error?.code, "ENOBUFS", "the disconnect event says why")
      good.connect(pull.lastEndpoint!)
      await good.send("still here")
      assert.deepEqual((await pull.receive()).map(String), ["still here"])
    } finally {
      raw?.socket.destroy()
      good.close()
      pull.close()
    }
  })

  void it("1d. a ROUTER peer announcing an Identity in use cannot fill memory; the honest peer keeps its replies", { timeout: TEST_TIMEOUT }, async () => {
    const router = new Router({ linger: 0 })
    const honest = new Dealer({ linger: 0, routingId: "alice" })
    let raw: RawPeer | null = null
    try {
      await router.bind("tcp://127.0.0.1:*")
      honest.connect(router.lastEndpoint!)
      await honest.send("hello")
      const [id] = await router.receive()
      assert.equal(id!.toString(), "alice")
      const base = retained()
      raw = await connectRaw(router.lastEndpoint!)
      raw.write(Buffer.concat([greeting(), readyFrame("DEALER", [["Identity", "alice"]])]))
      await raw.serverReady()
      const chunk = emptyFrames(65_536)
      flood(raw, chunk, 100 * SCALE)
      // Everything is read and dropped: the attacker's writes all go through.
      await new Promise<void>((resolve) => {
        if (!backedUp(raw!)) resolve()
        else raw!.socket.once("drain", () => resolve())
      })
      const grown = retained() - base
      assert.ok(grown < 32 * MiB, `retained memory grew by ${(grown / MiB).toFixed(1)} MiB`)
      await router.send(["alice", "reply"])
      assert.deepEqual((await honest.receive()).map(String), ["reply"])
      await honest.send("again")
      assert.deepEqual((await router.receive()).map(String), ["alice", "again"])
    } finally {
      raw?.socket.destroy()
      honest.close()
      router.close()
    }
  })
})

/** `n` SUBSCRIBE commands for distinct 4-byte topics, starting at `from`. */
function subscribeFlood(n: number, from = 0): Buffer {
  const enc = new FrameEncoder()
  for (let i = from; i < from + n; i++) {
    const topic = Buffer.alloc(4)
    topic.writeUInt32BE(i)
    enc.encodeCommand(encodeCommand("SUBSCRIBE", topic))
  }
  return Buffer.concat(enc.take())
}

/** What the PUB counts its subscriptions at (internal), to wait until they have arrived. */
function subscriptionCost(pub: Publisher | Radio): number {
  return (pub as unknown as { budget: { total: number } }).budget.total
}

void describe("hostile peers: subscriptions are bounded", () => {
  void it("2a. a SUB flooding distinct subscriptions is disconnected at peerSubscriptionLimit (ENOBUFS); others still get publications", { timeout: TEST_TIMEOUT }, async () => {
    const pub = new Publisher({ linger: 0 })
    const sub = new Subscriber({ linger: 0 })
    let raw: RawPeer | null = null
    try {
      await pub.bind("tcp://127.0.0.1:*")
      const events: { type: string; error?: { code: string } }[] = []
      pub.events.on("disconnect", (e) => events.push(e as { type: string; error?: { code: string } }))
      assert.equal(pub.peerSubscriptionLimit, 64 * MiB, "the documented default")
      const base = retained()
      raw = await connectReady(pub.lastEndpoint!, "SUB")
      // 300,000 x (4 + 256) bytes goes past 64 MiB at about 258,000.
      raw.write(subscribeFlood(300_000))
      await raw.closed
      await until(() => events.length === 1, "the disconnect event")
      assert.equal(events[0]!.error?.code, "ENOBUFS", "the event says why")
      const grown = retained() - base
      assert.ok(grown < 16 * MiB, `subscriptions were dropped with the peer: ${(grown / MiB).toFixed(1)} MiB retained`)
      sub.connect(pub.lastEndpoint!)
      sub.subscribe("news")
      // The subscription travels asynchronously: wait until the PUB holds it.
      await until(() => subscriptionCost(pub) === "news".length + 256, "the good subscriber's subscription")
      await pub.send(["news", "1"])
      const got = (await sub.receive()).map(String)
      assert.deepEqual(got, ["news", "1"])
    } finally {
      raw?.socket.destroy()
      sub.close()
      pub.close()
    }
  })

  void it("2b. the socket-wide subscriptionLimit: the peer that crosses it is the one disconnected", { timeout: TEST_TIMEOUT }, async () => {
    const pub = new Publisher({ linger: 0, subscriptionLimit: 1 * MiB })
    const raws: RawPeer[] = []
    try {
      await pub.bind("tcp://127.0.0.1:*")
      const log = new EventLog(pub.events)
      for (let k = 0; k < 2; k++) {
        const raw = await connectRaw(pub.lastEndpoint!)
        raws.push(raw)
        raw.write(handshake("SUB"))
        await raw.serverReady()
      }
      // 3,000 x 260 bytes = 0.74 MiB each: the first fits, the second crosses 1 MiB.
      raws[0]!.write(subscribeFlood(3000))
      await until(() => subscriptionCost(pub) === 3000 * 260, "the first peer's subscriptions")
      raws[1]!.write(subscribeFlood(3000, 10_000))
      await raws[1]!.closed
      await log.waitFor("disconnect", 1)
      assert.equal(raws[0]!.isClosed(), false, "the first peer stays")
    } finally {
      for (const raw of raws) raw.socket.destroy()
      pub.close()
    }
  })
})

void describe("hostile peers: RADIO groups are bounded like subscriptions", () => {
  void it("2c. a DISH flooding distinct JOINs is disconnected at peerSubscriptionLimit (ENOBUFS)", { timeout: TEST_TIMEOUT }, async () => {
    const radio = new Radio({ linger: 0, peerSubscriptionLimit: 64 * 1024 })
    let raw: RawPeer | null = null
    try {
      await radio.bind("tcp://127.0.0.1:*")
      const log = new EventLog(radio.events)
      raw = await connectReady(radio.lastEndpoint!, "DISH")
      const enc = new FrameEncoder()
      // 1,000 x (4 + 256) bytes goes past 64 KiB at the 253rd group.
      for (let i = 0; i < 1000; i++) enc.encodeCommand(encodeCommand("JOIN", Buffer.from(i.toString(16).padStart(4, "0"))))
      raw.write(Buffer.concat(enc.take()))
      await raw.closed
      await log.waitFor("disconnect", 1)
      assert.equal(log.events.find((e) => e.type === "disconnect")?.error?.code, "ENOBUFS")
      assert.equal(subscriptionCost(radio), 0, "the peer's groups went with it")
    } finally {
      raw?.socket.destroy()
      radio.close()
    }
  })
})

void describe("hostile peers: interop is kept", () => {
  void it("3. a 100,000-part message from libzmq arrives whole (no frame cap), and one back", { timeout: TEST_TIMEOUT }, async () => {
    const parts = Array.from({ length: 100_000 }, (_, i) => (i % 1000 === 0 ? String(i) : ""))
    const pull = new Pull({ linger: 0 })
    const push = new zmq.Push({ linger: 0 })
    const back = new zmq.Pull({ linger: 0 })
    const ours = new Push({ linger: 0 })
    try {
      await pull.bind("tcp://127.0.0.1:*")
      push.connect(pull.lastEndpoint!)
      await push.send(parts)
      await push.send("next")
      const msg = await pull.receive()
      assert.equal(msg.length, parts.length)
      assert.equal(msg[99_000]!.toString(), "99000")
      assert.deepEqual((await pull.receive()).map(String), ["next"], "the next message is not lost")
      await back.bind("tcp://127.0.0.1:*")
      ours.connect(back.lastEndpoint!)
      await ours.send(parts)
      assert.equal((await back.receive()).length, parts.length)
    } finally {
      for (const s of [pull, push, back, ours]) s.close()
    }
  })
})

void describe("hostile peers: identities, handshakes, ZAP", () => {
  void it("5. a peer announcing the next generated id does not get the next honest peer's replies", { timeout: TEST_TIMEOUT }, async () => {
    const router = new Router({ linger: 0 })
    const first = new Dealer({ linger: 0 })
    const second = new Dealer({ linger: 0 })
    let raw: RawPeer | null = null
    try {
      await router.bind("tcp://127.0.0.1:*")
      first.connect(router.lastEndpoint!)
      await first.send("one")
      const [id1] = await router.receive()
      assert.equal(id1!.length, 5)
      assert.equal(id1![0], 0, "generated ids start with a zero byte")
      const next = Buffer.from(id1!)
      next.writeUInt32BE((id1!.readUInt32BE(1) + 1) >>> 0, 1)
      raw = await connectRaw(router.lastEndpoint!)
      raw.write(Buffer.concat([greeting(), frame(encodeReady([["Socket-Type", "DEALER"], ["Identity", next]]), COMMAND)]))
      await raw.serverReady()
      raw.write(frame("squatter"))
      const [squat] = await router.receive()
      assert.deepEqual(squat, next, "the squatter holds the id it announced")
      second.connect(router.lastEndpoint!)
      await second.send("two")
      const [id2, body] = await router.receive()
      assert.equal(body!.toString(), "two")
      assert.notDeepEqual(id2, next, "the honest peer gets another id")
      await router.send([id2!, "for two"])
      assert.deepEqual((await second.receive()).map(String), ["for two"])
    } finally {
      raw?.socket.destroy()
      for (const s of [router, first, second]) s.close()
    }
  })

  void it("6. ZAP requests of connections that went away do not stay attached to the handler", { timeout: TEST_TIMEOUT }, async () => {
    const zap = new Reply({ linger: 0 })
    const pull = new Pull({ linger: 0, zapDomain: "test" })
    const raws: RawPeer[] = []
    try {
      await zap.bind("inproc://zeromq.zap.01")
      await pull.bind("tcp://127.0.0.1:*")
      const tail = Buffer.alloc(60_000, 0x41)
      for (let i = 0; i < 20; i++) {
        const raw = await connectRaw(pull.lastEndpoint!)
        raws.push(raw)
        // NULL with a ZAP domain asks ZAP right after the greeting; the handler never answers.
        raw.write(Buffer.concat([handshake("PUSH"), tail]))
      }
      await until(() => zap.pipes.size === 20, "20 ZAP requests")
      for (const raw of raws) raw.socket.destroy()
      await until(() => zap.pipes.size === 0, "the handler to let go of every request pipe")
    } finally {
      for (const raw of raws) raw.socket.destroy()
      zap.close()
      pull.close()
    }
  })

  void it("7. handshake commands larger than 65 KiB are refused at the frame header", { timeout: TEST_TIMEOUT }, async () => {
    const cases: [string, { mechanism?: string }, Buffer][] = [
      ["NULL READY claiming 4 GB", {}, Buffer.concat([greeting(), longHeader(COMMAND, 4n << 30n)])],
      ["CURVE HELLO claiming 4 GB", { mechanism: "CURVE" }, Buffer.concat([greeting({ mechanism: "CURVE" }), longHeader(COMMAND, 4n << 30n)])],
      ["PLAIN HELLO claiming 128 KiB", { mechanism: "PLAIN" }, Buffer.concat([greeting({ mechanism: "PLAIN" }), longHeader(COMMAND, 128n << 10n)])],
      ["NULL READY of 70 KiB", {}, Buffer.concat([greeting(), frame(encodeCommand("READY", Buffer.alloc(70 * 1024)), COMMAND)])],
    ]
    for (const [what, opts, bytes] of cases) {
      const keys = zmq.curveKeyPair()
      const pull = new Pull({
        linger: 0,
        ...(opts.mechanism === "CURVE" ? { curveServer: true, curveSecretKey: keys.secretKey } : {}),
        ...(opts.mechanism === "PLAIN" ? { plainServer: true } : {}),
      })
      try {
        await pull.bind("tcp://127.0.0.1:*")
        const log = new EventLog(pull.events)
        const raw = await connectRaw(pull.lastEndpoint!)
        raw.write(bytes)
        // Nothing more is sent: the server must act on the header alone.
        await raw.closed
        await log.waitFor("disconnect", 1)
        assert.ok(
          log.events.some((e) => e.type === "handshake:error:protocol" && e.error?.code === "EMSGSIZE"),
          `${what}: ${JSON.stringify(log.events.map((e) => [e.type, e.error?.code]))}`,
        )
      } finally {
        pull.close()
      }
    }
  })
})

/**
 * Draft sockets between zmq-ts (`zmq-ts/draft`) and libzmq 4.3.5 (the
 * `zeromq/draft` package, in this process): CLIENT-SERVER (RFC 41),
 * RADIO-DISH (RFC 48), SCATTER-GATHER (RFC 49) and CHANNEL-CHANNEL, with
 * zmq-ts on either side of each pair, binding or connecting, over tcp and
 * ipc; PEER with zmq-ts connecting to a libzmq PEER (zeromq.js has no PEER
 * class and cannot address one, so libzmq's side is its bare native socket);
 * and over udp://, RADIO-DISH and DATAGRAM in both directions.
 *
 * Every exchange checks content and order, including empty, long-frame
 * (> 255 octets) and 64 KiB bodies, and ends with a sentinel. Nothing sleeps:
 * a RADIO is known to have a DISH's groups once a probe message reaches it.
 */
import assert from "node:assert/strict"
import * as dgram from "node:dgram"
import { createRequire } from "node:module"
import { after, describe, test } from "node:test"
import * as ours from "../../src/draft.js"
import { curveKeyPair } from "../../src/index.js"
import { bindEndpoint, guarded, removeIpcDir, type Resources, type Transport } from "./support.js"

type Msg = Buffer | string
interface Closable {
  close(): void
}
interface Endpoints extends Closable {
  bind(address: string): Promise<void>
  connect(address: string): void
  readonly lastEndpoint: string | null
}
interface ServerLike extends Endpoints {
  send(msg: Msg, o: { routingId: number }): Promise<void>
  receive(): Promise<[Buffer, { routingId: number }]>
}
interface PlainSender extends Endpoints {
  send(msg: Msg): Promise<void>
}
interface PlainReceiver extends Endpoints {
  receive(): Promise<[Buffer]>
}
interface RadioLike extends Endpoints {
  send(msg: Msg, o: { group: string }): Promise<void>
}
interface DishLike extends Endpoints {
  join(...g: string[]): void
  leave(...g: string[]): void
  receive(): Promise<[Buffer, { group: Buffer }]>
}
type Options = Record<string, unknown>
interface DatagramLike extends Endpoints {
  send(msg: [Msg, Msg]): Promise<void>
  receive(): Promise<[Buffer, Buffer]>
}
interface Lib {
  Datagram: new () => DatagramLike
  Server: new () => ServerLike
  Client: new () => PlainSender & PlainReceiver
  Radio: new (o?: Options) => RadioLike
  Dish: new (o?: Options) => DishLike
  Scatter: new () => PlainSender
  Gather: new () => PlainReceiver
  Channel: new () => PlainSender & PlainReceiver
}

const require = createRequire(import.meta.url)
const zeromqDraft = require("zeromq/draft") as Omit<Lib, "Channel">
interface NativeSocket extends Closable {
  bind(address: string): Promise<void>
  connect(address: string): void
  send(msg: Msg): Promise<void>
  receive(): Promise<Buffer[]>
  getStringOption(id: number): string
}
/** libzmq's own CHANNEL/PEER, through zeromq.js's native Socket (type 20/19; option 32 is ZMQ_LAST_ENDPOINT). */
const NativeSocket = (require("zeromq/lib/native") as { Socket: new (type: number) => NativeSocket }).Socket
function nativeSocket(type: number): PlainSender & PlainReceiver {
  const s = new NativeSocket(type)
  return {
    bind: (a) => s.bind(a),
    connect: (a) => s.connect(a),
    send: (m) => s.send(m),
    receive: async () => [(await s.receive())[0]!],
    close: () => s.close(),
    get lastEndpoint() {
      return s.getStringOption(32)
    },
  }
}
const theirs: Lib = { ...zeromqDraft, Channel: class { constructor() { return nativeSocket(20) } } as unknown as new () => PlainSender & PlainReceiver }
const mine = ours as unknown as Lib

const TRANSPORTS: readonly Transport[] = ["tcp", "ipc"]
const BODIES: readonly Buffer[] = [Buffer.alloc(0), Buffer.from("a"), Buffer.alloc(300, 0x41), Buffer.alloc(65536, 0x42), ...Array.from({ length: 50 }, (_, i) => Buffer.from(`m${i}`))]
const SENTINEL = "sentinel"

/** The pair's binder and connecter: zmq-ts is `zmqSide`, libzmq the other. */
async function link<B extends Endpoints, C extends Endpoints>(r: Resources, t: Transport, binder: B, connecter: C): Promise<void> {
  r.add(binder, (s) => s.close())
  r.add(connecter, (s) => s.close())
  await binder.bind(bindEndpoint(t))
  connecter.connect(binder.lastEndpoint!)
}

async function receiveAll(receive: () => Promise<Buffer>): Promise<Buffer[]> {
  const got: Buffer[] = []
  for (;;) {
    const b = await receive()
    if (b.toString() === SENTINEL) return got
    got.push(b)
  }
}

function sameBodies(actual: Buffer[], what: string): void {
  assert.equal(actual.length, BODIES.length, `${what}: message count`)
  actual.forEach((b, i) => assert.ok(b.equals(BODIES[i]!), `${what}: message ${i} differs (${b.length} vs ${BODIES[i]!.length} octets)`))
}

/** Repeats a probe to `group` until the DISH gets one (the RADIO has the JOIN); later probes are skipped by receiving on. */
async function untilJoined(radio: RadioLike, dish: DishLike, group: string): Promise<void> {
  let done = false
  const got = dish.receive().finally(() => (done = true))
  while (!done) {
    await radio.send("probe", { group })
    if (!done) await new Promise((res) => setTimeout(res, 5))
  }
  await got
}
async function dishData(dish: DishLike): Promise<[Buffer, string]> {
  for (;;) {
    const [b, { group }] = await dish.receive()
    if (b.toString() !== "probe") return [b, group.toString()]
  }
}

type Side = "zmq-ts" | "libzmq"
const libOf = (side: Side): Lib => (side === "zmq-ts" ? mine : theirs)
const other = (side: Side): Side => (side === "zmq-ts" ? "libzmq" : "zmq-ts")

after(removeIpcDir)

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4")
  await new Promise<void>((res) => s.bind(0, "127.0.0.1", () => res()))
  const { port } = s.address()
  await new Promise<void>((res) => s.close(() => res()))
  return port
}

/** UDP may drop even on loopback: repeat `send` until `received` settles. */
async function repeatUntil<T>(send: () => Promise<unknown>, received: Promise<T>): Promise<T> {
  let done = false
  const p = received.finally(() => (done = true))
  while (!done) {
    await send()
    if (!done) await new Promise((res) => setTimeout(res, 5))
  }
  return p
}

void describe("interop: draft sockets with libzmq 4.3.5 (zeromq/draft)", () => {
  for (const radioSide of ["zmq-ts", "libzmq"] as const) {
    void test(`RFC 48 over udp: ${radioSide} RADIO connects, ${other(radioSide)} DISH binds`, () =>
      guarded(async (r) => {
        const port = await freeUdpPort()
        const dish = r.add(new (libOf(other(radioSide)).Dish)(), (s) => s.close())
        await dish.bind(`udp://127.0.0.1:${port}`)
        dish.join("g")
        const radio = r.add(new (libOf(radioSide).Radio)(), (s) => s.close())
        radio.connect(`udp://127.0.0.1:${port}`)
        const body = Buffer.alloc(300, 0x55)
        const [b, { group }] = await repeatUntil(async () => {
          await radio.send("other group", { group: "x" })
          await radio.send(body, { group: "g" })
        }, dish.receive())
        assert.ok(b.equals(body))
        assert.equal(group.toString(), "g")
      }),
    )

    void test(`DATAGRAM over udp: ${radioSide} sends first, ${other(radioSide)} replies to the address it received`, () =>
      guarded(async (r) => {
        const [pa, pb] = [await freeUdpPort(), await freeUdpPort()]
        const a = r.add(new (libOf(radioSide).Datagram)(), (s) => s.close())
        const b = r.add(new (libOf(other(radioSide)).Datagram)(), (s) => s.close())
        await a.bind(`udp://127.0.0.1:${pa}`)
        await b.bind(`udp://127.0.0.1:${pb}`)
        const [from, body] = await repeatUntil(() => a.send([`127.0.0.1:${pb}`, "hello"]), b.receive())
        assert.equal(from.toString(), `127.0.0.1:${pa}\0`)
        assert.equal(body.toString(), "hello")
        const [back, reply] = await repeatUntil(() => b.send([from, "reply"]), a.receive())
        assert.equal(back.toString(), `127.0.0.1:${pb}\0`)
        assert.equal(reply.toString(), "reply")
      }),
    )
  }

  for (const t of TRANSPORTS) {
    for (const serverSide of ["zmq-ts", "libzmq"] as const) {
      for (const serverBinds of [true, false]) {
        const title = `RFC 41: ${serverSide} SERVER ${serverBinds ? "binds" : "connects"}, ${other(serverSide)} CLIENT, ${t}`
        void test(title, () =>
          guarded(async (r) => {
            const server = new (libOf(serverSide).Server)()
            const client = new (libOf(other(serverSide)).Client)()
            if (serverBinds) await link(r, t, server, client)
            else await link(r, t, client, server)
            for (const b of [...BODIES, Buffer.from(SENTINEL)]) await client.send(b)
            let id = 0
            const got = await receiveAll(async () => {
              const [b, { routingId }] = await server.receive()
              assert.ok(routingId > 0 && (id === 0 || routingId === id), "one CLIENT, one non-zero routing id")
              id = routingId
              return b
            })
            sameBodies(got, "CLIENT -> SERVER")
            for (const b of [...BODIES, Buffer.from(SENTINEL)]) await server.send(b, { routingId: id })
            sameBodies(await receiveAll(async () => (await client.receive())[0]), "SERVER -> CLIENT")
          }),
        )
      }
    }

    for (const radioSide of ["zmq-ts", "libzmq"] as const) {
      for (const radioBinds of [true, false]) {
        const title = `RFC 48: ${radioSide} RADIO ${radioBinds ? "binds" : "connects"}, ${other(radioSide)} DISH, ${t}`
        void test(title, () =>
          guarded(async (r) => {
            const radio = new (libOf(radioSide).Radio)()
            const dish = new (libOf(other(radioSide)).Dish)()
            if (radioBinds) await link(r, t, radio, dish)
            else await link(r, t, dish, radio)
            dish.join("g1", "g2")
            await untilJoined(radio, dish, "g1")
            for (const b of BODIES) {
              await radio.send(b, { group: "g1" })
              await radio.send(b, { group: "g3" })
            }
            await radio.send("two", { group: "g2" })
            await radio.send(SENTINEL, { group: "g1" })
            const got = await receiveAll(async () => {
              const [b, group] = await dishData(dish)
              if (b.toString() === "two") assert.equal(group, "g2")
              else assert.equal(group, "g1", "only joined groups arrive")
              return b
            })
            assert.equal(got.at(-1)!.toString(), "two")
            sameBodies(got.slice(0, -1), "RADIO -> DISH")
            // LEAVE reaches the RADIO before this JOIN does.
            dish.leave("g1")
            dish.join("g4")
            await untilJoined(radio, dish, "g4")
            await radio.send("left", { group: "g1" })
            await radio.send("after", { group: "g4" })
            assert.deepEqual((await dishData(dish)).map(String), ["after", "g4"])
          }),
        )
      }
    }

    for (const radioSide of ["zmq-ts", "libzmq"] as const) {
      const title = `RFC 48 under CURVE: ${radioSide} RADIO binds as CURVE server, ${other(radioSide)} DISH (JOIN/LEAVE and group frames in boxes), ${t}`
      void test(title, () =>
        guarded(async (r) => {
          const server = curveKeyPair()
          const client = curveKeyPair()
          const radio = new (libOf(radioSide).Radio)({ curveServer: true, curveSecretKey: server.secretKey })
          const dish = new (libOf(other(radioSide)).Dish)({ curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey })
          await link(r, t, radio, dish)
          dish.join("secret", "other")
          await untilJoined(radio, dish, "secret")
          dish.leave("other")
          dish.join("marker")
          await untilJoined(radio, dish, "marker")
          await radio.send("hidden", { group: "other" })
          await radio.send(BODIES[3]!, { group: "secret" })
          const [b, group] = await dishData(dish)
          assert.equal(group, "secret")
          assert.ok(b.equals(BODIES[3]!))
        }),
      )
    }

    for (const scatterSide of ["zmq-ts", "libzmq"] as const) {
      for (const scatterBinds of [true, false]) {
        const title = `RFC 49: ${scatterSide} SCATTER ${scatterBinds ? "binds" : "connects"}, ${other(scatterSide)} GATHER, ${t}`
        void test(title, () =>
          guarded(async (r) => {
            const scatter = new (libOf(scatterSide).Scatter)()
            const gather = new (libOf(other(scatterSide)).Gather)()
            if (scatterBinds) await link(r, t, scatter, gather)
            else await link(r, t, gather, scatter)
            for (const b of [...BODIES, Buffer.from(SENTINEL)]) await scatter.send(b)
            sameBodies(await receiveAll(async () => (await gather.receive())[0]), "SCATTER -> GATHER")
          }),
        )
      }
    }

    for (const binderSide of ["zmq-ts", "libzmq"] as const) {
      const title = `CHANNEL: ${binderSide} binds, ${other(binderSide)} connects, ${t}`
      void test(title, () =>
        guarded(async (r) => {
          const a = new (libOf(binderSide).Channel)()
          const b = new (libOf(other(binderSide)).Channel)()
          await link(r, t, a, b)
          for (const m of [...BODIES, Buffer.from(SENTINEL)]) await b.send(m)
          sameBodies(await receiveAll(async () => (await a.receive())[0]), "connecter -> binder")
          for (const m of [...BODIES, Buffer.from(SENTINEL)]) await a.send(m)
          sameBodies(await receiveAll(async () => (await b.receive())[0]), "binder -> connecter")
        }),
      )
    }

    void test(`PEER: zmq-ts connectPeer() to a libzmq PEER, ${t}`, () =>
      guarded(async (r) => {
        const theirPeer = r.add(new NativeSocket(19), (s) => s.close())
        await theirPeer.bind(bindEndpoint(t))
        const peer = r.add(new ours.Peer(), (s) => s.close())
        const id = peer.connectPeer(theirPeer.getStringOption(32))
        for (const m of [...BODIES, Buffer.from(SENTINEL)]) await peer.send(m, { routingId: id })
        sameBodies(await receiveAll(async () => (await theirPeer.receive())[0]!), "zmq-ts PEER -> libzmq PEER")
      }),
    )
  }
})

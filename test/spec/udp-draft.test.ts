/**
 * udp:// for the draft sockets, as libzmq 4.3 has it: RADIO connects and
 * sends `group-length | group | body` datagrams, DISH binds and filters by
 * its joined groups, DATAGRAM binds and exchanges [address, body] messages.
 * Other socket types, or the wrong direction, get ENOCOMPATPROTO.
 *
 * UDP may drop datagrams even on loopback, so a message is repeated until it
 * arrives (the loop ends on the receive, it does not wait for a time).
 */
import assert from "node:assert/strict"
import * as dgram from "node:dgram"
import { describe, test, type TestContext } from "node:test"
import { Client, Datagram, Dish, Gather, Radio, Server } from "../../src/draft.js"
import { Push } from "../../src/index.js"

const REPEAT_MS = 5

async function freePort(): Promise<number> {
  const s = dgram.createSocket("udp4")
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()))
  const { port } = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

function closing(ctx: TestContext): <T extends { close(): void }>(s: T) => T {
  const all: { close(): void }[] = []
  ctx.after(() => all.forEach((s) => s.close()))
  return (s) => (all.push(s), s)
}

/** Calls `send` until `received` settles; returns what it resolved to. */
async function repeatUntil<T>(send: () => unknown, received: Promise<T>): Promise<T> {
  let done = false
  const p = received.finally(() => (done = true))
  while (!done) {
    await send()
    if (!done) await new Promise((r) => setTimeout(r, REPEAT_MS))
  }
  return p
}

void describe("udp:// (RADIO-DISH, DATAGRAM)", () => {
  void test("RFC 48 over udp: a RADIO's datagrams reach a bound DISH, which keeps only its groups", async (ctx) => {
    const own = closing(ctx)
    const port = await freePort()
    const dish = own(new Dish())
    await dish.bind(`udp://127.0.0.1:${port}`)
    assert.equal(dish.lastEndpoint, `127.0.0.1:${port}`, "libzmq reports a udp endpoint without its scheme")
    dish.join("g")
    const radio = own(new Radio())
    radio.connect(`udp://127.0.0.1:${port}`)
    const [body, { group }] = await repeatUntil(async () => {
      await radio.send("not joined", { group: "x" })
      await radio.send("hello", { group: "g" })
    }, dish.receive())
    assert.equal(body.toString(), "hello")
    assert.equal(group.toString(), "g")
  })

  void test("RFC 48 over udp: the datagram is group-length, group, body; a DISH drops one whose group runs past its end", async (ctx) => {
    const own = closing(ctx)
    const port = await freePort()
    const dish = own(new Dish())
    await dish.bind(`udp://127.0.0.1:${port}`)
    dish.join("grp")
    const raw = dgram.createSocket("udp4")
    ctx.after(() => raw.close())
    const bad = Buffer.concat([Buffer.of(200), Buffer.from("grp")])
    const good = Buffer.concat([Buffer.of(3), Buffer.from("grp"), Buffer.from("raw body")])
    const [body, { group }] = await repeatUntil(() => {
      raw.send(bad, port, "127.0.0.1")
      raw.send(good, port, "127.0.0.1")
    }, dish.receive())
    assert.deepEqual([body.toString(), group.toString()], ["raw body", "grp"])

    // And what a RADIO sends is exactly that layout.
    const listener = dgram.createSocket("udp4")
    ctx.after(() => listener.close())
    await new Promise<void>((r) => listener.bind(0, "127.0.0.1", () => r()))
    const radio = own(new Radio())
    radio.connect(`udp://127.0.0.1:${listener.address().port}`)
    const datagram = await repeatUntil(() => radio.send("payload", { group: "grp" }), new Promise<Buffer>((r) => listener.once("message", r)))
    assert.deepEqual(datagram, Buffer.concat([Buffer.of(3), Buffer.from("grp"), Buffer.from("payload")]))
  })

  void test("DATAGRAM: [address, body] both ways; received addresses are ip:port with a trailing zero byte", async (ctx) => {
    const own = closing(ctx)
    const [pa, pb] = [await freePort(), await freePort()]
    const a = own(new Datagram())
    const b = own(new Datagram())
    await a.bind(`udp://127.0.0.1:${pa}`)
    await b.bind(`udp://127.0.0.1:${pb}`)
    const [from, body] = await repeatUntil(() => a.send([`127.0.0.1:${pb}`, "to b"]), b.receive())
    assert.equal(from.toString(), `127.0.0.1:${pa}\0`)
    assert.equal(body.toString(), "to b")
    const [back, reply] = await repeatUntil(() => b.send([from, "reply"]), a.receive())
    assert.equal(back.toString(), `127.0.0.1:${pb}\0`)
    assert.equal(reply.toString(), "reply")
    await assert.rejects(a.send(["only one part"] as unknown as [string, string]), { code: "EINVAL" })
    await assert.rejects(a.send([`127.0.0.1:${pb}`, "x", "y"] as unknown as [string, string]), { code: "EINVAL" })
    // Unlike libzmq 4.3.5, whose DGRAM then refuses every later send, the socket goes on.
    await repeatUntil(() => a.send([`127.0.0.1:${pb}`, "still works"]), b.receive())
    assert.equal(a.type, 18)
    assert.equal(a.threadSafe, false, "libzmq's DGRAM is not a thread-safe socket")
  })

  void test("udp:// is refused with ENOCOMPATPROTO for other socket types and directions (libzmq)", async (ctx) => {
    const own = closing(ctx)
    const port = await freePort()
    const ep = `udp://127.0.0.1:${port}`
    for (const s of [own(new Client()), own(new Server()), own(new Gather()), own(new Push()), own(new Dish()), own(new Datagram())]) {
      assert.throws(() => s.connect(ep), { code: "ENOCOMPATPROTO" }, `${s.constructor.name}.connect(udp)`)
    }
    for (const s of [own(new Client()), own(new Radio()), own(new Push())]) {
      await assert.rejects(s.bind(ep), { code: "ENOCOMPATPROTO" }, `${s.constructor.name}.bind(udp)`)
    }
  })
})

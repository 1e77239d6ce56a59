/**
 * RFC 41 (CLIENT-SERVER), over tcp, ipc and inproc, with libzmq 4.3.5's
 * choices where the RFC leaves them open (routing ids, refusals).
 */
import assert from "node:assert/strict"
import { describe } from "node:test"
import { Client, Server } from "../../src/draft.js"
import { Dealer } from "../../src/index.js"
import { bindFresh, eachTransport, handshakes, rejectsWith, sockets, zmtpFrame } from "../helpers/transports.js"
import { collectingPeer } from "./draft-helpers.js"

const noInproc = { skip: { inproc: "a raw ZMTP peer needs tcp or ipc" } }

void describe("RFC 41 CLIENT-SERVER", () => {
  eachTransport("RFC 41 SERVER: each CLIENT gets a non-zero 32-bit routing id; replies go to the CLIENT named", async (t, ctx) => {
    const own = sockets(ctx)
    const server = own(new Server())
    const ep = await bindFresh(server, t)
    const a = own(new Client())
    const b = own(new Client())
    a.connect(ep)
    b.connect(ep)
    await a.send("from a")
    await b.send("from b")
    const ids = new Map<string, number>()
    for (let i = 0; i < 2; i++) {
      const [msg, { routingId }] = await server.receive()
      assert.ok(Number.isInteger(routingId) && routingId > 0 && routingId <= 0xffffffff, `routing id ${routingId}`)
      ids.set(msg.toString(), routingId)
    }
    assert.notEqual(ids.get("from a"), ids.get("from b"))
    await server.send("to b", { routingId: ids.get("from b")! })
    await server.send("to a", { routingId: ids.get("from a")! })
    assert.deepEqual((await a.receive()).map(String), ["to a"])
    assert.deepEqual((await b.receive()).map(String), ["to b"])
    // The same peer keeps its id.
    await a.send("again")
    const [, { routingId }] = await server.receive()
    assert.equal(routingId, ids.get("from a"))
  })

  eachTransport("RFC 41 SERVER: a message to an unknown routing id fails with EHOSTUNREACH", async (t, ctx) => {
    const own = sockets(ctx)
    const server = own(new Server())
    const ep = await bindFresh(server, t)
    const client = own(new Client())
    client.connect(ep)
    await client.send("hello")
    const [, { routingId }] = await server.receive()
    await rejectsWith(server.send("x", { routingId: routingId === 0xffffffff ? 1 : routingId + 1 }), "EHOSTUNREACH")
    assert.equal(server.writable, true, "libzmq: a SERVER is always writable")
  })

  eachTransport("RFC 41 CLIENT: sends round-robin to its SERVERs and receives from all of them", async (t, ctx) => {
    const own = sockets(ctx)
    const s1 = own(new Server())
    const s2 = own(new Server())
    const client = own(new Client())
    const hs = handshakes(client, t, 2)
    client.connect(await bindFresh(s1, t))
    client.connect(await bindFresh(s2, t))
    await hs
    for (let i = 0; i < 4; i++) await client.send(`m${i}`)
    const got1 = [String((await s1.receive())[0]), String((await s1.receive())[0])]
    const got2 = [String((await s2.receive())[0]), String((await s2.receive())[0])]
    assert.deepEqual([...got1, ...got2].sort(), ["m0", "m1", "m2", "m3"])
    assert.notDeepEqual(got1, got2)
  })

  eachTransport("RFC 41: a multipart send is refused with EINVAL on CLIENT and SERVER; the socket goes on", async (t, ctx) => {
    const own = sockets(ctx)
    const server = own(new Server())
    const client = own(new Client())
    client.connect(await bindFresh(server, t))
    await rejectsWith(client.send(["a", "b"]), "EINVAL")
    await client.send("single")
    const [msg, { routingId }] = await server.receive()
    assert.equal(msg.toString(), "single")
    await rejectsWith(server.send(["a", "b"], { routingId }), "EINVAL")
    await server.send("reply", { routingId })
    assert.deepEqual((await client.receive()).map(String), ["reply"])
  })

  eachTransport("RFC 41 SERVER: send() checks its options at once (TypeError for no options object, EINVAL for routing id 0)", async (t, ctx) => {
    const own = sockets(ctx)
    const server = own(new Server())
    await bindFresh(server, t)
    assert.throws(() => server.send("x", undefined as unknown as { routingId: number }), TypeError)
    assert.throws(() => server.send("x", {} as { routingId: number }), { code: "EINVAL" })
    assert.throws(() => server.send("x", { routingId: 0 }), { code: "EINVAL" })
    assert.equal(server.threadSafe, true)
    assert.equal(server.type, 12)
  })

  eachTransport(
    "RFC 41: a multipart message from a hostile CLIENT is dropped whole; the SERVER keeps serving it and others",
    async (t, ctx) => {
      const own = sockets(ctx)
      const server = own(new Server())
      const ep = await bindFresh(server, t)
      const raw = await collectingPeer(ep, "CLIENT")
      ctx.after(() => raw.stream.destroy())
      raw.stream.write(Buffer.concat([zmtpFrame(Buffer.from("part1"), { more: true }), zmtpFrame(Buffer.from("part2")), zmtpFrame(Buffer.from("single"))]))
      const [msg, { routingId }] = await server.receive()
      assert.equal(msg.toString(), "single")
      await server.send("ok", { routingId })
      const reply = await raw.untilBytes(4)
      assert.deepEqual(reply, zmtpFrame(Buffer.from("ok")))
      const good = own(new Client())
      good.connect(ep)
      await good.send("good")
      assert.equal((await server.receive())[0].toString(), "good")
    },
    noInproc,
  )

  eachTransport(
    "RFC 41 / RFC 37: a SERVER refuses a peer that is not a CLIENT (socket type check at the handshake)",
    async (t, ctx) => {
      const own = sockets(ctx)
      const server = own(new Server())
      const ep = await bindFresh(server, t)
      const raw = await collectingPeer(ep, "DEALER").catch(() => null)
      // Either the handshake itself fails or the connection is closed right after it.
      if (raw !== null) await raw.closed
      const dealer = own(new Dealer())
      dealer.connect(ep)
      const client = own(new Client())
      client.connect(ep)
      await client.send("still here")
      assert.equal((await server.receive())[0].toString(), "still here")
    },
    noInproc,
  )
})

/**
 * libzmq's PEER and CHANNEL (no RFC yet; zeromq.js has neither): PEER is a
 * SERVER that talks to PEERs and learns a routing id from connectPeer();
 * CHANNEL is the thread-safe PAIR. Over tcp, ipc and inproc.
 */
import assert from "node:assert/strict"
import { describe } from "node:test"
import { Channel, Peer } from "../../src/draft.js"
import { bindFresh, eachTransport, rejectsWith, sockets, unboundEndpoint, zmtpFrame } from "../helpers/transports.js"
import { collectingPeer } from "./draft-helpers.js"

void describe("PEER and CHANNEL", () => {
  eachTransport("PEER: connectPeer() returns the routing id to send to; the bound PEER answers by the id it received", async (t, ctx) => {
    const own = sockets(ctx)
    const a = own(new Peer())
    const b = own(new Peer())
    const ep = await bindFresh(a, t)
    const idOfA = b.connectPeer(ep)
    assert.ok(idOfA > 0)
    // The pipe exists from connect on, so a message can be queued at once.
    await b.send("hello a", { routingId: idOfA })
    const [msg, { routingId: idOfB }] = await a.receive()
    assert.equal(msg.toString(), "hello a")
    await a.send("hello b", { routingId: idOfB })
    const [reply, { routingId }] = await b.receive()
    assert.equal(reply.toString(), "hello b")
    assert.equal(routingId, idOfA)
    await rejectsWith(b.send(["multi", "part"], { routingId: idOfA }), "EINVAL")
    assert.equal(b.type, 19)
  })

  eachTransport("PEER: connectPeer() with immediate set fails with EFAULT (libzmq)", async (t, ctx) => {
    const own = sockets(ctx)
    const p = own(new Peer({ immediate: true }))
    const ep = await unboundEndpoint(t)
    assert.throws(() => p.connectPeer(ep), { code: "EFAULT" })
  })

  eachTransport("CHANNEL: one peer, both directions, single-part only (EINVAL for multipart)", async (t, ctx) => {
    const own = sockets(ctx)
    const a = own(new Channel())
    const b = own(new Channel())
    b.connect(await bindFresh(a, t))
    await b.send("ping")
    assert.deepEqual((await a.receive()).map(String), ["ping"])
    await a.send("pong")
    assert.deepEqual((await b.receive()).map(String), ["pong"])
    await rejectsWith(a.send(["x", "y"]), "EINVAL")
    assert.equal(a.threadSafe, true)
    assert.equal(a.type, 20)
  })

  eachTransport("CHANNEL: a second peer is refused while the first is attached", async (t, ctx) => {
    const own = sockets(ctx)
    const a = own(new Channel())
    const ep = await bindFresh(a, t)
    const first = own(new Channel())
    first.connect(ep)
    await first.send("first")
    assert.deepEqual((await a.receive()).map(String), ["first"])
    const second = own(new Channel({ sendTimeout: 0 }))
    second.connect(ep)
    await a.send("to first")
    assert.deepEqual((await first.receive()).map(String), ["to first"])
  })

  eachTransport(
    "CHANNEL: a multipart message from a hostile peer is dropped whole; the next one arrives",
    async (t, ctx) => {
      const own = sockets(ctx)
      const a = own(new Channel())
      const raw = await collectingPeer(await bindFresh(a, t), "CHANNEL")
      ctx.after(() => raw.stream.destroy())
      raw.stream.write(Buffer.concat([zmtpFrame(Buffer.from("x"), { more: true }), zmtpFrame(Buffer.from("y")), zmtpFrame(Buffer.from("z"))]))
      assert.deepEqual((await a.receive()).map(String), ["z"])
    },
    { skip: { inproc: "a raw ZMTP peer needs tcp or ipc" } },
  )
})

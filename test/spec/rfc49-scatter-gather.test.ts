/** RFC 49 (SCATTER-GATHER) over tcp, ipc and inproc. */
import assert from "node:assert/strict"
import { describe } from "node:test"
import { Gather, Scatter } from "../../src/draft.js"
import { Push } from "../../src/index.js"
import { bindFresh, eachTransport, handshakes, rejectsWith, sockets, zmtpFrame } from "../helpers/transports.js"
import { collectingPeer } from "./draft-helpers.js"

const noInproc = { skip: { inproc: "a raw ZMTP peer needs tcp or ipc" } }
const body = (m: [Buffer]): string => m[0].toString()

void describe("RFC 49 SCATTER-GATHER", () => {
  eachTransport("RFC 49 SCATTER: sends round-robin to its GATHERs, one whole message each", async (t, ctx) => {
    const own = sockets(ctx)
    const scatter = own(new Scatter())
    const g1 = own(new Gather())
    const g2 = own(new Gather())
    const hs = handshakes(scatter, t, 2)
    scatter.connect(await bindFresh(g1, t))
    scatter.connect(await bindFresh(g2, t))
    await hs
    for (let i = 0; i < 4; i++) await scatter.send(`m${i}`)
    const a = [body(await g1.receive()), body(await g1.receive())]
    const b = [body(await g2.receive()), body(await g2.receive())]
    assert.deepEqual([...a, ...b].sort(), ["m0", "m1", "m2", "m3"])
    assert.deepEqual(a.length, 2)
  })

  eachTransport("RFC 49 GATHER: receives fair-queued from its SCATTERs, each one's messages in order", async (t, ctx) => {
    const own = sockets(ctx)
    const gather = own(new Gather())
    const ep = await bindFresh(gather, t)
    const s1 = own(new Scatter())
    const s2 = own(new Scatter())
    s1.connect(ep)
    s2.connect(ep)
    for (let i = 0; i < 3; i++) {
      await s1.send(`a${i}`)
      await s2.send(`b${i}`)
    }
    const got: string[] = []
    for (let i = 0; i < 6; i++) got.push(body(await gather.receive()))
    assert.deepEqual(got.filter((m) => m.startsWith("a")), ["a0", "a1", "a2"])
    assert.deepEqual(got.filter((m) => m.startsWith("b")), ["b0", "b1", "b2"])
  })

  eachTransport("RFC 49 SCATTER: a multipart send fails with EINVAL; with no GATHER a send waits (EAGAIN at sendTimeout 0)", async (t, ctx) => {
    const own = sockets(ctx)
    const scatter = own(new Scatter({ sendTimeout: 0 }))
    await bindFresh(scatter, t)
    await rejectsWith(scatter.send(["a", "b"]), "EINVAL")
    await rejectsWith(scatter.send("nobody"), "EAGAIN")
    assert.equal(scatter.writable, false)
    assert.equal(scatter.threadSafe, true)
  })

  eachTransport(
    "RFC 49 GATHER: a multipart message from a hostile SCATTER is dropped whole; the connection and others go on",
    async (t, ctx) => {
      const own = sockets(ctx)
      const gather = own(new Gather())
      const ep = await bindFresh(gather, t)
      const raw = await collectingPeer(ep, "SCATTER")
      ctx.after(() => raw.stream.destroy())
      raw.stream.write(Buffer.concat([zmtpFrame(Buffer.from("x"), { more: true }), zmtpFrame(Buffer.from("y")), zmtpFrame(Buffer.from("kept"))]))
      assert.equal(body(await gather.receive()), "kept")
      raw.stream.write(zmtpFrame(Buffer.from("kept too")))
      assert.equal(body(await gather.receive()), "kept too")
    },
    noInproc,
  )

  eachTransport(
    "RFC 49 / RFC 37: a GATHER refuses a PUSH peer at the handshake and keeps its SCATTERs",
    async (t, ctx) => {
      const own = sockets(ctx)
      const gather = own(new Gather())
      const ep = await bindFresh(gather, t)
      const push = own(new Push({ sendTimeout: 0 }))
      push.connect(ep)
      const scatter = own(new Scatter())
      scatter.connect(ep)
      await scatter.send("ok")
      assert.equal(body(await gather.receive()), "ok")
      await rejectsWith(push.send("never"), "EAGAIN")
    },
    noInproc,
  )
})

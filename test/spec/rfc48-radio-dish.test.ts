/**
 * RFC 48 (RADIO-DISH) over tcp, ipc and inproc, and its ZMTP form as libzmq
 * 4.3.5 puts it on the wire: JOIN/LEAVE commands from the DISH, and each
 * message as a group frame (MORE) followed by the body.
 */
import assert from "node:assert/strict"
import { describe } from "node:test"
import { encodeCommand } from "../../src/internal.js"
import { Dish, Radio } from "../../src/draft.js"
import { bindFresh, disconnects, eachTransport, handshakes, rejectsWith, sockets, unboundEndpoint, zmtpFrame } from "../helpers/transports.js"
import { collectingPeer, receiveData, untilJoined } from "./draft-helpers.js"

const noInproc = { skip: { inproc: "a raw ZMTP peer needs tcp or ipc" } }

void describe("RFC 48 RADIO-DISH", () => {
  eachTransport("RFC 48 DISH: receives the groups it joined (exact match), each message with its group; leave() stops them", async (t, ctx) => {
    const own = sockets(ctx)
    const radio = own(new Radio())
    const dish = own(new Dish())
    radio.connect(await bindFresh(dish, t))
    dish.join("weather", Buffer.from("news"))
    await untilJoined(radio, dish, "weather")
    await radio.send("sunny", { group: "weather" })
    await radio.send("not joined", { group: "weath" })
    await radio.send("prefix is not a match", { group: "weatherman" })
    await radio.send("headline", { group: "news" })
    assert.deepEqual(await receiveData(dish), ["sunny", "weather"])
    assert.deepEqual(await receiveData(dish), ["headline", "news"])
    dish.leave("weather")
    // The LEAVE travels ahead of this JOIN, so once "sports" arrives "weather" is gone at the RADIO too.
    dish.join("sports")
    await untilJoined(radio, dish, "sports")
    await radio.send("rain", { group: "weather" })
    await radio.send("goal", { group: "sports" })
    assert.deepEqual(await receiveData(dish), ["goal", "sports"])
  })

  eachTransport("RFC 48 RADIO: a message reaches every DISH that joined its group and no other", async (t, ctx) => {
    const own = sockets(ctx)
    const radio = own(new Radio())
    const ep = await bindFresh(radio, t)
    const d1 = own(new Dish())
    const d2 = own(new Dish())
    d1.connect(ep)
    d2.connect(ep)
    d1.join("a", "both")
    d2.join("b", "both")
    await untilJoined(radio, d1, "a")
    await untilJoined(radio, d2, "b")
    await radio.send("for a", { group: "a" })
    await radio.send("for b", { group: "b" })
    await radio.send("for both", { group: "both" })
    assert.deepEqual(await receiveData(d1), ["for a", "a"])
    assert.deepEqual(await receiveData(d1), ["for both", "both"])
    assert.deepEqual(await receiveData(d2), ["for b", "b"])
    assert.deepEqual(await receiveData(d2), ["for both", "both"])
  })

  eachTransport("RFC 48 DISH: messages of a group left while they were queued are not delivered, and readable says so", async (t, ctx) => {
    const own = sockets(ctx)
    const radio = own(new Radio())
    const dish = own(new Dish())
    radio.connect(await bindFresh(dish, t))
    dish.join("stay", "go")
    await untilJoined(radio, dish, "stay")
    await untilJoined(radio, dish, "go")
    await radio.send("queued", { group: "go" })
    await radio.send("last", { group: "stay" })
    // Both are on their way or queued; once "last" is readable, "queued" is ahead of it.
    while (!dish.readable) await new Promise((r) => setImmediate(r))
    dish.leave("go")
    assert.deepEqual(await receiveData(dish), ["last", "stay"])
    assert.equal(dish.readable, false)
  })

  eachTransport("RFC 48: multipart sends fail with EINVAL; RADIO never blocks, even with no DISH", async (t, ctx) => {
    const own = sockets(ctx)
    const radio = own(new Radio())
    await bindFresh(radio, t)
    await radio.send("nobody listens", { group: "g" })
    await rejectsWith(radio.send(["a", "b"], { group: "g" }), "EINVAL")
    assert.throws(() => radio.send("x", {} as { group: string }), { code: "EINVAL" })
    assert.throws(() => radio.send("x", { group: 5 as unknown as string }), TypeError)
    assert.equal(radio.writable, true)
    assert.equal(radio.threadSafe, true)
  })

  eachTransport("RFC 48 Group: join/leave take 0 to 255 octets; EINVAL for 256, a second join, or leaving a group not joined", async (t, ctx) => {
    const own = sockets(ctx)
    const dish = own(new Dish())
    await bindFresh(dish, t)
    dish.join("x".repeat(255), "")
    assert.throws(() => dish.join("x".repeat(256)), { code: "EINVAL" })
    assert.throws(() => dish.join("x".repeat(255)), { code: "EINVAL" })
    assert.throws(() => dish.leave("never joined"), { code: "EINVAL" })
    assert.throws(() => dish.join(42 as unknown as string), TypeError)
    // Every value is tried; the first failure is thrown after (zeromq.js).
    assert.throws(() => dish.join("p1", "", "p2"), { code: "EINVAL" })
    dish.leave("p1", "p2", "")
    assert.equal(dish.linger, 0, "libzmq: a DISH does not linger")
  })

  eachTransport(
    "RFC 48 over ZMTP: a DISH sends JOIN/LEAVE commands; a RADIO sends [group (MORE), body] to the DISHes that joined",
    async (t, ctx) => {
      const own = sockets(ctx)
      const dish = own(new Dish())
      const fromDish = await collectingPeer(await bindFresh(dish, t), "RADIO")
      ctx.after(() => fromDish.stream.destroy())
      dish.join("g1")
      dish.leave("g1")
      const expected = Buffer.concat([
        zmtpFrame(encodeCommand("JOIN", Buffer.from("g1")), { command: true }),
        zmtpFrame(encodeCommand("LEAVE", Buffer.from("g1")), { command: true }),
      ])
      assert.deepEqual(await fromDish.untilBytes(expected.length), expected)

      const radio = own(new Radio())
      const toDish = await collectingPeer(await bindFresh(radio, t), "DISH")
      ctx.after(() => toDish.stream.destroy())
      toDish.stream.write(zmtpFrame(encodeCommand("JOIN", Buffer.from("grp")), { command: true }))
      const want = Buffer.concat([zmtpFrame(Buffer.from("grp"), { more: true }), zmtpFrame(Buffer.from("payload"))])
      // Until the JOIN is applied the RADIO sends nothing; then exactly the frames for "grp".
      while (toDish.bytes().length === 0) {
        await radio.send("other group", { group: "other" })
        await radio.send("payload", { group: "grp" })
        await new Promise((r) => setImmediate(r))
      }
      const got = await toDish.untilBytes(want.length)
      assert.deepEqual(got.subarray(0, want.length), want)
    },
    noInproc,
  )

  eachTransport(
    "RFC 48 Group: a JOIN of 256 octets from a hostile DISH ends that connection (libzmq 4.3.5 aborts); the RADIO serves others",
    async (t, ctx) => {
      const own = sockets(ctx)
      const radio = own(new Radio())
      const ep = await bindFresh(radio, t)
      const raw = await collectingPeer(ep, "DISH")
      ctx.after(() => raw.stream.destroy())
      raw.stream.write(zmtpFrame(encodeCommand("JOIN", Buffer.alloc(256, 0x61)), { command: true }))
      await raw.closed
      const dish = own(new Dish())
      dish.connect(ep)
      dish.join("g")
      await untilJoined(radio, dish, "g")
      await radio.send("served", { group: "g" })
      assert.deepEqual(await receiveData(dish), ["served", "g"])
    },
    noInproc,
  )

  eachTransport(
    "RFC 48 over ZMTP: a DISH drops a RADIO that sends anything but [group, body]; other RADIOs still reach it",
    async (t, ctx) => {
      const own = sockets(ctx)
      const dish = own(new Dish())
      const ep = await bindFresh(dish, t)
      dish.join("g")
      const raw = await collectingPeer(ep, "RADIO")
      ctx.after(() => raw.stream.destroy())
      // One frame only: no group (libzmq's dish session answers EFAULT and drops the connection).
      raw.stream.write(zmtpFrame(Buffer.from("no group")))
      await raw.closed
      const raw3 = await collectingPeer(ep, "RADIO")
      ctx.after(() => raw3.stream.destroy())
      raw3.stream.write(Buffer.concat([zmtpFrame(Buffer.from("g"), { more: true }), zmtpFrame(Buffer.from("b1"), { more: true }), zmtpFrame(Buffer.from("b2"))]))
      await raw3.closed
      // A group frame of 256 octets (RFC 48 "Group": at most 255).
      const raw4 = await collectingPeer(ep, "RADIO")
      ctx.after(() => raw4.stream.destroy())
      raw4.stream.write(Buffer.concat([zmtpFrame(Buffer.alloc(256, 0x67), { more: true }), zmtpFrame(Buffer.from("body"))]))
      await raw4.closed
      const radio = own(new Radio())
      radio.connect(ep)
      await untilJoined(radio, dish, "g")
      await radio.send("fine", { group: "g" })
      assert.deepEqual(await receiveData(dish), ["fine", "g"])
    },
    noInproc,
  )

  eachTransport(
    "RFC 48: a DISH replays its groups to a RADIO after reconnecting (libzmq's hiccup)",
    async (t, ctx) => {
      const own = sockets(ctx)
      const radio = own(new Radio())
      const ep = await bindFresh(radio, t)
      const dish = own(new Dish())
      dish.connect(ep)
      dish.join("kept")
      await untilJoined(radio, dish, "kept")
      const gone = disconnects(dish, t)
      radio.close()
      await gone
      const again = handshakes(dish, t)
      const radio2 = own(new Radio())
      await radio2.bind(ep)
      await again
      await untilJoined(radio2, dish, "kept")
      await radio2.send("after reconnect", { group: "kept" })
      assert.deepEqual(await receiveData(dish), ["after reconnect", "kept"])
    },
    { skip: { inproc: "no reconnection on inproc", ipc: "rebinding an ipc path races the old listener's unlink" } },
  )

  eachTransport("RFC 48: a DISH that connects before the RADIO binds still gets its groups across", async (t, ctx) => {
    const own = sockets(ctx)
    const dish = own(new Dish())
    const ep = await unboundEndpoint(t)
    dish.join("early")
    dish.connect(ep)
    const radio = own(new Radio())
    await radio.bind(ep)
    await untilJoined(radio, dish, "early")
    await radio.send("late", { group: "early" })
    assert.deepEqual(await receiveData(dish), ["late", "early"])
  })
})

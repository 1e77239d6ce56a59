import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { MsgQueue, Pipe, lowWaterMark, pipePair, type Msg } from "../../src/internal.js"

function msg(n: number): Msg {
  return [Buffer.from(String(n))]
}

function num(m: Msg | undefined): number {
  assert.ok(m !== undefined, "expected a message")
  return Number(m[0]!.toString())
}

type Owner = Parameters<Pipe["attachOwner"]>[0]

void describe("lowWaterMark", () => {
  void test("libzmq's formula: hwm > 2048 ? hwm - 1024 : floor((hwm + 1) / 2)", () => {
    const cases: [number, number][] = [
      [0, 0], [1, 1], [2, 1], [3, 2], [10, 5], [11, 6], [1000, 500],
      [2047, 1024], [2048, 1024], [2049, 1025], [2050, 1026], [4096, 3072], [10000, 8976],
    ]
    for (const [hwm, lwm] of cases) assert.equal(lowWaterMark(hwm), lwm, `hwm ${hwm}`)
  })
})

void describe("MsgQueue", () => {
  void test("a burst past the high-water mark gives its ring back once drained; a queue within 4096 keeps its slots", () => {
    const slots = (q: MsgQueue): number => (q as unknown as { ring: unknown[] }).ring.length
    const burst = new MsgQueue(0)
    for (let i = 0; i < 100_000; i++) burst.push([Buffer.from(String(i))])
    assert.equal(slots(burst), 131_072)
    for (let i = 0; i < 99_999; i++) burst.read()
    assert.equal(slots(burst), 131_072, "kept while anything is queued")
    assert.equal(burst.read()![0]!.toString(), "99999")
    assert.equal(slots(burst), 16)
    burst.push([Buffer.from("again")])
    assert.equal(burst.read()![0]!.toString(), "again")
    const steady = new MsgQueue(1000)
    for (let i = 0; i < 1000; i++) steady.push([Buffer.from("x")])
    while (steady.read() !== undefined);
    assert.equal(slots(steady), 1024)
  })

  void test("writes block at exactly hwm messages", () => {
    const q = new MsgQueue(3)
    assert.equal(q.write(msg(1)), true)
    assert.equal(q.write(msg(2)), true)
    assert.equal(q.full, false)
    assert.equal(q.write(msg(3)), true)
    assert.equal(q.full, true)
    assert.equal(q.length, 3)
    assert.equal(q.checkWrite(), false)
    assert.equal(q.write(msg(4)), false)
    assert.equal(q.length, 3, "a refused write queues nothing")
    q.read()
    assert.equal(q.write(msg(4)), true)
    assert.deepEqual([num(q.read()), num(q.read()), num(q.read())], [2, 3, 4])
    assert.equal(q.read(), undefined)
  })

  void test("a multipart message counts once and stays whole", () => {
    const q = new MsgQueue(1)
    const m = [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]
    assert.equal(q.write(m), true)
    assert.equal(q.write([Buffer.from("x")]), false)
    assert.equal(q.read(), m)
  })

  void test("onWritable fires once, when the queue drains to the low-water mark", () => {
    const hwm = 10
    const lwm = lowWaterMark(hwm)
    assert.equal(lwm, 5)
    const q = new MsgQueue(hwm)
    let wakes = 0
    q.onWritable = () => {
      wakes++
      assert.equal(q.length, lwm, "woken exactly at the low-water mark")
    }
    for (let i = 0; i < hwm; i++) assert.equal(q.write(msg(i)), true)
    assert.equal(q.write(msg(99)), false)
    while (q.length > lwm + 1) q.read()
    assert.equal(wakes, 0, `not yet at ${q.length}`)
    q.read()
    assert.equal(wakes, 1)
    while (q.length > 0) q.read()
    assert.equal(wakes, 1, "once per blocked write")
  })

  void test("onWritable with a large hwm uses hwm - 1024", () => {
    const hwm = 4096
    const q = new MsgQueue(hwm)
    const at: number[] = []
    q.onWritable = () => at.push(q.length)
    for (let i = 0; i < hwm; i++) q.write(msg(i))
    assert.equal(q.write(msg(-1)), false)
    while (q.length > 0) q.read()
    assert.deepEqual(at, [3072])
  })

  void test("onWritable does not fire if the writer never hit the high-water mark", () => {
    const q = new MsgQueue(4)
    let wakes = 0
    q.onWritable = () => wakes++
    for (let i = 0; i < 4; i++) q.write(msg(i))
    while (q.length > 0) q.read()
    assert.equal(wakes, 0)
    // checkWrite() on a full queue arms the wake-up just as a failed write does.
    for (let i = 0; i < 4; i++) q.write(msg(i))
    assert.equal(q.checkWrite(), false)
    q.read()
    q.read()
    assert.equal(wakes, 1)
  })

  void test("onWritable re-arms for each time the writer is blocked", () => {
    const q = new MsgQueue(2)
    let wakes = 0
    q.onWritable = () => wakes++
    for (let round = 1; round <= 3; round++) {
      while (q.write(msg(round))) {
        /* fill */
      }
      while (q.length > 0) q.read()
      assert.equal(wakes, round)
    }
  })

  void test("raising the hwm or clearing wakes a blocked writer", () => {
    const q = new MsgQueue(2)
    let wakes = 0
    q.onWritable = () => wakes++
    q.write(msg(1))
    q.write(msg(2))
    assert.equal(q.write(msg(3)), false)
    q.setHwm(5)
    assert.equal(wakes, 1)
    assert.equal(q.write(msg(3)), true)
    q.write(msg(4))
    q.write(msg(5))
    assert.equal(q.write(msg(6)), false)
    assert.equal(q.clear(), 5)
    assert.equal(wakes, 2)
    assert.equal(q.length, 0)
    assert.equal(q.read(), undefined)
  })

  void test("onReadable fires on empty → non-empty only", () => {
    const q = new MsgQueue(0)
    let wakes = 0
    q.onReadable = () => wakes++
    q.push(msg(1))
    assert.equal(wakes, 1)
    q.push(msg(2))
    q.write(msg(3))
    assert.equal(wakes, 1)
    assert.equal(num(q.peek()), 1, "peek does not consume")
    q.read()
    q.read()
    assert.equal(wakes, 1)
    q.read()
    assert.equal(q.length, 0)
    q.write(msg(4))
    assert.equal(wakes, 2)
  })

  void test("hwm 0 means unlimited", () => {
    const q = new MsgQueue(0)
    for (let i = 0; i < 50_000; i++) assert.equal(q.write(msg(i)), true)
    assert.equal(q.full, false)
    assert.equal(q.checkWrite(), true)
    assert.equal(q.length, 50_000)
    for (let i = 0; i < 50_000; i++) assert.equal(num(q.read()), i)
  })

  void test("push() ignores the hwm (the caller checked)", () => {
    const q = new MsgQueue(1)
    q.push(msg(1))
    q.push(msg(2))
    assert.equal(q.length, 2)
    assert.equal(q.full, true)
  })

  void test("ring growth preserves order across wrap-around (10k interleaved push/read)", () => {
    const q = new MsgQueue(0)
    let next = 0
    let expect = 0
    for (let i = 0; i < 10_000; i++) {
      // Net growth of one every other step, with the head moving all the time,
      // so the ring wraps and grows at many different head positions.
      const pushes = (i % 2) + 1
      for (let j = 0; j < pushes; j++) q.push(msg(next++))
      assert.equal(num(q.read()), expect++)
      if (i % 7 === 0 && q.length > 0) assert.equal(num(q.peek()), expect)
    }
    assert.equal(q.length, next - expect)
    while (q.length > 0) assert.equal(num(q.read()), expect++)
    assert.equal(expect, next)
  })

  void test("steady-state wrap-around without growth keeps order", () => {
    const q = new MsgQueue(0)
    for (let i = 0; i < 10; i++) q.push(msg(i))
    let expect = 0
    for (let i = 10; i < 10_010; i++) {
      q.push(msg(i))
      assert.equal(num(q.read()), expect++)
    }
    assert.equal(q.length, 10)
  })
})

void describe("MsgQueue.onLow (an engine refilling from undecoded input)", () => {
  void test("fires as the last queued message is taken, before it is; what it pushes follows in order, with no onReadable", () => {
    const q = new MsgQueue(0)
    for (let i = 0; i < 3; i++) q.push(msg(i))
    let readable = 0
    q.onReadable = () => readable++
    let next = 3
    const lows: number[] = []
    q.onLow = () => {
      lows.push(q.length)
      if (next < 7) for (const end = next + 2; next < end; next++) q.push(msg(next))
    }
    const got: number[] = []
    for (let m = q.read(); m !== undefined; m = q.read()) got.push(num(m))
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6])
    assert.deepEqual(lows, [1, 1, 1], "each time the queue was down to its last message (the third finds nothing to add)")
    assert.equal(readable, 0, "the queue never looked empty")
  })
})

void describe("Pipe and pipePair", () => {
  void test("pipePair shares the two queues crosswise", () => {
    const [a, b] = pipePair(5, 7)
    assert.equal(a.outbound, b.inbound)
    assert.equal(a.inbound, b.outbound)
    assert.equal(a.outbound.hwm, 5)
    assert.equal(b.outbound.hwm, 7)
    assert.equal(a.inprocPeer, b)
    assert.equal(b.inprocPeer, a)
    assert.equal(a.inproc, true)
    const m = msg(1)
    assert.equal(a.write(m), true)
    assert.equal(b.read(), m)
    assert.equal(b.write(msg(2)), true)
    assert.equal(num(a.read()), 2)
    assert.equal(a.read(), undefined)
  })

  void test("a pipe write blocks at the outbound hwm", () => {
    const [a, b] = pipePair(2, 2)
    assert.equal(a.write(msg(1)), true)
    assert.equal(a.write(msg(2)), true)
    assert.equal(a.write(msg(3)), false)
    assert.equal(a.checkWrite(), false)
    assert.equal(b.inbound.length, 2)
  })

  void test("attachOwner routes queue wake-ups to the owner", () => {
    const [a, b] = pipePair(2, 2)
    const log: string[] = []
    const ownerOf = (name: string): Owner => ({
      readActivated: (p) => log.push(`${name}:read:${p === a ? "a" : "b"}`),
      writeActivated: (p) => log.push(`${name}:write:${p === a ? "a" : "b"}`),
      pipeTerminated: (p) => log.push(`${name}:term:${p === a ? "a" : "b"}`),
    })
    a.attachOwner(ownerOf("A"))
    b.attachOwner(ownerOf("B"))
    a.write(msg(1))
    assert.deepEqual(log, ["B:read:b"])
    a.write(msg(2))
    assert.equal(a.write(msg(3)), false)
    b.read()
    assert.deepEqual(log, ["B:read:b", "A:write:a"])
  })

  void test("attachPeer routes the other ends of the queues to the peer", () => {
    const pipe = new Pipe(new MsgQueue(1), new MsgQueue(0))
    const log: string[] = []
    pipe.attachPeer({
      outboundReady: () => log.push("outbound"),
      inboundDrained: () => log.push("drained"),
      pipeClosed: () => log.push("closed"),
      busy: false,
    })
    pipe.write(msg(1))
    assert.deepEqual(log, ["outbound"])
    pipe.inbound.push(msg(2))
    assert.equal(pipe.inbound.checkWrite(), false)
    pipe.read()
    assert.deepEqual(log, ["outbound", "drained"])
    pipe.close()
    assert.deepEqual(log, ["outbound", "drained", "closed"])
    assert.equal(pipe.terminated, true)
    pipe.detachPeer()
    assert.equal(pipe.peer, null)
  })

  void test("close() on an inproc pipe terminates the other side; queued messages stay readable", () => {
    const [a, b] = pipePair(0, 0)
    let terminated = 0
    b.attachOwner({ readActivated: () => {}, writeActivated: () => {}, pipeTerminated: () => terminated++ })
    a.write(msg(1))
    a.write(msg(2))
    a.close()
    assert.equal(a.terminated, true)
    assert.equal(b.terminated, true)
    assert.equal(terminated, 1)
    assert.equal(a.write(msg(3)), false, "no writes after close")
    assert.equal(a.checkWrite(), false)
    assert.equal(b.write(msg(4)), false)
    assert.equal(num(b.read()), 1)
    assert.equal(num(b.read()), 2)
    assert.equal(b.read(), undefined)
    a.close()
    b.terminate()
    assert.equal(terminated, 1, "terminate is idempotent")
  })
})

void describe("Pipe.writeSmall", () => {
  type Peer = NonNullable<Pipe["peer"]>
  function peerTaking(taken: Uint8Array[], accept: () => boolean): Peer {
    return {
      outboundReady: () => {},
      inboundDrained: () => {},
      pipeClosed: () => {},
      busy: false,
      encodeNow: (frame) => {
        if (!accept()) return false
        taken.push(Buffer.from(frame))
        return true
      },
    }
  }

  void test("hands the frame to the peer's encodeNow while the queue is empty", () => {
    const pipe = new Pipe(new MsgQueue(10), new MsgQueue(10))
    const taken: Uint8Array[] = []
    pipe.attachPeer(peerTaking(taken, () => true))
    assert.equal(pipe.writeSmall(Buffer.from("a")), true)
    assert.equal(pipe.outbound.length, 0)
    assert.deepEqual(taken.map((b) => Buffer.from(b).toString()), ["a"])
  })

  void test("refuses (the caller queues) behind queued messages, so that order holds", () => {
    const pipe = new Pipe(new MsgQueue(10), new MsgQueue(10))
    const taken: Uint8Array[] = []
    pipe.attachPeer(peerTaking(taken, () => true))
    assert.equal(pipe.write(msg(1)), true)
    assert.equal(pipe.writeSmall(Buffer.from("2")), false)
    assert.equal(taken.length, 0)
  })

  void test("refuses when the peer cannot take it, with no peer, with no encodeNow, conflating, or terminated", () => {
    const taken: Uint8Array[] = []
    const refusing = new Pipe(new MsgQueue(10), new MsgQueue(10))
    refusing.attachPeer(peerTaking(taken, () => false))
    assert.equal(refusing.writeSmall(Buffer.from("a")), false)

    assert.equal(new Pipe(new MsgQueue(10), new MsgQueue(10)).writeSmall(Buffer.from("a")), false)

    const plain = new Pipe(new MsgQueue(10), new MsgQueue(10))
    const withoutEncodeNow = peerTaking(taken, () => true)
    delete withoutEncodeNow.encodeNow
    plain.attachPeer(withoutEncodeNow)
    assert.equal(plain.writeSmall(Buffer.from("a")), false)

    const conflating = new Pipe(new MsgQueue(10), new MsgQueue(10))
    conflating.outbound.conflate = true
    conflating.attachPeer(peerTaking(taken, () => true))
    assert.equal(conflating.writeSmall(Buffer.from("a")), false)

    const ended = new Pipe(new MsgQueue(10), new MsgQueue(10))
    ended.attachPeer(peerTaking(taken, () => true))
    ended.terminate()
    assert.equal(ended.writeSmall(Buffer.from("a")), false)
    assert.equal(taken.length, 0)
  })

  void test("an inproc pipe never takes it (its peer is a queue, not an engine)", () => {
    const [a] = pipePair(10, 10)
    assert.equal(a.writeSmall(Buffer.from("a")), false)
    assert.equal(a.outbound.length, 0)
  })
})

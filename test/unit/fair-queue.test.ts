import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { FairQueue, MsgQueue, Pipe, type Msg } from "../../src/internal.js"

function frames(m: Msg | undefined): string[] {
  assert.ok(m !== undefined, "expected a message")
  return m.map((f) => f.toString())
}

/** A pipe wired to a FairQueue the way a PULL socket wires it. */
function makePipe(fq: FairQueue, name: string, hwm = 0): Pipe {
  const p = new Pipe(new MsgQueue(hwm), new MsgQueue(0))
  p.routingId = Buffer.from(name)
  p.attachOwner({
    readActivated: (pipe) => fq.activated(pipe),
    writeActivated: () => {},
    pipeTerminated: (pipe) => fq.terminated(pipe),
  })
  fq.attach(p)
  return p
}

/** What an engine does with a message from the wire. */
function deliver(p: Pipe, ...parts: string[]): void {
  p.inbound.push(parts.map((s) => Buffer.from(s)))
}

function nameOf(p: Pipe | null): string | null {
  return p === null ? null : p.routingId.toString()
}

void describe("FairQueue", () => {
  void test("empty: recv returns undefined, hasIn false", () => {
    const fq = new FairQueue()
    assert.equal(fq.recv(), undefined)
    assert.equal(fq.hasIn(), false)
    makePipe(fq, "a")
    assert.equal(fq.recv(), undefined)
    assert.equal(fq.hasIn(), false)
    assert.equal(fq.lastPipe, null)
  })

  void test("alternates one whole message per pipe", () => {
    const fq = new FairQueue()
    const a = makePipe(fq, "a")
    const b = makePipe(fq, "b")
    for (let i = 0; i < 3; i++) deliver(a, `a${i}`, "part2", "part3")
    for (let i = 0; i < 3; i++) deliver(b, `b${i}`, "x")
    const got: string[][] = []
    const from: (string | null)[] = []
    while (fq.hasIn()) {
      got.push(frames(fq.recv()))
      from.push(nameOf(fq.lastPipe))
    }
    assert.deepEqual(got, [
      ["a0", "part2", "part3"], ["b0", "x"],
      ["a1", "part2", "part3"], ["b1", "x"],
      ["a2", "part2", "part3"], ["b2", "x"],
    ])
    assert.deepEqual(from, ["a", "b", "a", "b", "a", "b"])
    assert.equal(fq.recv(), undefined)
  })

  void test("three pipes with unequal backlogs: round-robin while each has messages", () => {
    const fq = new FairQueue()
    const a = makePipe(fq, "a")
    const b = makePipe(fq, "b")
    const c = makePipe(fq, "c")
    deliver(a, "a0")
    deliver(b, "b0")
    deliver(c, "c0")
    deliver(a, "a1")
    deliver(c, "c1")
    deliver(c, "c2")
    const order: string[] = []
    for (let m = fq.recv(); m !== undefined; m = fq.recv()) order.push(frames(m)[0]!)
    assert.deepEqual(order, ["a0", "b0", "c0", "a1", "c1", "c2"])
  })

  void test("a drained pipe rejoins when a message arrives", () => {
    const fq = new FairQueue()
    const a = makePipe(fq, "a")
    const b = makePipe(fq, "b")
    deliver(a, "a0")
    assert.deepEqual(frames(fq.recv()), ["a0"])
    assert.equal(fq.recv(), undefined)
    deliver(b, "b0")
    deliver(a, "a1")
    assert.equal(fq.hasIn(), true)
    const got = [frames(fq.recv())[0], frames(fq.recv())[0]]
    assert.deepEqual(got.sort(), ["a1", "b0"])
    assert.equal(fq.recv(), undefined)
  })

  void test("a pipe attached with messages already queued is readable at once", () => {
    const fq = new FairQueue()
    const p = new Pipe(new MsgQueue(0), new MsgQueue(0))
    p.inbound.push([Buffer.from("early")])
    p.attachOwner({ readActivated: (x) => fq.activated(x), writeActivated: () => {}, pipeTerminated: (x) => fq.terminated(x) })
    fq.attach(p)
    assert.equal(fq.hasIn(), true)
    assert.deepEqual(frames(fq.recv()), ["early"])
    assert.equal(fq.lastPipe, p)
  })

  void test("a terminated pipe keeps its queued messages readable until drained, then is removed", () => {
    const fq = new FairQueue()
    const a = makePipe(fq, "a")
    const b = makePipe(fq, "b")
    deliver(a, "a0")
    deliver(a, "a1", "more")
    deliver(b, "b0")
    deliver(b, "b1")
    deliver(b, "b2")
    a.terminate()
    const got: string[][] = []
    for (let m = fq.recv(); m !== undefined; m = fq.recv()) got.push(frames(m))
    assert.deepEqual(got, [["a0"], ["b0"], ["a1", "more"], ["b1"], ["b2"]])
    // Removed: anything showing up in its queue now is never read.
    deliver(a, "late")
    assert.equal(fq.hasIn(), false)
    assert.equal(fq.recv(), undefined)
    // The other pipe still works.
    deliver(b, "b3")
    assert.deepEqual(frames(fq.recv()), ["b3"])
    assert.equal(fq.lastPipe, b)
  })

  void test("a terminated pipe with nothing queued is removed at once", () => {
    const fq = new FairQueue()
    const a = makePipe(fq, "a")
    const b = makePipe(fq, "b")
    a.terminate()
    deliver(a, "ghost")
    deliver(b, "b0")
    assert.deepEqual(frames(fq.recv()), ["b0"])
    assert.equal(fq.recv(), undefined)
  })

  void test("remove() forgets lastPipe and the pipe's messages", () => {
    const fq = new FairQueue()
    const a = makePipe(fq, "a")
    deliver(a, "a0")
    deliver(a, "a1")
    assert.deepEqual(frames(fq.recv()), ["a0"])
    assert.equal(fq.lastPipe, a)
    fq.remove(a)
    assert.equal(fq.lastPipe, null)
    assert.equal(fq.recv(), undefined)
  })

  void test("reading wakes the writer side once the queue drains to its low-water mark", () => {
    const fq = new FairQueue()
    const a = new Pipe(new MsgQueue(4), new MsgQueue(0))
    let drained = 0
    a.attachOwner({ readActivated: (x) => fq.activated(x), writeActivated: () => {}, pipeTerminated: (x) => fq.terminated(x) })
    a.attachPeer({ outboundReady: () => {}, inboundDrained: () => drained++, pipeClosed: () => {}, busy: false })
    fq.attach(a)
    for (let i = 0; i < 4; i++) deliver(a, `m${i}`)
    assert.equal(a.inbound.checkWrite(), false, "engine sees the queue full")
    fq.recv()
    assert.equal(drained, 0)
    fq.recv()
    assert.equal(drained, 1, "woken at the low-water mark (2 of 4)")
  })
})

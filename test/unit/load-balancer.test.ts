import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { LoadBalancer, MsgQueue, Pipe, type Msg } from "../../src/internal.js"

function msg(n: number): Msg {
  return [Buffer.from(String(n))]
}

/** Drains a pipe's outbound queue (what its engine would send), returning message numbers. */
function drain(p: Pipe): number[] {
  const out: number[] = []
  for (let m = p.outbound.read(); m !== undefined; m = p.outbound.read()) out.push(Number(m[0]!.toString()))
  return out
}

/** Pipes wired to a LoadBalancer the way a PUSH socket wires them. */
function setup(hwms: number[]): { lb: LoadBalancer; pipes: Pipe[]; wakes: Pipe[] } {
  const lb = new LoadBalancer()
  const wakes: Pipe[] = []
  const pipes = hwms.map((hwm) => {
    const p = new Pipe(new MsgQueue(0), new MsgQueue(hwm))
    p.attachOwner({
      readActivated: () => {},
      writeActivated: (pipe) => {
        wakes.push(pipe)
        lb.activated(pipe)
      },
      pipeTerminated: (pipe) => lb.terminated(pipe),
    })
    lb.attach(p)
    return p
  })
  return { lb, pipes, wakes }
}

void describe("LoadBalancer", () => {
  void test("no pipes: send returns false", () => {
    const lb = new LoadBalancer()
    assert.equal(lb.hasPipes, false)
    assert.equal(lb.send(msg(1)), false)
    assert.equal(lb.sendTo(msg(1)), null)
    assert.equal(lb.hasOut(), false)
  })

  void test("round-robin over 3 pipes in attach order", () => {
    const { lb, pipes } = setup([0, 0, 0])
    assert.equal(lb.hasPipes, true)
    const used: Pipe[] = []
    for (let i = 0; i < 9; i++) {
      const p = lb.sendTo(msg(i))
      assert.ok(p)
      used.push(p)
    }
    const [a, b, c] = pipes
    assert.deepEqual(used, [a, b, c, a, b, c, a, b, c])
    assert.deepEqual(drain(a!), [0, 3, 6])
    assert.deepEqual(drain(b!), [1, 4, 7])
    assert.deepEqual(drain(c!), [2, 5, 8])
  })

  void test("a multipart message goes whole to one pipe", () => {
    const { lb, pipes } = setup([0, 0])
    const m = [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]
    assert.equal(lb.send(m), true)
    assert.equal(pipes[0]!.outbound.read(), m)
    assert.equal(pipes[1]!.outbound.length, 0)
  })

  void test("a full pipe is skipped, and rejoins after its writer wake", () => {
    const { lb, pipes, wakes } = setup([1, 0, 0])
    const [a, b, c] = pipes
    assert.ok(a && b && c)
    for (let i = 0; i < 3; i++) assert.equal(lb.send(msg(i)), true)
    assert.equal(a.outbound.full, true)
    // Twelve more: none may go to the full pipe; the others share them evenly.
    for (let i = 3; i < 15; i++) assert.notEqual(lb.sendTo(msg(i)), a)
    assert.deepEqual(drain(a), [0], "the full pipe got nothing more")
    assert.deepEqual(wakes, [a], "draining the full pipe woke its writer")
    const toB = drain(b)
    const toC = drain(c)
    assert.equal(toB.length, 7)
    assert.equal(toC.length, 7)
    assert.deepEqual([...toB, ...toC].sort((x, y) => x - y), [1, 2, ...Array.from({ length: 12 }, (_, i) => i + 3)])
    // Rejoined: within the next three sends every pipe is used once.
    const next = new Set<Pipe | null>()
    for (let i = 0; i < 3; i++) next.add(lb.sendTo(msg(100 + i)))
    assert.deepEqual(next, new Set([a, b, c]))
  })

  void test("send returns false when every pipe is full; hasOut agrees", () => {
    const { lb, pipes, wakes } = setup([1, 2, 1])
    for (let i = 0; i < 4; i++) assert.equal(lb.send(msg(i)), true)
    assert.equal(lb.hasOut(), false)
    assert.equal(lb.send(msg(4)), false)
    assert.equal(lb.sendTo(msg(4)), null)
    assert.equal(pipes.reduce((n, p) => n + p.outbound.length, 0), 4, "nothing lost, nothing extra")
    // One pipe drains: it (and only it) is writable again.
    const b = pipes[1]!
    b.outbound.read()
    assert.deepEqual(wakes, [b])
    assert.equal(lb.hasOut(), true)
    assert.equal(lb.sendTo(msg(5)), b)
    assert.equal(lb.send(msg(6)), false)
  })

  void test("a pipe activated while not full is not duplicated", () => {
    const { lb, pipes } = setup([0, 0])
    const [a, b] = pipes
    lb.activated(a!)
    lb.activated(a!)
    const used: (Pipe | null)[] = []
    for (let i = 0; i < 4; i++) used.push(lb.sendTo(msg(i)))
    assert.deepEqual(used, [a, b, a, b])
  })

  void test("a terminated pipe is no longer used", () => {
    const { lb, pipes } = setup([0, 0, 0])
    const [a, b, c] = pipes
    assert.ok(a && b && c)
    lb.send(msg(0)) // a
    b.terminate()
    const used = new Set<Pipe | null>()
    for (let i = 1; i < 7; i++) used.add(lb.sendTo(msg(i)))
    assert.deepEqual(used, new Set([a, c]))
    assert.equal(b.outbound.length, 0)
    a.terminate()
    c.terminate()
    assert.equal(lb.hasPipes, false)
    assert.equal(lb.send(msg(9)), false)
  })

  void test("a closed pipe refuses writes and is skipped", () => {
    const { lb, pipes } = setup([0, 0])
    const [a, b] = pipes
    a!.close()
    for (let i = 0; i < 4; i++) assert.equal(lb.sendTo(msg(i)), b)
  })
})

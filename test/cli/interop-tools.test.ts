/**
 * The CLI against libzmq's side of things: bench with pyzmq programs that do
 * what libzmq's perf tools do (the tools themselves are not installed here),
 * and PLAIN against the interop tier's secure peer with a ZAP handler.
 */
import assert from "node:assert/strict"
import { afterEach, describe, it } from "node:test"
import { boundEndpoint, cli, killAll, pyScript, runCli, securePeer, TEST_TIMEOUT } from "./support.js"

const ANY = "tcp://127.0.0.1:*"

/** perf/local_thr.cpp: PULL, times from the first message; prints its four lines. */
const LOCAL_THR = `
import sys, time, zmq
ctx = zmq.Context(); s = ctx.socket(zmq.PULL); s.bind("tcp://127.0.0.1:*")
print(s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
size, count = int(sys.argv[1]), int(sys.argv[2])
s.rcvtimeo = 20000
assert len(s.recv()) == size
start = time.perf_counter()
for _ in range(count - 1):
    assert len(s.recv()) == size
us = max((time.perf_counter() - start) * 1e6, 1)
thr = int(count / us * 1e6)
print("message size: %d [B]" % size); print("message count: %d" % count)
print("mean throughput: %d [msg/s]" % thr); print("mean throughput: %.3f [Mb/s]" % (thr * size * 8 / 1e6), flush=True)
`

/** perf/remote_lat.cpp: REQ, COUNT roundtrips of SIZE bytes. */
const REMOTE_LAT = `
import sys, time, zmq
ctx = zmq.Context(); s = ctx.socket(zmq.REQ); s.connect(sys.argv[1]); s.rcvtimeo = 20000
size, count = int(sys.argv[2]), int(sys.argv[3])
start = time.perf_counter()
for _ in range(count):
    s.send(b"\\0" * size); assert len(s.recv()) == size
print("average latency: %.3f [us]" % ((time.perf_counter() - start) * 1e6 / (count * 2)), flush=True)
`

void describe("zmq-ts CLI: bench and PLAIN against libzmq (pyzmq)", { timeout: TEST_TIMEOUT * 4 }, () => {
  afterEach(killAll)

  void it("bench thr --connect (remote_thr) feeds a libzmq local_thr", { timeout: TEST_TIMEOUT }, async () => {
    const local = pyScript(LOCAL_THR, "32", "300")
    const ep = await local.stdout.wait(/^tcp:/)
    const remote = await runCli(["bench", "thr", "--connect", ep, "-s", "32", "-n", "300"])
    assert.equal(remote.code, 0, remote.stderr.join("\n"))
    assert.equal(await local.exited, 0, local.stderr.all.join("\n"))
    assert.deepEqual(local.stdout.all.slice(1, 3), ["message size: 32 [B]", "message count: 300"])
  })

  void it("bench lat --bind (local_lat) answers a libzmq remote_lat", { timeout: TEST_TIMEOUT }, async () => {
    const local = cli(["bench", "lat", "--bind", ANY, "-s", "8", "-n", "100"])
    const remote = pyScript(REMOTE_LAT, await boundEndpoint(local), "8", "100")
    assert.equal(await remote.exited, 0, remote.stderr.all.join("\n"))
    assert.match(remote.stdout.all[0] ?? "", /^average latency: \d+\.\d{3} \[us\]$/)
    assert.equal(await local.exited, 0, local.stderr.all.join("\n"))
  })

  void it("PLAIN: the right password gets through a libzmq ZAP handler; a wrong one fails with the reason", { timeout: TEST_TIMEOUT }, async () => {
    const peer = securePeer("PULL", "bind", ANY, "--plain-server", "--zap-plain", "alice:secret")
    const ep = JSON.parse(await peer.stdout.wait(/"endpoint"/)) as { endpoint: string }
    const ok = await runCli(["send", "--type", "push", "--connect", ep.endpoint, "--plain-username", "alice", "--plain-password", "secret", "--timeout", "20000", "hi"])
    assert.equal(ok.code, 0, ok.stderr.join("\n"))
    assert.notEqual(await peer.stdout.wait(/"recv": \["6869"\]/), "")
    const bad = await runCli(["send", "--type", "push", "--connect", ep.endpoint, "--plain-username", "alice", "--plain-password", "nope", "--timeout", "3000", "x"])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr[0] ?? "", /handshake with tcp:\/\/127\.0\.0\.1:\d+ failed: Authentication failure \(ZAP 400\)/)
    peer.child.stdin.end()
    await peer.exited
  })
})

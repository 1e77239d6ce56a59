/**
 * zmq-ts send/recv/req/rep/pub/sub, end to end: the command in a child
 * process against pyzmq (libzmq 4.3.4) peers on loopback.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, it } from "node:test"
import { boundEndpoint, cli, hex, killAll, pyPeer, runCli, TEST_TIMEOUT } from "./support.js"

const ANY = "tcp://127.0.0.1:*"

void describe("zmq-ts CLI: messaging against pyzmq", { timeout: TEST_TIMEOUT * 8 }, () => {
  afterEach(killAll)

  void it("recv --type pull prints what a pyzmq PUSH sends (text, then json with a binary frame)", { timeout: TEST_TIMEOUT }, async () => {
    const recv = cli(["recv", "--type", "pull", "--bind", ANY, "--count", "2", "--format", "json"])
    const ep = await boundEndpoint(recv)
    const peer = pyPeer("PUSH", "connect", ep, { send: [hex("hello", "world"), ["ff00"]] })
    assert.equal(await recv.exited, 0, recv.stderr.all.join("\n"))
    assert.deepEqual(recv.stdout.all, ['["hello","world"]', '[{"hex":"ff00"}]'])
    await peer.close()
  })

  void it("send --type push delivers argument frames, then stdin lines, to a pyzmq PULL", { timeout: TEST_TIMEOUT }, async () => {
    const peer = pyPeer("PULL", "bind", ANY, { recv: 3 })
    const ep = await peer.endpoint
    const r1 = await runCli(["send", "--type", "push", "--connect", ep, "--timeout", "20000", "a", "b"])
    assert.equal(r1.code, 0, r1.stderr.join("\n"))
    const r2 = await runCli(["send", "--type", "push", "--connect", ep, "--timeout", "20000"], "line one\nline two\n")
    assert.equal(r2.code, 0, r2.stderr.join("\n"))
    assert.deepEqual(await peer.done(), [["a", "b"], ["line one"], ["line two"]])
    await peer.close()
  })

  void it("send --format hex and --file frames", { timeout: TEST_TIMEOUT }, async () => {
    const peer = pyPeer("PULL", "bind", ANY, { recv: 2 })
    const ep = await peer.endpoint
    const r = await runCli(["send", "--type", "push", "--connect", ep, "--format", "hex", "--timeout", "20000"], "6869 00ff\n")
    assert.equal(r.code, 0, r.stderr.join("\n"))
    const dir = mkdtempSync(join(tmpdir(), "zmq-ts-cli-"))
    try {
      writeFileSync(join(dir, "blob"), Buffer.of(0, 1, 2, 0xfe))
      const f = await runCli(["send", "--type", "push", "--connect", ep, "--timeout", "20000", "head", "--file", join(dir, "blob")])
      assert.equal(f.code, 0, f.stderr.join("\n"))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    await peer.done()
    const frames = peer.stdout.all.filter((l) => l.includes("recv"))
    assert.deepEqual(frames, ['{"recv": ["6869", "00ff"]}', '{"recv": ["68656164", "000102fe"]}'])
    await peer.close()
  })

  void it("req against a pyzmq REP prints each reply", { timeout: TEST_TIMEOUT }, async () => {
    const peer = pyPeer("REP", "bind", ANY, { echo: 2 })
    const ep = await peer.endpoint
    const r = await runCli(["req", "--connect", ep, "--timeout", "20000"], "ping\npong\n")
    assert.equal(r.code, 0, r.stderr.join("\n"))
    assert.deepEqual(r.stdout, ["re:ping", "re:pong"])
    await peer.close()
  })

  void it("rep answers a pyzmq REQ: echo, and --exec", { timeout: TEST_TIMEOUT }, async () => {
    const echo = cli(["rep", "--bind", ANY, "--count", "1"])
    const peer1 = pyPeer("REQ", "connect", await boundEndpoint(echo), { request: [hex("hi there")] })
    assert.deepEqual(await peer1.done(), [["hi there"]])
    assert.equal(await echo.exited, 0)
    assert.deepEqual(echo.stdout.all, ["hi there"])
    await peer1.close()

    // --exec: the command's stdout is the reply; here zmq-ts connects to a binding REQ.
    const peer2 = pyPeer("REQ", "bind", ANY, { request: [hex("shout")] })
    const rep = cli(["rep", "--connect", await peer2.endpoint, "--count", "1", "--exec", "tr a-z A-Z"])
    assert.deepEqual(await peer2.done(), [["SHOUT"]])
    assert.equal(await rep.exited, 0, rep.stderr.all.join("\n"))
    await peer2.close()
  })

  void it("pub --topic --wait-subscribers reaches a pyzmq SUB", { timeout: TEST_TIMEOUT }, async () => {
    const pub = cli(["pub", "--bind", ANY, "--topic", "weather", "--wait-subscribers", "1", "sunny"])
    const peer = pyPeer("SUB", "connect", await boundEndpoint(pub), { subscribe: ["wea"], recv: 1 })
    assert.deepEqual(await peer.done(), [["weather", "sunny"]])
    assert.equal(await pub.exited, 0, pub.stderr.all.join("\n"))
    await peer.close()
  })

  void it("sub --topic gets only matching messages from a pyzmq XPUB", { timeout: TEST_TIMEOUT }, async () => {
    const peer = pyPeer("XPUB", "bind", ANY, { wait_subscription: true, send: [hex("other", "x"), hex("news", "y")] })
    const sub = cli(["sub", "--connect", await peer.endpoint, "--topic", "news", "--count", "1"])
    assert.equal(await sub.exited, 0, sub.stderr.all.join("\n"))
    assert.deepEqual(sub.stdout.all, ["news\ty"])
    await peer.done()
    assert.match(peer.stdout.all.join("\n"), new RegExp(`"subscription": "01${Buffer.from("news").toString("hex")}"`))
    await peer.close()
  })
})

void describe("zmq-ts CLI: exit codes", { timeout: TEST_TIMEOUT * 4 }, () => {
  afterEach(killAll)

  void it("--version, --help and a subcommand's --help exit 0", { timeout: TEST_TIMEOUT }, async () => {
    const v = await runCli(["--version"])
    assert.equal(v.code, 0)
    assert.match(v.stdout[0] ?? "", /^zmq-ts \d+\.\d+\.\d+ /)
    // A sample: each run starts node and tsx, slow on a shared machine; main.ts routes --help the same way for all.
    for (const cmd of ["send", "proxy", "monitor", "bench"]) {
      const h = await runCli([cmd, "--help"])
      assert.equal(h.code, 0, cmd)
      assert.match(h.stdout[0] ?? "", new RegExp(`^Usage: zmq-ts ${cmd}`))
    }
  })

  void it("usage errors exit 2 with one line", { timeout: TEST_TIMEOUT }, async () => {
    for (const args of [["frobnicate"], ["send", "--type", "push"], ["recv", "--type", "nope", "-c", "tcp://127.0.0.1:1"], ["send", "--bogus"], []]) {
      const r = await runCli(args)
      assert.equal(r.code, 2, args.join(" "))
      if (args.length) assert.equal(r.stderr.length, 1, r.stderr.join("\n"))
    }
  })

  void it("a refused connection on --timeout exits 1 and says so", { timeout: TEST_TIMEOUT }, async () => {
    // Bind a port and let it go, so nothing listens there.
    const peer = pyPeer("PULL", "bind", ANY)
    const ep = await peer.endpoint
    await peer.close()
    const r = await runCli(["send", "--type", "push", "--connect", ep, "--timeout", "1500", "x"])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.length, 1)
    assert.match(r.stderr[0] ?? "", /timeout: no peer in 1500 ms: cannot connect to tcp:\/\/127\.0\.0\.1:\d+ \(refused/)
  })
})

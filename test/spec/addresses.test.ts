/**
 * Endpoint forms of zmq_tcp / zmq_ipc / zmq_inproc as libzmq accepts them,
 * each carrying a message end to end.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { Pair, Pull, Push } from "../../src/index.js"
import { ZmqError } from "../../src/util.js"

async function roundTrip(bindAddr: string, connectAddr: (bound: string) => string, ipv6 = false): Promise<string> {
  const pull = new Pull({ linger: 0, ipv6 })
  const push = new Push({ linger: 0, ipv6 })
  try {
    await pull.bind(bindAddr)
    const bound = pull.lastEndpoint!
    push.connect(connectAddr(bound))
    await push.send(["hello", bound])
    const [a, b] = await pull.receive()
    assert.equal(a!.toString(), "hello")
    assert.equal(b!.toString(), bound)
    return bound
  } finally {
    push.close()
    pull.close()
  }
}

const portOf = (endpoint: string): string => endpoint.slice(endpoint.lastIndexOf(":") + 1)

void describe("tcp endpoints", () => {
  void it("IPv4 with a wildcard port: lastEndpoint names the port the OS chose", async () => {
    const bound = await roundTrip("tcp://127.0.0.1:*", (b) => b)
    assert.match(bound, /^tcp:\/\/127\.0\.0\.1:\d+$/)
    assert.notEqual(portOf(bound), "0")
  })

  void it("port 0 is a wildcard too", async () => {
    const bound = await roundTrip("tcp://127.0.0.1:0", (b) => b)
    assert.notEqual(portOf(bound), "0")
  })

  void it("`*` binds every interface (reported as 0.0.0.0, as libzmq does); a peer reaches it via 127.0.0.1", async () => {
    const bound = await roundTrip("tcp://*:*", (b) => `tcp://127.0.0.1:${portOf(b)}`)
    assert.match(bound, /^tcp:\/\/0\.0\.0\.0:\d+$/)
  })

  void it("IPv6 loopback in brackets, with ipv6 (without it libzmq's bind fails with ENODEV)", async () => {
    const bound = await roundTrip("tcp://[::1]:*", (b) => b, true)
    assert.match(bound, /^tcp:\/\/\[::1\]:\d+$/)
    await assert.rejects(roundTrip("tcp://[::1]:*", (b) => b), { code: "ENODEV" })
  })

  void it("a host name to bind to (libzmq looks it up), reported as its address", async () => {
    const bound = await roundTrip("tcp://localhost:*", (b) => b)
    assert.match(bound, /^tcp:\/\/127\.0\.0\.1:\d+$/)
  })

  void it("a host name to connect to", async () => {
    await roundTrip("tcp://127.0.0.1:*", (b) => `tcp://localhost:${portOf(b)}`)
  })

  void it("binding a port in use fails with EADDRINUSE", async () => {
    const a = new Pair({ linger: 0 })
    const b = new Pair({ linger: 0 })
    try {
      await a.bind("tcp://127.0.0.1:*")
      await assert.rejects(b.bind(a.lastEndpoint!), (err: ZmqError) => err.code === "EADDRINUSE")
    } finally {
      a.close()
      b.close()
    }
  })

  void it("malformed addresses are EINVAL, unknown transports EPROTONOSUPPORT", async () => {
    const s = new Pair({ linger: 0 })
    try {
      await assert.rejects(s.bind("tcp://127.0.0.1"), (err: ZmqError) => err.code === "EINVAL")
      assert.throws(() => s.connect("tcp://127.0.0.1:*"), (err: ZmqError) => err.code === "EINVAL")
      await assert.rejects(s.bind("bogus://x"), (err: ZmqError) => err.code === "EPROTONOSUPPORT")
    } finally {
      s.close()
    }
  })
})

void describe("ipc endpoints", () => {
  void it("a file path, removed again on close", async () => {
    const path = join(tmpdir(), `zmq-ts-addr-${randomBytes(6).toString("hex")}.sock`)
    const bound = await roundTrip(`ipc://${path}`, (b) => b)
    assert.equal(bound, `ipc://${path}`)
    assert.equal(existsSync(path), false, "the socket file is removed after close")
  })

  void it("a Linux abstract name (@name)", async () => {
    const bound = await roundTrip(`ipc://@zmq-ts-addr-${randomBytes(6).toString("hex")}`, (b) => b)
    assert.match(bound, /^ipc:\/\/@zmq-ts-addr-/)
  })
})

void describe("inproc endpoints", () => {
  void it("connect before bind", async () => {
    const name = `inproc://addr-${randomBytes(6).toString("hex")}`
    const push = new Push({ linger: 0 })
    const pull = new Pull({ linger: 0 })
    try {
      push.connect(name)
      await push.send("early")
      await pull.bind(name)
      assert.equal((await pull.receive())[0]!.toString(), "early")
    } finally {
      push.close()
      pull.close()
    }
  })

  void it("binding a name twice is EADDRINUSE", async () => {
    const a = new Pair({ linger: 0 })
    const b = new Pair({ linger: 0 })
    try {
      await a.bind("inproc://addr-dup")
      await assert.rejects(b.bind("inproc://addr-dup"), (err: ZmqError) => err.code === "EADDRINUSE")
    } finally {
      a.close()
      b.close()
    }
  })
})

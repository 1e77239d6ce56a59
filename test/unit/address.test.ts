import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { parseEndpoint } from "../../src/internal.js"

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`)
    assert.equal((err as Error & { code?: unknown }).code, code)
    return true
  })
}

void describe("parseEndpoint: tcp", () => {
  void test("IPv4 address and port, for bind and connect", () => {
    for (const forBind of [true, false]) {
      assert.deepEqual(parseEndpoint("tcp://127.0.0.1:5555", forBind), {
        transport: "tcp",
        host: "127.0.0.1",
        port: 5555,
        raw: "tcp://127.0.0.1:5555",
      })
    }
  })

  void test("IPv6 in brackets", () => {
    const ep = parseEndpoint("tcp://[::1]:6000", false)
    assert.ok(ep.transport === "tcp")
    assert.equal(ep.host, "::1")
    assert.equal(ep.port, 6000)
    const wide = parseEndpoint("tcp://[fe80::1:2:3]:1", true)
    assert.ok(wide.transport === "tcp")
    assert.equal(wide.host, "fe80::1:2:3")
    assert.equal(wide.port, 1)
  })

  void test("host name", () => {
    const ep = parseEndpoint("tcp://localhost:65535", false)
    assert.ok(ep.transport === "tcp")
    assert.equal(ep.host, "localhost")
    assert.equal(ep.port, 65535)
    const fq = parseEndpoint("tcp://example.org:80", false)
    assert.ok(fq.transport === "tcp")
    assert.equal(fq.host, "example.org")
  })

  void test("'*' host binds to all interfaces; connect to it throws EINVAL", () => {
    const ep = parseEndpoint("tcp://*:5555", true)
    assert.ok(ep.transport === "tcp")
    assert.equal(ep.host, "*")
    assert.equal(ep.port, 5555)
    throwsCode(() => parseEndpoint("tcp://*:5555", false), "EINVAL")
  })

  void test("wildcard port '*' is for bind only; '0' is taken by connect too, as libzmq does", () => {
    for (const port of ["*", "0"]) {
      const ep = parseEndpoint(`tcp://127.0.0.1:${port}`, true)
      assert.ok(ep.transport === "tcp")
      assert.equal(ep.port, 0, `port ${port}`)
    }
    throwsCode(() => parseEndpoint("tcp://127.0.0.1:*", false), "EINVAL")
    assert.equal((parseEndpoint("tcp://127.0.0.1:0", false) as { port: number }).port, 0)
    const any = parseEndpoint("tcp://*:*", true)
    assert.ok(any.transport === "tcp")
    assert.deepEqual([any.host, any.port], ["*", 0])
    throwsCode(() => parseEndpoint("tcp://*:*", false), "EINVAL")
    const v6 = parseEndpoint("tcp://[::1]:*", true)
    assert.ok(v6.transport === "tcp")
    assert.deepEqual([v6.host, v6.port], ["::1", 0])
  })

  void test("bad ports throw EINVAL", () => {
    for (const ep of [
      "tcp://127.0.0.1:65536",
      "tcp://127.0.0.1:abc",
      "tcp://127.0.0.1:",
      "tcp://127.0.0.1",
      "tcp://localhost",
    ]) {
      for (const forBind of [true, false]) throwsCode(() => parseEndpoint(ep, forBind), "EINVAL")
    }
  })

  void test("a missing host: ENODEV to bind (no interface ''), resolved (and failing) only when a connect dials", () => {
    throwsCode(() => parseEndpoint("tcp://:5555", true), "ENODEV")
    throwsCode(() => parseEndpoint("tcp://[]:5555", true), "ENODEV")
    assert.deepEqual(parseEndpoint("tcp://[]:5555", false), { transport: "tcp", host: "", port: 5555, raw: "tcp://[]:5555" })
    throwsCode(() => parseEndpoint("udp://:5555", false), "EINVAL")
  })

  void test("connect with a source address", () => {
    const ep = parseEndpoint("tcp://127.0.0.1:0;192.168.1.2:5555", false)
    assert.ok(ep.transport === "tcp")
    assert.deepEqual(ep.source, { host: "127.0.0.1", port: 0 })
    assert.equal(ep.host, "192.168.1.2")
    assert.equal(ep.port, 5555)
  })

  void test("the error carries the endpoint as address", () => {
    assert.throws(() => parseEndpoint("tcp://*:1", false), { code: "EINVAL", address: "tcp://*:1" })
  })
})

void describe("parseEndpoint: ipc", () => {
  void test("a file path", () => {
    assert.deepEqual(parseEndpoint("ipc:///tmp/zmq-test.sock", true), { transport: "ipc", path: "/tmp/zmq-test.sock", raw: "ipc:///tmp/zmq-test.sock" })
    const rel = parseEndpoint("ipc://relative.sock", false)
    assert.ok(rel.transport === "ipc")
    assert.equal(rel.path, "relative.sock")
  })

  void test("'@name' is the abstract namespace: leading NUL", () => {
    const ep = parseEndpoint("ipc://@abstract", false)
    assert.ok(ep.transport === "ipc")
    assert.equal(ep.path, "\0abstract")
    assert.equal(ep.raw, "ipc://@abstract")
  })

  void test("an empty path throws EINVAL", () => {
    throwsCode(() => parseEndpoint("ipc://", true), "EINVAL")
  })

  void test("a path too long for sun_path throws ENAMETOOLONG", () => {
    throwsCode(() => parseEndpoint("ipc:///" + "x".repeat(200), true), "ENAMETOOLONG")
  })
})

void describe("parseEndpoint: inproc and others", () => {
  void test("inproc", () => {
    assert.deepEqual(parseEndpoint("inproc://my-endpoint", true), { transport: "inproc", name: "my-endpoint", raw: "inproc://my-endpoint" })
    const ep = parseEndpoint("inproc://a/b:c", false)
    assert.ok(ep.transport === "inproc")
    assert.equal(ep.name, "a/b:c")
  })

  void test("an empty inproc name throws EINVAL", () => {
    throwsCode(() => parseEndpoint("inproc://", false), "EINVAL")
  })

  void test("ports are read as libzmq's atoi() into 16 bits", () => {
    for (const [text, port] of [["99999", 34463], ["12a", 12], [" 80", 80], ["-1", 65535]] as const) {
      assert.equal((parseEndpoint(`tcp://127.0.0.1:${text}`, true) as { port: number }).port, port)
    }
  })

  void test("unknown or unsupported transports throw EPROTONOSUPPORT", () => {
    for (const ep of ["foo://bar", "pgm://eth0;239.192.1.1:5555", "TCP://127.0.0.1:1"]) {
      throwsCode(() => parseEndpoint(ep, false), "EPROTONOSUPPORT")
    }
  })

  void test("ws and wss (RFC 45): host, port and request path, '/' when none; wildcards only to bind", () => {
    assert.deepEqual(parseEndpoint("ws://127.0.0.1:80", false), { transport: "ws", host: "127.0.0.1", port: 80, path: "/", raw: "ws://127.0.0.1:80" })
    assert.deepEqual(parseEndpoint("wss://[::1]:8443/a/b", false), { transport: "wss", host: "::1", port: 8443, path: "/a/b", raw: "wss://[::1]:8443/a/b" })
    assert.deepEqual(parseEndpoint("ws://*:*/zmq", true), { transport: "ws", host: "*", port: 0, path: "/zmq", raw: "ws://*:*/zmq" })
    throwsCode(() => parseEndpoint("ws://*:5555/zmq", false), "EINVAL")
    throwsCode(() => parseEndpoint("ws://127.0.0.1:*/zmq", false), "EINVAL")
    throwsCode(() => parseEndpoint("ws://127.0.0.1/zmq", false), "EINVAL")
  })

  void test("udp (draft sockets): host and port, a wildcard port only to bind", () => {
    assert.deepEqual(parseEndpoint("udp://127.0.0.1:5555", false), { transport: "udp", host: "127.0.0.1", port: 5555, raw: "udp://127.0.0.1:5555" })
    assert.deepEqual(parseEndpoint("udp://*:5555", true), { transport: "udp", host: "*", port: 5555, raw: "udp://*:5555" })
    throwsCode(() => parseEndpoint("udp://127.0.0.1:*", false), "EINVAL")
  })

  void test("no '://' separator throws EINVAL", () => {
    for (const ep of ["127.0.0.1:5555", "tcp:/127.0.0.1:5555", "://x", ""]) throwsCode(() => parseEndpoint(ep, true), "EINVAL")
  })

  void test("errors are ZmqErrors with an errno", () => {
    assert.throws(() => parseEndpoint("foo://bar", true), { code: "EPROTONOSUPPORT", errno: 93 })
    assert.throws(() => parseEndpoint("tcp://x", true), { code: "EINVAL", errno: 22 })
  })
})

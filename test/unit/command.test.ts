import { describe, test } from "node:test"
import assert from "node:assert/strict"
import {
  ProtocolError,
  decodeCommand,
  decodeErrorReason,
  decodeMetadata,
  encodeCommand,
  encodeError,
  encodeMetadata,
  encodePing,
  encodePong,
  encodeReady,
} from "../../src/internal.js"

function ascii(s: string): number[] {
  return [...Buffer.from(s, "ascii")]
}

function throwsProtocol(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`)
    assert.equal(err.reason, reason)
    return true
  })
}

void describe("encodeCommand / decodeCommand", () => {
  void test("layout: name-size, name, data", () => {
    const body = encodeCommand("HELLO", Buffer.from([1, 2, 3]))
    assert.deepEqual([...body], [5, ...ascii("HELLO"), 1, 2, 3])
    assert.deepEqual([...encodeCommand("PONG")], [4, ...ascii("PONG")])
  })

  void test("decodeCommand splits name and data; data is a view", () => {
    const body = Buffer.from([5, ...ascii("READY"), 9, 8, 7])
    const cmd = decodeCommand(body)
    assert.equal(cmd.name, "READY")
    assert.deepEqual([...cmd.data], [9, 8, 7])
    assert.equal(cmd.data.buffer, body.buffer)
    const bare = decodeCommand(Buffer.from([4, ...ascii("PING")]))
    assert.equal(bare.name, "PING")
    assert.equal(bare.data.length, 0)
  })

  void test("a 255-octet name", () => {
    const name = "N".repeat(255)
    const cmd = decodeCommand(encodeCommand(name, Buffer.from("x")))
    assert.equal(cmd.name, name)
    assert.equal(cmd.data.toString(), "x")
  })

  void test("encodeCommand refuses empty and over-long names", () => {
    assert.throws(() => encodeCommand(""), RangeError)
    assert.throws(() => encodeCommand("N".repeat(256)), RangeError)
  })

  void test("decodeCommand on an empty body throws", () => {
    throwsProtocol(() => decodeCommand(Buffer.alloc(0)), "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED")
  })

  void test("decodeCommand on a truncated name throws", () => {
    throwsProtocol(() => decodeCommand(Buffer.from([5, ...ascii("REA")])), "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED")
    throwsProtocol(() => decodeCommand(Buffer.from([1])), "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED")
    throwsProtocol(() => decodeCommand(Buffer.from([255, ...ascii("abc")])), "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED")
  })

  void test("decodeCommand on a zero-length name throws", () => {
    throwsProtocol(() => decodeCommand(Buffer.from([0, 1, 2])), "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED")
  })
})

void describe("READY and metadata", () => {
  void test("encodeReady layout (RFC 37 'The READY Command')", () => {
    const body = encodeReady([
      ["Socket-Type", "PULL"],
      ["Identity", Buffer.alloc(0)],
    ])
    assert.deepEqual([...body], [
      5, ...ascii("READY"),
      11, ...ascii("Socket-Type"), 0, 0, 0, 4, ...ascii("PULL"),
      8, ...ascii("Identity"), 0, 0, 0, 0,
    ])
  })

  void test("round trip: names lower-cased, empty value kept, values exact", () => {
    const bin = Buffer.from([0, 1, 2, 0xff, 0xfe])
    const cmd = decodeCommand(encodeReady([
      ["Socket-Type", "DEALER"],
      ["IDENTITY", Buffer.alloc(0)],
      ["X-Binary", bin],
    ]))
    assert.equal(cmd.name, "READY")
    const meta = decodeMetadata(cmd.data)
    assert.deepEqual([...meta.keys()], ["socket-type", "identity", "x-binary"])
    assert.equal(meta.get("socket-type")?.toString(), "DEALER")
    assert.equal(meta.get("identity")?.length, 0)
    assert.deepEqual(meta.get("x-binary"), bin)
  })

  void test("names compare case-insensitively", () => {
    for (const name of ["socket-type", "SOCKET-TYPE", "Socket-Type", "sOcKeT-tYpE"]) {
      const meta = decodeMetadata(encodeMetadata([[name, "PUSH"]]))
      assert.equal(meta.get("socket-type")?.toString(), "PUSH", name)
      assert.equal(meta.size, 1)
    }
  })

  void test("hand-written metadata decodes", () => {
    const meta = decodeMetadata(Buffer.from([
      11, ...ascii("Socket-Type"), 0, 0, 0, 3, ...ascii("SUB"),
      1, ...ascii("a"), 0, 0, 0, 0,
    ]))
    assert.equal(meta.get("socket-type")?.toString(), "SUB")
    assert.equal(meta.get("a")?.length, 0)
  })

  void test("a 255-character name round-trips; 256 is refused", () => {
    const name = "X-" + "a".repeat(253)
    assert.equal(name.length, 255)
    const meta = decodeMetadata(encodeMetadata([[name, "v"]]))
    assert.equal(meta.get(name.toLowerCase())?.toString(), "v")
    assert.throws(() => encodeMetadata([[name + "b", "v"]]), RangeError)
    assert.throws(() => encodeMetadata([["", "v"]]), RangeError)
  })

  void test("a large value round-trips", () => {
    const value = Buffer.alloc(70_000, 0x5a)
    assert.deepEqual(decodeMetadata(encodeMetadata([["big", value]])).get("big"), value)
  })

  void test("empty metadata is an empty map", () => {
    assert.equal(decodeMetadata(Buffer.alloc(0)).size, 0)
    assert.equal(decodeMetadata(decodeCommand(encodeReady([])).data).size, 0)
  })

  void test("name length past the end throws ERR_ZMTP_INVALID_METADATA", () => {
    throwsProtocol(() => decodeMetadata(Buffer.from([10, ...ascii("abc")])), "ERR_ZMTP_INVALID_METADATA")
    // Name complete but no room for the 4-octet value size.
    throwsProtocol(() => decodeMetadata(Buffer.from([3, ...ascii("abc"), 0, 0, 0])), "ERR_ZMTP_INVALID_METADATA")
    throwsProtocol(() => decodeMetadata(Buffer.from([3, ...ascii("abc")])), "ERR_ZMTP_INVALID_METADATA")
  })

  void test("value length past the end throws ERR_ZMTP_INVALID_METADATA", () => {
    throwsProtocol(() => decodeMetadata(Buffer.from([3, ...ascii("abc"), 0, 0, 0, 5, ...ascii("xy")])), "ERR_ZMTP_INVALID_METADATA")
    // A good property, then a truncated one.
    throwsProtocol(
      () => decodeMetadata(Buffer.from([1, ...ascii("a"), 0, 0, 0, 1, 0x41, 1, ...ascii("b"), 0, 0, 0, 2, 0x42])),
      "ERR_ZMTP_INVALID_METADATA",
    )
  })

  void test("value length 0xFFFFFFFF throws ERR_ZMTP_INVALID_METADATA", () => {
    throwsProtocol(() => decodeMetadata(Buffer.from([3, ...ascii("abc"), 0xff, 0xff, 0xff, 0xff, 1, 2, 3])), "ERR_ZMTP_INVALID_METADATA")
  })

  void test("a zero-length name throws ERR_ZMTP_INVALID_METADATA", () => {
    throwsProtocol(() => decodeMetadata(Buffer.from([0, 0, 0, 0, 0])), "ERR_ZMTP_INVALID_METADATA")
  })
})

void describe("ERROR", () => {
  void test("layout: name, reason-size, reason", () => {
    assert.deepEqual([...encodeError("boom")], [5, ...ascii("ERROR"), 4, ...ascii("boom")])
    assert.deepEqual([...encodeError("")], [5, ...ascii("ERROR"), 0])
  })

  void test("round trip through decodeErrorReason", () => {
    const cmd = decodeCommand(encodeError("Invalid socket type"))
    assert.equal(cmd.name, "ERROR")
    assert.equal(decodeErrorReason(cmd.data), "Invalid socket type")
  })

  void test("a reason longer than 255 octets is cut to 255", () => {
    const cmd = decodeCommand(encodeError("r".repeat(300)))
    assert.equal(cmd.data[0], 255)
    assert.equal(cmd.data.length, 256)
    assert.equal(decodeErrorReason(cmd.data), "r".repeat(255))
  })

  void test("a truncated reason throws", () => {
    throwsProtocol(() => decodeErrorReason(Buffer.alloc(0)), "ERR_ZMTP_MALFORMED_COMMAND_ERROR")
    throwsProtocol(() => decodeErrorReason(Buffer.from([5, ...ascii("ab")])), "ERR_ZMTP_MALFORMED_COMMAND_ERROR")
  })
})

void describe("PING / PONG", () => {
  void test("PING: TTL as 2 octets big-endian, then the context", () => {
    assert.deepEqual([...encodePing(100, Buffer.from("abc"))], [4, ...ascii("PING"), 0x00, 0x64, ...ascii("abc")])
    assert.deepEqual([...encodePing(0x1234, Buffer.alloc(0))], [4, ...ascii("PING"), 0x12, 0x34])
  })

  void test("PING: a TTL beyond 16 bits is clamped to 0xFFFF", () => {
    assert.deepEqual([...encodePing(100_000, Buffer.alloc(0))], [4, ...ascii("PING"), 0xff, 0xff])
  })

  void test("PING: 16 octets of context", () => {
    const ctx = Buffer.from([...Array(16).keys()])
    const cmd = decodeCommand(encodePing(1, ctx))
    assert.equal(cmd.name, "PING")
    assert.equal(cmd.data.readUInt16BE(0), 1)
    assert.deepEqual(cmd.data.subarray(2), ctx)
  })

  void test("PONG: the context alone", () => {
    assert.deepEqual([...encodePong(Buffer.from("abc"))], [4, ...ascii("PONG"), ...ascii("abc")])
    assert.deepEqual([...encodePong(Buffer.alloc(0))], [4, ...ascii("PONG")])
  })
})

void describe("names keep every octet (RFC 37: names are octets, compared exactly)", () => {
  void test("a command name with bit 7 set is not READY", () => {
    const body = Buffer.from([5, 0x52, 0xc5, 0x41, 0x44, 0x59])
    assert.notEqual(decodeCommand(body).name, "READY")
    assert.equal(decodeCommand(body).name, "R\u00c5ADY")
  })

  void test("metadata names fold A-Z only, as libzmq's strncasecmp in the C locale", () => {
    const meta = decodeMetadata(Buffer.concat([encodeMetadata([["Socket-Type", "PUSH"]]), Buffer.from([3, 0xc9, 0x41, 0x42, 0, 0, 0, 1, 0x78])]))
    assert.equal(meta.get("socket-type")?.toString(), "PUSH")
    assert.deepEqual([...meta.keys()], ["socket-type", "\u00c9ab"])
  })
})

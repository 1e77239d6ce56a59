/**
 * zeromq.js's protected get*Option(id) calls libzmq's zmq_getsockopt with a
 * buffer of the getter's size (4 bytes for Int32/Uint32/Bool, 8 for
 * Int64/Uint64, a large one for String) and converts whatever libzmq wrote.
 * libzmq's options_t answers an int option only for exactly 4 bytes and an
 * int64 option only for exactly 8 (else EINVAL), a string option for any
 * buffer that holds it and its NUL; socket_base_t's own read-only options
 * (RCVMORE, EVENTS, THREAD_SAFE, ...) take any buffer of at least 4 bytes.
 * This module reproduces those answers from zmq-ts's stored values.
 */
import { zmqError } from "../errors.js"
import type { OptionType } from "./option-table.js"

/** A value as libzmq stores it: a C int, an int64 or a byte string; `loose` for socket_base_t's ints. */
export type RawStored = { kind: "int"; value: number; loose?: boolean } | { kind: "int64"; value: number } | { kind: "bytes"; value: Buffer }

/** Bytes zeromq.js hands libzmq for a string read (longer than any option value it reads). */
const STRING_BUFFER = 1024

function sizeOf(getter: OptionType): number {
  return getter === "int64" || getter === "uint64" ? 8 : getter === "string" || getter === "curveKey" ? STRING_BUFFER : 4
}

function invalid(): Error {
  return zmqError("EINVAL", "Invalid argument")
}

/** The buffer libzmq fills, zero-initialised as zeromq.js passes it. */
function fill(stored: RawStored, size: number): Buffer {
  const buf = Buffer.alloc(size)
  switch (stored.kind) {
    case "int":
      if (stored.loose === true ? size < 4 : size !== 4) throw invalid()
      buf.writeInt32LE(stored.value | 0)
      return buf
    case "int64":
      if (size !== 8) throw invalid()
      buf.writeBigInt64LE(BigInt(stored.value))
      return buf
    case "bytes":
      // do_getsockopt(std::string): room for the value and its NUL.
      if (size < stored.value.length + 1) throw invalid()
      stored.value.copy(buf)
      return buf
  }
}

/** The value zeromq.js's getter of type `getter` returns for `stored`. */
export function readAsLibzmq(stored: RawStored, getter: OptionType): unknown {
  const buf = fill(stored, sizeOf(getter))
  switch (getter) {
    case "int32":
      return buf.readInt32LE()
    case "uint32":
      return buf.readUInt32LE()
    case "bool":
      return buf.readInt32LE() !== 0
    case "int64":
      return Number(buf.readBigInt64LE())
    case "uint64":
      return Number(buf.readBigUInt64LE())
    default: {
      // zeromq.js makes a string of the C string libzmq wrote, null for an empty option.
      if (stored.kind === "bytes" && stored.value.length === 0) return null
      const nul = buf.indexOf(0)
      return buf.toString("utf8", 0, nul < 0 ? buf.length : nul)
    }
  }
}

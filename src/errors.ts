/**
 * One error type for the whole library. Like zeromq.js, errors carry the
 * POSIX-style `code` string (EAGAIN, EBUSY, ...) and the numeric `errno`
 * libzmq would report on Linux, plus `address` where an endpoint is involved.
 */

/** errno values as libzmq reports them on Linux (ZMQ's own codes start at 156384712). */
const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ENODEV: 19,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EINVAL: 22,
  EMFILE: 24,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOTSUP: 95,
  EPROTONOSUPPORT: 93,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EMSGSIZE: 90,
  ENOTSOCK: 88,
  EPROTO: 71,
  EFSM: 156384763,
  ENOCOMPATPROTO: 156384764,
  ETERM: 156384765,
  EMTHREAD: 156384766,
} as const

/** The errno names a {@link ZmqError} can carry as `code`: POSIX's and libzmq's own (EFSM, ENOCOMPATPROTO, ETERM, EMTHREAD). */
export type ErrorCode = keyof typeof ERRNO

/** zeromq.js's own texts for a few codes, zmq_strerror's (glibc's strerror) for the rest. */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  EAGAIN: "Operation was not possible or timed out",
  EBUSY: "Socket is busy",
  EBADF: "Socket is closed",
  EFAULT: "Context is closed",
  EMFILE: "Too many open file descriptors",
  EADDRINUSE: "Address already in use",
  ENOENT: "No such endpoint",
  EPERM: "Operation not permitted",
  EINTR: "Interrupted system call",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  ENODEV: "No such device",
  EINVAL: "Invalid argument",
  EPIPE: "Broken pipe",
  ENAMETOOLONG: "File name too long",
  EAFNOSUPPORT: "Address family not supported by protocol",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ENETDOWN: "Network is down",
  ENETUNREACH: "Network is unreachable",
  ECONNABORTED: "Software caused connection abort",
  ECONNRESET: "Connection reset by peer",
  ENOTCONN: "Transport endpoint is not connected",
  ETIMEDOUT: "Connection timed out",
  ECONNREFUSED: "Connection refused",
  EFSM: "Operation cannot be accomplished in current state",
  EHOSTUNREACH: "Host unreachable",
  EMSGSIZE: "Message too long",
  ENOTSOCK: "Socket operation on non-socket",
  ENOTSUP: "Operation not supported",
  EPROTONOSUPPORT: "Protocol not supported",
  ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
  ETERM: "Context was terminated",
  EMTHREAD: "No thread available",
  EPROTO: "Protocol error",
}

/**
 * The error zmq-ts throws and rejects with, shaped as zeromq.js's: an
 * `Error` with libzmq's errno name as `code` (EAGAIN, EADDRINUSE,
 * EHOSTUNREACH...), its number as `errno`, and the endpoint as `address`
 * when one was involved. `instanceof Error` holds; test `code`, not the
 * message.
 */
export class ZmqError extends Error {
  /** libzmq's errno name, e.g. "EAGAIN" (a send or receive timed out) or "EADDRINUSE". */
  readonly code: ErrorCode
  /** The errno number for `code`, as libzmq reports it on Linux (EAGAIN 11...). */
  readonly errno: number
  /** The endpoint of the bind, unbind, connect or disconnect that failed, if any. */
  address?: string

  /** An error with `code`, zeromq.js's message for it unless `message` is given, and the `address` involved. */
  constructor(code: ErrorCode, message?: string, address?: string) {
    super(message ?? MESSAGES[code] ?? code)
    this.name = "Error"
    this.code = code
    this.errno = ERRNO[code]
    if (address !== undefined) this.address = address
  }
}

/** The message zeromq.js gives an error with this code. */
export function errorMessage(code: ErrorCode): string {
  return MESSAGES[code] ?? code
}

/** True for the codes zmq-ts knows an errno for. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && code in ERRNO
}

export function zmqError(code: ErrorCode, message?: string, address?: string): ZmqError {
  return new ZmqError(code, message, address)
}

/** Maps a Node.js system error (from net) to our error with the same code where we know it. */
export function fromSystemError(err: unknown, address?: string): ZmqError {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === "string" && code in ERRNO) {
    return new ZmqError(code as ErrorCode, undefined, address)
  }
  const msg = err instanceof Error ? err.message : String(err)
  return new ZmqError("EINVAL", msg, address)
}

/** An error from bind/connect/unbind/disconnect, with the address as given (zeromq.js sets it). */
export function withAddress(err: unknown, address: string): ZmqError {
  const e = err instanceof ZmqError ? err : fromSystemError(err, address)
  if (e.address === undefined) e.address = address
  return e
}

/** Narrows a caught value to an Error without hiding what it was. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

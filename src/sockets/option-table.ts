/**
 * The one table of socket options: zeromq.js name, libzmq constant, value
 * type, access, range, default, which socket classes have it (zeromq.js
 * defines each option on some classes' prototypes only) and whether a new
 * value reaches existing connections. Accessors, validation and the
 * get/set*Option(id) calls are all driven by it.
 */
import { z85Decode, z85Encode, isZ85 } from "../crypto/z85.js"
import { DEFAULT_PEER_SUBSCRIPTION_LIMIT, DEFAULT_SUBSCRIPTION_LIMIT } from "../routing/subscription-budget.js"
import { parseAddressMask, type AddressMask } from "../transport/address-mask.js"

/** How zeromq.js converts a JS value before libzmq sees it. */
export type OptionType = "int32" | "uint32" | "int64" | "uint64" | "bool" | "string" | "curveKey"

/** Stored values, keyed by zeromq.js name. Strings are kept as libzmq sees them: bytes. */
export interface OptionValues {
  /** libzmq's `mechanism` and `as_server`: set by the security options, last one wins. */
  mechanism: null | "plain" | "curve"
  asServer: boolean
  affinity: number
  routingId: Buffer | null
  rate: number
  recoveryInterval: number
  sendBufferSize: number
  receiveBufferSize: number
  linger: number
  reconnectInterval: number
  backlog: number
  reconnectMaxInterval: number
  maxMessageSize: number
  sendHighWaterMark: number
  receiveHighWaterMark: number
  multicastHops: number
  multicastLoop: boolean
  receiveTimeout: number
  sendTimeout: number
  mandatory: boolean
  tcpKeepalive: number
  tcpKeepaliveCount: number
  tcpKeepaliveIdle: number
  tcpKeepaliveInterval: number
  tcpAcceptFilter: Buffer | null
  /** What ZMQ_TCP_ACCEPT_FILTER built up: each value set adds one, null clears them (libzmq's list). */
  acceptFilters: readonly AddressMask[]
  immediate: boolean
  ipv6: boolean
  plainServer: boolean
  plainUsername: Buffer | null
  plainPassword: Buffer | null
  curveServer: boolean
  curvePublicKey: Uint8Array | null
  curveSecretKey: Uint8Array | null
  curveServerKey: Uint8Array | null
  probeRouter: boolean
  correlate: boolean
  relaxed: boolean
  conflate: boolean
  zapDomain: Buffer | null
  handover: boolean
  typeOfService: number
  handshakeInterval: number
  socksProxy: Buffer | null
  socksUsername: Buffer | null
  socksPassword: Buffer | null
  noDrop: boolean
  manual: boolean
  welcomeMessage: Buffer | null
  notify: boolean
  invertMatching: boolean
  heartbeatInterval: number
  heartbeatTimeToLive: number
  heartbeatTimeout: number
  connectTimeout: number
  tcpMaxRetransmitTimeout: number
  multicastMaxTransportDataUnit: number
  vmciBufferSize: number
  vmciBufferMinSize: number
  vmciBufferMaxSize: number
  vmciConnectTimeout: number
  interface: Buffer | null
  zapEnforceDomain: boolean
  loopbackFastPath: boolean
  wssKeyPem: Buffer | null
  wssCertPem: Buffer | null
  wssTrustPem: Buffer | null
  wssHostname: Buffer | null
  wssTrustSystem: boolean
  receiveMemoryLimit: number
  peerSubscriptionLimit: number
  subscriptionLimit: number
}

export type OptionName = keyof OptionValues

/** The public socket classes, by zeromq.js name. */
export type SocketClassName =
  | "Pair" | "Publisher" | "Subscriber" | "Request" | "Reply" | "Dealer" | "Router"
  | "Pull" | "Push" | "XPublisher" | "XSubscriber" | "Stream"
  // zmq-ts/draft (Peer and Channel are libzmq's, not zeromq.js's)
  | "Server" | "Client" | "Radio" | "Dish" | "Gather" | "Scatter" | "Datagram" | "Peer" | "Channel"

/** One socket option, as the table {@link SOCKET_OPTIONS} describes it. */
export interface OptionSpec {
  /** The option's property name on socket classes (zeromq.js's name), e.g. `sendHighWaterMark`. */
  readonly name: OptionName
  /** libzmq's ZMQ_* constant; negative for zmq-ts's own options, which libzmq and zeromq.js do not have. */
  readonly id: number
  /** How the value is converted and checked: see {@link OptionType}. */
  readonly type: OptionType
  /** "w": zeromq.js defines no getter (reads give undefined); "x": get and set fail with EINVAL (not in this build). */
  readonly access: "rw" | "w" | "x"
  /** Classes whose prototype has the accessor; "Socket" for all. */
  readonly on: "Socket" | readonly SocketClassName[]
  /** libzmq's range check, on the converted value (EINVAL when false). */
  readonly valid?: (v: never, current: OptionValues) => boolean
  /** Applies to existing connections: no "next connect/bind" warning. */
  readonly now?: true
  /** null is accepted and changes nothing (zeromq.js hands libzmq a NULL it ignores). */
  readonly keepOnNull?: true
  /** zeromq.js's getter fails with EINVAL (libzmq has no getsockopt for it). */
  readonly writeOnlyInLibzmq?: true
  /**
   * libzmq applies it with setsockopt(2), which Node cannot do on these
   * transports: a bind/connect there with a non-default value fails (`fails`:
   * it would route traffic otherwise) or warns once per process (tuning).
   * See transport/endpoint-options.ts.
   */
  readonly notApplied?: {
    readonly on: readonly ("tcp" | "ipc" | "udp")[]
    readonly fails?: true
    readonly message: string
    /** Only when this option would take effect in libzmq (the keepalive tunings need tcpKeepalive 1). */
    readonly onlyWith?: {
      /** The option it depends on. */
      readonly name: "tcpKeepalive"
      /** The value that option must have. */
      readonly value: number
    }
  }
}

const NO_SETSOCKOPT = "Node exposes no setsockopt for tcp and ipc sockets; the kernel's default is used"

// As zeromq.js lists them, draft classes included.
const WRITABLES: readonly SocketClassName[] = [
  "Pair", "Publisher", "Request", "Reply", "Dealer", "Router", "Push", "XPublisher", "XSubscriber", "Stream",
  "Server", "Client", "Radio", "Scatter", "Datagram", "Peer", "Channel",
]
const READABLES: readonly SocketClassName[] = [
  "Pair", "Subscriber", "Request", "Reply", "Dealer", "Router", "Pull", "XPublisher", "XSubscriber", "Stream",
  "Server", "Client", "Dish", "Gather", "Datagram", "Peer", "Channel",
]
const CONFLATABLES: readonly SocketClassName[] = ["Pull", "Push", "Subscriber", "Publisher", "Dealer", "Scatter", "Gather"]

const atLeast = (min: number) => (v: number): boolean => v >= min
const limitOrNone = (v: number): boolean => v === -1 || v >= 1
const bytes = (min: number, max: number) => (v: Buffer | null): boolean => v !== null && v.length >= min && v.length <= max
/** libzmq's "allow empty, strict": NULL clears; otherwise 1 to max bytes. */
const optionalBytes = (max: number) => (v: Buffer | null): boolean => v === null || (v.length >= 1 && v.length <= max)

/** An address with an optional /mask (IPv6 only with `ipv6`); null clears the filters. */
function acceptFilter(v: Buffer | null, current: OptionValues): boolean {
  return v === null || parseAddressMask(v.toString("latin1"), current.ipv6) !== null
}

/**
 * Every socket option zmq-ts knows, in libzmq's numbering: name, ZMQ_* id,
 * value type, access, the classes that have it, range check and whether it
 * reaches existing connections. The CLI builds its option flags from it;
 * applications can use it to list or validate options generically.
 */
export const SOCKET_OPTIONS: readonly OptionSpec[] = [
  { name: "affinity", id: 4, type: "uint64", access: "rw", on: "Socket" },
  { name: "routingId", id: 5, type: "string", access: "rw", on: ["Request", "Reply", "Router", "Dealer"], valid: bytes(1, 255) },
  { name: "rate", id: 8, type: "int32", access: "rw", on: "Socket", valid: atLeast(1) },
  { name: "recoveryInterval", id: 9, type: "int32", access: "rw", on: "Socket", valid: atLeast(0) },
  // node:dgram sets them for udp.
  { name: "sendBufferSize", id: 11, type: "int32", access: "rw", on: WRITABLES, valid: atLeast(-1), notApplied: { on: ["tcp", "ipc"], message: `sendBufferSize (ZMQ_SNDBUF) is not applied: ${NO_SETSOCKOPT}` } },
  { name: "receiveBufferSize", id: 12, type: "int32", access: "rw", on: READABLES, valid: atLeast(-1), notApplied: { on: ["tcp", "ipc"], message: `receiveBufferSize (ZMQ_RCVBUF) is not applied: ${NO_SETSOCKOPT}` } },
  { name: "linger", id: 17, type: "int32", access: "rw", on: "Socket", valid: atLeast(-1), now: true },
  { name: "reconnectInterval", id: 18, type: "int32", access: "rw", on: "Socket", valid: atLeast(-1) },
  { name: "backlog", id: 19, type: "int32", access: "rw", on: "Socket", valid: atLeast(0) },
  { name: "reconnectMaxInterval", id: 21, type: "int32", access: "rw", on: "Socket", valid: atLeast(0) },
  { name: "maxMessageSize", id: 22, type: "int64", access: "rw", on: "Socket" },
  { name: "sendHighWaterMark", id: 23, type: "int32", access: "rw", on: WRITABLES, valid: atLeast(0), now: true },
  { name: "receiveHighWaterMark", id: 24, type: "int32", access: "rw", on: READABLES, valid: atLeast(0), now: true },
  { name: "multicastHops", id: 25, type: "int32", access: "rw", on: WRITABLES, valid: atLeast(1) },
  { name: "receiveTimeout", id: 27, type: "int32", access: "rw", on: READABLES, valid: atLeast(-1), now: true },
  { name: "sendTimeout", id: 28, type: "int32", access: "rw", on: WRITABLES, valid: atLeast(-1), now: true },
  { name: "mandatory", id: 33, type: "bool", access: "rw", on: ["Router"], now: true, writeOnlyInLibzmq: true },
  { name: "tcpKeepalive", id: 34, type: "int32", access: "rw", on: "Socket", valid: (v: number) => v >= -1 && v <= 1 },
  { name: "tcpKeepaliveCount", id: 35, type: "int32", access: "rw", on: "Socket", valid: atLeast(-1),
    notApplied: { on: ["tcp"], onlyWith: { name: "tcpKeepalive", value: 1 }, message: "tcpKeepaliveCount (ZMQ_TCP_KEEPALIVE_CNT) is not applied: Node cannot set TCP_KEEPCNT; the kernel's default is used" } },
  { name: "tcpKeepaliveIdle", id: 36, type: "int32", access: "rw", on: "Socket", valid: atLeast(-1) },
  { name: "tcpKeepaliveInterval", id: 37, type: "int32", access: "rw", on: "Socket", valid: atLeast(-1),
    notApplied: { on: ["tcp"], onlyWith: { name: "tcpKeepalive", value: 1 }, message: "tcpKeepaliveInterval (ZMQ_TCP_KEEPALIVE_INTVL) is not applied: Node cannot set TCP_KEEPINTVL; the kernel's default is used" } },
  // Deprecated in libzmq but a security control: enforced by tcp listeners bound afterwards. libzmq cannot read it back.
  { name: "tcpAcceptFilter", id: 38, type: "string", access: "rw", on: "Socket", valid: acceptFilter, writeOnlyInLibzmq: true },
  { name: "immediate", id: 39, type: "bool", access: "rw", on: "Socket" },
  { name: "ipv6", id: 42, type: "bool", access: "rw", on: "Socket" },
  { name: "plainServer", id: 44, type: "bool", access: "rw", on: "Socket" },
  { name: "plainUsername", id: 45, type: "string", access: "rw", on: "Socket", valid: optionalBytes(255), keepOnNull: true },
  { name: "plainPassword", id: 46, type: "string", access: "rw", on: "Socket", valid: optionalBytes(255), keepOnNull: true },
  { name: "curveServer", id: 47, type: "bool", access: "rw", on: "Socket" },
  // zeromq.js reads string options into a buffer size libzmq refuses for CURVE keys (EINVAL), so they are write-only.
  { name: "curvePublicKey", id: 48, type: "curveKey", access: "rw", on: "Socket", writeOnlyInLibzmq: true },
  { name: "curveSecretKey", id: 49, type: "curveKey", access: "rw", on: "Socket", writeOnlyInLibzmq: true },
  { name: "curveServerKey", id: 50, type: "curveKey", access: "rw", on: "Socket", writeOnlyInLibzmq: true },
  { name: "probeRouter", id: 51, type: "bool", access: "w", on: ["Router", "Dealer", "Request"], now: true },
  { name: "correlate", id: 52, type: "bool", access: "w", on: ["Request"], now: true },
  { name: "relaxed", id: 53, type: "bool", access: "w", on: ["Request"], now: true },
  { name: "conflate", id: 54, type: "bool", access: "w", on: CONFLATABLES },
  { name: "zapDomain", id: 55, type: "string", access: "rw", on: "Socket", valid: bytes(1, 255) },
  { name: "handover", id: 56, type: "bool", access: "w", on: ["Router"], now: true },
  { name: "typeOfService", id: 57, type: "uint32", access: "rw", on: "Socket", valid: (v: number) => (v | 0) >= 0,
    notApplied: { on: ["tcp", "udp"], message: "typeOfService (ZMQ_TOS) is not applied: Node exposes no way to set IP_TOS on its sockets; packets carry the default type of service" } },
  { name: "handshakeInterval", id: 66, type: "int32", access: "rw", on: "Socket", valid: atLeast(0) },
  { name: "socksProxy", id: 68, type: "string", access: "rw", on: "Socket", valid: optionalBytes(Infinity) },
  { name: "noDrop", id: 69, type: "bool", access: "w", on: ["XPublisher", "Publisher"] },
  { name: "manual", id: 71, type: "bool", access: "w", on: ["XPublisher"] },
  { name: "welcomeMessage", id: 72, type: "string", access: "w", on: ["XPublisher"] },
  { name: "notify", id: 73, type: "bool", access: "w", on: ["Stream"] },
  { name: "invertMatching", id: 74, type: "bool", access: "rw", on: ["Publisher", "Subscriber", "XPublisher"] },
  { name: "heartbeatInterval", id: 75, type: "int32", access: "rw", on: "Socket", valid: atLeast(0) },
  // libzmq keeps it in deciseconds, up to 0xffff of them.
  { name: "heartbeatTimeToLive", id: 76, type: "int32", access: "rw", on: "Socket", valid: (v: number) => Math.trunc(v / 100) >= 0 && Math.trunc(v / 100) <= 0xffff },
  { name: "heartbeatTimeout", id: 77, type: "int32", access: "rw", on: "Socket", valid: atLeast(0) },
  { name: "connectTimeout", id: 79, type: "int32", access: "rw", on: "Socket", valid: atLeast(0) },
  { name: "tcpMaxRetransmitTimeout", id: 80, type: "int32", access: "rw", on: "Socket", valid: atLeast(0),
    notApplied: { on: ["tcp"], message: "tcpMaxRetransmitTimeout (ZMQ_TCP_MAXRT) is not applied: Node cannot set TCP_USER_TIMEOUT; the kernel's default is used" } },
  { name: "multicastMaxTransportDataUnit", id: 84, type: "int32", access: "rw", on: "Socket", valid: atLeast(1) },
  // No VMCI transport, in zeromq.js's libzmq build nor here.
  { name: "vmciBufferSize", id: 85, type: "uint64", access: "x", on: "Socket" },
  { name: "vmciBufferMinSize", id: 86, type: "uint64", access: "x", on: "Socket" },
  { name: "vmciBufferMaxSize", id: 87, type: "uint64", access: "x", on: "Socket" },
  { name: "vmciConnectTimeout", id: 88, type: "int32", access: "x", on: "Socket" },
  // SO_BINDTODEVICE decides where traffic goes: ignoring it would route messages elsewhere.
  { name: "interface", id: 92, type: "string", access: "rw", on: "Socket", valid: optionalBytes(254),
    notApplied: { on: ["tcp", "udp"], fails: true, message: "interface (ZMQ_BINDTODEVICE) is not supported: Node cannot bind a socket to a network device, and traffic must not leave by another one (set interface to null)" } },
  { name: "zapEnforceDomain", id: 93, type: "bool", access: "rw", on: "Socket" },
  { name: "loopbackFastPath", id: 94, type: "bool", access: "rw", on: "Socket" },
  // Draft in libzmq 4.3 (ZMQ_MULTICAST_LOOP); its udp engine applies it to a RADIO sending to a multicast group only.
  { name: "multicastLoop", id: 96, type: "bool", access: "rw", on: ["Radio"] },
  // libzmq's draft wss:// options (zmq.h ZMQ_WSS_*); zeromq.js has none, its libzmq has no wss.
  { name: "wssKeyPem", id: 103, type: "string", access: "rw", on: "Socket", valid: optionalBytes(Infinity) },
  { name: "wssCertPem", id: 104, type: "string", access: "rw", on: "Socket", valid: optionalBytes(Infinity) },
  { name: "wssTrustPem", id: 105, type: "string", access: "rw", on: "Socket", valid: optionalBytes(Infinity) },
  { name: "wssHostname", id: 106, type: "string", access: "rw", on: "Socket", valid: optionalBytes(255) },
  { name: "wssTrustSystem", id: 107, type: "bool", access: "rw", on: "Socket" },
  // libzmq's draft ZMQ_SOCKS_USERNAME/PASSWORD: zeromq.js has them by id only (set/getStringOption(99/100)).
  // libzmq asserts on more than 255 bytes when connecting; refused here when set.
  { name: "socksUsername", id: 99, type: "string", access: "rw", on: "Socket", valid: (v: Buffer | null) => v === null || v.length <= 255 },
  { name: "socksPassword", id: 100, type: "string", access: "rw", on: "Socket", valid: (v: Buffer | null) => v === null || v.length <= 255 },
  // zmq-ts's own memory bounds against hostile peers (docs/security.md); -1: none.
  { name: "receiveMemoryLimit", id: -1, type: "int64", access: "rw", on: "Socket", valid: limitOrNone },
  { name: "peerSubscriptionLimit", id: -2, type: "int64", access: "rw", on: ["Publisher", "XPublisher", "Radio"], valid: limitOrNone, now: true },
  { name: "subscriptionLimit", id: -3, type: "int64", access: "rw", on: ["Publisher", "XPublisher", "Radio"], valid: limitOrNone, now: true },
]

export const SOCKET_OPTION_BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(SOCKET_OPTIONS.map((o) => [o.name, o]))
/** libzmq's options by ZMQ_* constant (zmq-ts's own, with negative ids, are not among them). */
export const SOCKET_OPTION_BY_ID: ReadonlyMap<number, OptionSpec> = new Map(SOCKET_OPTIONS.filter((o) => o.id >= 0).map((o) => [o.id, o]))

/** libzmq's defaults (socket types may override some, as libzmq's do). */
export function defaultOptions(): OptionValues {
  return {
    mechanism: null, asServer: false, affinity: 0, routingId: null, rate: 100, recoveryInterval: 10000, sendBufferSize: -1, receiveBufferSize: -1,
    linger: -1, reconnectInterval: 100, backlog: 100, reconnectMaxInterval: 0, maxMessageSize: -1,
    sendHighWaterMark: 1000, receiveHighWaterMark: 1000, multicastHops: 1, multicastLoop: true, receiveTimeout: -1, sendTimeout: -1,
    mandatory: false, tcpKeepalive: -1, tcpKeepaliveCount: -1, tcpKeepaliveIdle: -1, tcpKeepaliveInterval: -1,
    tcpAcceptFilter: null, acceptFilters: [], immediate: false, ipv6: false, plainServer: false, plainUsername: null, plainPassword: null,
    curveServer: false, curvePublicKey: null, curveSecretKey: null, curveServerKey: null, probeRouter: false,
    correlate: false, relaxed: false, conflate: false, zapDomain: null, handover: false, typeOfService: 0,
    handshakeInterval: 30000, socksProxy: null, socksUsername: null, socksPassword: null, noDrop: false, manual: false, welcomeMessage: null, notify: true,
    invertMatching: false, heartbeatInterval: 0, heartbeatTimeToLive: 0, heartbeatTimeout: -1, connectTimeout: 0,
    tcpMaxRetransmitTimeout: 0, multicastMaxTransportDataUnit: 1500, vmciBufferSize: 0, vmciBufferMinSize: 0,
    vmciBufferMaxSize: 0, vmciConnectTimeout: -1, interface: null, zapEnforceDomain: false, loopbackFastPath: false,
    // 64 MiB: a message that size still arrives whole; a flood of empty frames stops at ~500,000 of them.
    wssKeyPem: null, wssCertPem: null, wssTrustPem: null, wssHostname: null, wssTrustSystem: false,
    receiveMemoryLimit: 64 * 1024 * 1024,
    peerSubscriptionLimit: DEFAULT_PEER_SUBSCRIPTION_LIMIT,
    subscriptionLimit: DEFAULT_SUBSCRIPTION_LIMIT,
  }
}

/** Thrown for a value of the wrong JS type (zeromq.js: TypeError with these messages). */
function typeError(type: OptionType): TypeError {
  if (type === "bool") return new TypeError("Option value must be a boolean")
  if (type === "string" || type === "curveKey") return new TypeError("Option value must be a string or buffer")
  return new TypeError("Option value must be a number")
}

/** INT64 as N-API converts a double: truncated, saturated, NaN as 0. */
function toInt64(v: number): number {
  if (!Number.isFinite(v)) return 0
  return Math.max(-(2 ** 63), Math.min(2 ** 63, Math.trunc(v))) + 0
}

/** UINT64 as zeromq.js converts it (negative as 0, NaN as 2^63). */
function toUint64(v: number): number {
  if (Number.isNaN(v)) return 2 ** 63
  return Math.max(0, Math.min(2 ** 64, Math.trunc(v))) + 0
}

/** A CURVE key as libzmq takes it: 32 raw bytes, or 40 characters of Z85 (41 with a NUL). */
export function decodeCurveKey(raw: Buffer): Uint8Array | null {
  if (raw.length === 32) return Uint8Array.from(raw)
  let text = raw.toString("latin1")
  if (text.length === 41 && text.endsWith("\0")) text = text.slice(0, 40)
  return isZ85(text, 32) ? z85Decode(text) : null
}

/**
 * A string option's value as zeromq.js hands it to libzmq: text as UTF-8,
 * any typed array (Buffer included) as its bytes, null as NULL. Throws what
 * zeromq.js throws for anything else.
 */
export function optionBytes(value: unknown): Buffer | null {
  if (value === null) return null
  if (typeof value === "string") return Buffer.from(value, "utf8")
  // N-API's buffer check takes every ArrayBufferView, but reading a DataView's bytes then fails.
  if (value instanceof DataView) throw new Error("Invalid argument")
  if (!ArrayBuffer.isView(value)) throw typeError("string")
  // No bytes reach libzmq as NULL (an empty string does not).
  return value.byteLength === 0 ? null : Buffer.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
}

export type Invalid = "EINVAL"

/**
 * Converts and checks a value for `spec`: the value to store, or "EINVAL".
 * Throws the TypeError zeromq.js throws for a wrong JS type.
 */
export function convertOption(spec: OptionSpec, value: unknown, current: OptionValues): OptionValues[OptionName] | Invalid {
  let v: number | boolean | Buffer | null
  switch (spec.type) {
    case "bool":
      if (typeof value !== "boolean") throw typeError(spec.type)
      v = value
      break
    case "string":
    case "curveKey":
      v = optionBytes(value)
      break
    default:
      if (typeof value !== "number") throw typeError(spec.type)
      v = spec.type === "int32" ? value | 0 : spec.type === "uint32" ? value >>> 0 : spec.type === "int64" ? toInt64(value) : toUint64(value)
  }
  if (spec.access === "x") return "EINVAL"
  if (spec.type === "curveKey") return v === null ? "EINVAL" : (decodeCurveKey(v as Buffer) ?? "EINVAL")
  if (spec.valid !== undefined && !(spec.valid as (x: typeof v, c: OptionValues) => boolean)(v, current)) return "EINVAL"
  if (spec.name === "heartbeatTimeToLive") v = Math.trunc((v as number) / 100) * 100 + 0
  // zeromq.js passes NULL so that libzmq keeps what it had for these.
  if (v === null && spec.keepOnNull === true) return current[spec.name]
  return v
}

/** The value a getter returns for what is stored, as zeromq.js reports it. */
export function presentOption(spec: OptionSpec, stored: OptionValues[OptionName]): unknown {
  if (spec.type === "curveKey") return stored === null ? null : z85Encode(stored as Uint8Array)
  if (spec.type !== "string") return stored
  const buf = stored as Buffer | null
  if (buf === null || buf.length === 0) return null
  // zeromq.js reads string options back as C strings.
  const nul = buf.indexOf(0)
  return buf.toString("utf8", 0, nul < 0 ? buf.length : nul)
}

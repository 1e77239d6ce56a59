/** Socket classes and option names the conformance cases iterate over. */
import type { Zmq } from "./harness.js"

export const SOCKET_CLASSES = [
  "Pair", "Publisher", "Subscriber", "Request", "Reply", "Dealer", "Router",
  "Pull", "Push", "XPublisher", "XSubscriber", "Stream",
] as const
export type SocketClassName = (typeof SOCKET_CLASSES)[number]

/** A socket as the cases use it: any property may be read or assigned. */
export type AnySocket = Record<string, unknown> & { close(): void; bind(a: string): Promise<void>; connect(a: string): void }

export function make(zmq: Zmq, cls: SocketClassName, options?: unknown): AnySocket {
  const C = zmq[cls] as unknown as new (o?: unknown) => AnySocket
  return options === undefined ? new C() : new C(options)
}

/** Every option name zeromq.js types on some socket, with a valid value for it. */
export const OPTION_VALUES: Record<string, unknown> = {
  affinity: 3,
  rate: 50,
  recoveryInterval: 5000,
  linger: 25,
  reconnectInterval: 200,
  backlog: 7,
  reconnectMaxInterval: 1000,
  maxMessageSize: 4096,
  tcpKeepalive: 1,
  tcpKeepaliveCount: 3,
  tcpKeepaliveIdle: 30,
  tcpKeepaliveInterval: 10,
  immediate: true,
  ipv6: true,
  plainServer: true,
  plainUsername: "user",
  plainPassword: "secret",
  curveServer: true,
  zapDomain: "domain",
  typeOfService: 8,
  handshakeInterval: 5000,
  socksProxy: "proxy:1080",
  heartbeatInterval: 500,
  heartbeatTimeToLive: 1500,
  heartbeatTimeout: 700,
  connectTimeout: 300,
  tcpMaxRetransmitTimeout: 400,
  multicastMaxTransportDataUnit: 1400,
  interface: "lo",
  zapEnforceDomain: true,
  loopbackFastPath: true,
  sendBufferSize: 65536,
  receiveBufferSize: 65536,
  sendHighWaterMark: 50,
  receiveHighWaterMark: 60,
  sendTimeout: 100,
  receiveTimeout: 200,
  multicastHops: 4,
  routingId: "rid",
  mandatory: true,
  probeRouter: true,
  handover: true,
  correlate: true,
  relaxed: true,
  conflate: true,
  noDrop: true,
  manual: true,
  welcomeMessage: "hello",
  notify: false,
  invertMatching: true,
  gssapiServer: true,
  gssapiPrincipal: "p",
  vmciBufferSize: 1024,
  vmciConnectTimeout: 5,
  tcpAcceptFilter: "127.0.0.1",
}

/** Read-only properties of every socket. */
export const READ_ONLY = ["type", "lastEndpoint", "securityMechanism", "threadSafe", "context", "closed", "readable", "writable", "events"] as const

/** A name no socket has. */
export const UNKNOWN = "noSuchOption"

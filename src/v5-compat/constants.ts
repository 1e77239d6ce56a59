/**
 * The numeric constants of zeromq.js's v5 API: libzmq's ZMQ_* values for
 * socket options, socket types, poll states and send flags, as the
 * zeromq v5 bindings exported them (deprecated aliases included).
 */

// Socket options (libzmq's zmq.h numbering).
/** Socket option ZMQ_AFFINITY (4): v6 `affinity`. */
export const ZMQ_AFFINITY = 4
/** Socket option ZMQ_IDENTITY (5): the routing id, v6 `routingId`. */
export const ZMQ_IDENTITY = 5
/** Socket option ZMQ_SUBSCRIBE (6): subscribe a SUB socket to a prefix. */
export const ZMQ_SUBSCRIBE = 6
/** Socket option ZMQ_UNSUBSCRIBE (7): remove a subscription. */
export const ZMQ_UNSUBSCRIBE = 7
/** Socket option ZMQ_RATE (8): v6 `rate`. */
export const ZMQ_RATE = 8
/** Socket option ZMQ_RECOVERY_IVL (9): v6 `recoveryInterval`. */
export const ZMQ_RECOVERY_IVL = 9
/** libzmq 3 renamed it; both names meant the same option. */
export const ZMQ_RECOVERY_IVL_MSEC = 9
/** Socket option ZMQ_SNDBUF (11): v6 `sendBufferSize`. */
export const ZMQ_SNDBUF = 11
/** Socket option ZMQ_RCVBUF (12): v6 `receiveBufferSize`. */
export const ZMQ_RCVBUF = 12
/** Socket option ZMQ_RCVMORE (13): more frames follow (read-only). */
export const ZMQ_RCVMORE = 13
/** Socket option ZMQ_FD (14): no file descriptor in zmq-ts (EINVAL). */
export const ZMQ_FD = 14
/** Socket option ZMQ_EVENTS (15): the ZMQ_POLLIN / ZMQ_POLLOUT bits now (read-only). */
export const ZMQ_EVENTS = 15
/** Socket option ZMQ_TYPE (16): the socket type number (read-only). */
export const ZMQ_TYPE = 16
/** Socket option ZMQ_LINGER (17): v6 `linger`. */
export const ZMQ_LINGER = 17
/** Socket option ZMQ_RECONNECT_IVL (18): v6 `reconnectInterval`. */
export const ZMQ_RECONNECT_IVL = 18
/** Socket option ZMQ_BACKLOG (19): v6 `backlog`. */
export const ZMQ_BACKLOG = 19
/** Socket option ZMQ_RECONNECT_IVL_MAX (21): v6 `reconnectMaxInterval`. */
export const ZMQ_RECONNECT_IVL_MAX = 21
/** Socket option ZMQ_MAXMSGSIZE (22): v6 `maxMessageSize`. */
export const ZMQ_MAXMSGSIZE = 22
/** Socket option ZMQ_SNDHWM (23): v6 `sendHighWaterMark`. */
export const ZMQ_SNDHWM = 23
/** Socket option ZMQ_RCVHWM (24): v6 `receiveHighWaterMark`. */
export const ZMQ_RCVHWM = 24
/** Socket option ZMQ_MULTICAST_HOPS (25): v6 `multicastHops`. */
export const ZMQ_MULTICAST_HOPS = 25
/** Socket option ZMQ_RCVTIMEO (27): v6 `receiveTimeout`. */
export const ZMQ_RCVTIMEO = 27
/** Socket option ZMQ_SNDTIMEO (28): v6 `sendTimeout`. */
export const ZMQ_SNDTIMEO = 28
/** Socket option ZMQ_IPV4ONLY (31): the inverse of ZMQ_IPV6 (deprecated in libzmq). */
export const ZMQ_IPV4ONLY = 31
/** Socket option ZMQ_LAST_ENDPOINT (32): v6 `lastEndpoint` (read-only). */
export const ZMQ_LAST_ENDPOINT = 32
/** Socket option ZMQ_ROUTER_MANDATORY (33): v6 `mandatory`. */
export const ZMQ_ROUTER_MANDATORY = 33
/** Socket option ZMQ_TCP_KEEPALIVE (34): v6 `tcpKeepalive`. */
export const ZMQ_TCP_KEEPALIVE = 34
/** Socket option ZMQ_TCP_KEEPALIVE_CNT (35): v6 `tcpKeepaliveCount`. */
export const ZMQ_TCP_KEEPALIVE_CNT = 35
/** Socket option ZMQ_TCP_KEEPALIVE_IDLE (36): v6 `tcpKeepaliveIdle`. */
export const ZMQ_TCP_KEEPALIVE_IDLE = 36
/** Socket option ZMQ_TCP_KEEPALIVE_INTVL (37): v6 `tcpKeepaliveInterval`. */
export const ZMQ_TCP_KEEPALIVE_INTVL = 37
/** Socket option ZMQ_TCP_ACCEPT_FILTER (38): v6 `tcpAcceptFilter`. */
export const ZMQ_TCP_ACCEPT_FILTER = 38
/** Now called ZMQ_IMMEDIATE. */
export const ZMQ_DELAY_ATTACH_ON_CONNECT = 39
/** Socket option ZMQ_XPUB_VERBOSE (40): pass every subscription up on XPUB (v6 `verbosity`). */
export const ZMQ_XPUB_VERBOSE = 40
/** Socket option ZMQ_ROUTER_RAW (41): libzmq's predecessor of ZMQ_STREAM. */
export const ZMQ_ROUTER_RAW = 41
/** Socket option ZMQ_IPV6 (42): v6 `ipv6`. */
export const ZMQ_IPV6 = 42
/** Socket option ZMQ_MECHANISM (43): 0 NULL, 1 PLAIN, 2 CURVE (read-only). */
export const ZMQ_MECHANISM = 43
/** Socket option ZMQ_PLAIN_SERVER (44): v6 `plainServer`. */
export const ZMQ_PLAIN_SERVER = 44
/** Socket option ZMQ_PLAIN_USERNAME (45): v6 `plainUsername`. */
export const ZMQ_PLAIN_USERNAME = 45
/** Socket option ZMQ_PLAIN_PASSWORD (46): v6 `plainPassword`. */
export const ZMQ_PLAIN_PASSWORD = 46
/** Socket option ZMQ_CURVE_SERVER (47): v6 `curveServer`. */
export const ZMQ_CURVE_SERVER = 47
/** Socket option ZMQ_CURVE_PUBLICKEY (48): v6 `curvePublicKey`. */
export const ZMQ_CURVE_PUBLICKEY = 48
/** Socket option ZMQ_CURVE_SECRETKEY (49): v6 `curveSecretKey`. */
export const ZMQ_CURVE_SECRETKEY = 49
/** Socket option ZMQ_CURVE_SERVERKEY (50): v6 `curveServerKey`. */
export const ZMQ_CURVE_SERVERKEY = 50
/** Socket option ZMQ_ZAP_DOMAIN (55): v6 `zapDomain`. */
export const ZMQ_ZAP_DOMAIN = 55
/** Socket option ZMQ_HEARTBEAT_IVL (75): v6 `heartbeatInterval`. */
export const ZMQ_HEARTBEAT_IVL = 75
/** Socket option ZMQ_HEARTBEAT_TTL (76): v6 `heartbeatTimeToLive`. */
export const ZMQ_HEARTBEAT_TTL = 76
/** Socket option ZMQ_HEARTBEAT_TIMEOUT (77): v6 `heartbeatTimeout`. */
export const ZMQ_HEARTBEAT_TIMEOUT = 77
/** Socket option ZMQ_CONNECT_TIMEOUT (79): v6 `connectTimeout`. */
export const ZMQ_CONNECT_TIMEOUT = 79
// Context options.
/** Context option ZMQ_IO_THREADS (1): see `Context.setMaxThreads`. */
export const ZMQ_IO_THREADS = 1
/** Context option ZMQ_MAX_SOCKETS (2): see `Context.setMaxSockets`. */
export const ZMQ_MAX_SOCKETS = 2
/** Socket option ZMQ_ROUTER_HANDOVER (56): v6 `handover`. */
export const ZMQ_ROUTER_HANDOVER = 56

// Socket types.
/** Socket type ZMQ_PAIR (0): `socket("pair")`. */
export const ZMQ_PAIR = 0
/** Socket type ZMQ_PUB (1): `socket("pub")`. */
export const ZMQ_PUB = 1
/** Socket type ZMQ_SUB (2): `socket("sub")`. */
export const ZMQ_SUB = 2
/** Socket type ZMQ_REQ (3): `socket("req")`. */
export const ZMQ_REQ = 3
/** Socket type ZMQ_REP (4): `socket("rep")`. */
export const ZMQ_REP = 4
/** Socket type ZMQ_DEALER (5): `socket("dealer")`. */
export const ZMQ_DEALER = 5
/** Socket type 5: the old name of ZMQ_DEALER (`"xreq"`). */
export const ZMQ_XREQ = 5
/** Socket type ZMQ_ROUTER (6): `socket("router")`. */
export const ZMQ_ROUTER = 6
/** Socket type 6: the old name of ZMQ_ROUTER (`"xrep"`). */
export const ZMQ_XREP = 6
/** Socket type ZMQ_PULL (7): `socket("pull")`. */
export const ZMQ_PULL = 7
/** Socket type ZMQ_PUSH (8): `socket("push")`. */
export const ZMQ_PUSH = 8
/** Socket type ZMQ_XPUB (9): `socket("xpub")`. */
export const ZMQ_XPUB = 9
/** Socket type ZMQ_XSUB (10): `socket("xsub")`. */
export const ZMQ_XSUB = 10
/** Socket type ZMQ_STREAM (11): `socket("stream")`. */
export const ZMQ_STREAM = 11

// ZMQ_EVENTS bits.
/** ZMQ_EVENTS bit: a message can be received. */
export const ZMQ_POLLIN = 1
/** ZMQ_EVENTS bit: a message can be sent. */
export const ZMQ_POLLOUT = 2
/** ZMQ_EVENTS bit: an error (never set by zmq-ts, nor by libzmq for sockets). */
export const ZMQ_POLLERR = 4

// send() flags.
/** send() flag: this frame is not the last of its message; more follow. */
export const ZMQ_SNDMORE = 2

// What the v5 bindings could do (all of it, here).
/** 1: v5's `monitor()` works. */
export const ZMQ_CAN_MONITOR = 1
/** 1: v5's `disconnect()` works. */
export const ZMQ_CAN_DISCONNECT = 1
/** 1: v5's `unbind()` works. */
export const ZMQ_CAN_UNBIND = 1
/** 1: context options can be set (`Context.setMaxSockets`...). */
export const ZMQ_CAN_SET_CTX = 1

// The v5 bindings' internal socket states, still exported.
/** v5's internal socket state: ready. */
export const STATE_READY = 0
/** v5's internal socket state: busy (a bind or unbind under way). */
export const STATE_BUSY = 1
/** v5's internal socket state: closed. */
export const STATE_CLOSED = 2

/**
 * The short option names of v5 (`sock.identity`, `setsockopt("linger", ...)`);
 * the underscored ones were v5's internal names, still reachable.
 */
export const options = {
  /** `_fd`: ZMQ_FD: v5's internal name; zmq-ts has no file descriptor (reading it fails with EINVAL). */
  _fd: ZMQ_FD,
  /** `_ioevents`: ZMQ_EVENTS: v5's internal name; the ZMQ_POLLIN/ZMQ_POLLOUT bits. */
  _ioevents: ZMQ_EVENTS,
  /** `_receiveMore`: ZMQ_RCVMORE: v5's internal name. */
  _receiveMore: ZMQ_RCVMORE,
  /** `_subscribe`: ZMQ_SUBSCRIBE: v5's internal name; use `subscribe()`. */
  _subscribe: ZMQ_SUBSCRIBE,
  /** `_unsubscribe`: ZMQ_UNSUBSCRIBE: v5's internal name; use `unsubscribe()`. */
  _unsubscribe: ZMQ_UNSUBSCRIBE,
  /** `affinity`: ZMQ_AFFINITY (v6: `affinity`). */
  affinity: ZMQ_AFFINITY,
  /** `backlog`: ZMQ_BACKLOG (v6: `backlog`). */
  backlog: ZMQ_BACKLOG,
  /**
   * `identity`: ZMQ_IDENTITY: the routing id announced to ROUTER peers (v6: `routingId`); REQ, REP, DEALER
   * and ROUTER sockets.
   */
  identity: ZMQ_IDENTITY,
  /** `linger`: ZMQ_LINGER in ms (v6: `linger`). */
  linger: ZMQ_LINGER,
  /** `rate`: ZMQ_RATE (v6: `rate`). */
  rate: ZMQ_RATE,
  /** `rcvbuf`: ZMQ_RCVBUF (v6: `receiveBufferSize`). */
  rcvbuf: ZMQ_RCVBUF,
  /**
   * `last_endpoint`: ZMQ_LAST_ENDPOINT: the last endpoint bound or connected (v6: `lastEndpoint`); with a
   * wildcard tcp port, read it once the bind has completed.
   */
  last_endpoint: ZMQ_LAST_ENDPOINT,
  /** `reconnect_ivl`: ZMQ_RECONNECT_IVL in ms (v6: `reconnectInterval`). */
  reconnect_ivl: ZMQ_RECONNECT_IVL,
  /** `recovery_ivl`: ZMQ_RECOVERY_IVL (v6: `recoveryInterval`). */
  recovery_ivl: ZMQ_RECOVERY_IVL,
  /** `sndbuf`: ZMQ_SNDBUF (v6: `sendBufferSize`). */
  sndbuf: ZMQ_SNDBUF,
  /** `mechanism`: ZMQ_MECHANISM: 0 NULL, 1 PLAIN, 2 CURVE, as the security options select. */
  mechanism: ZMQ_MECHANISM,
  /** `plain_server`: ZMQ_PLAIN_SERVER (v6: `plainServer`). */
  plain_server: ZMQ_PLAIN_SERVER,
  /** `plain_username`: ZMQ_PLAIN_USERNAME (v6: `plainUsername`). */
  plain_username: ZMQ_PLAIN_USERNAME,
  /** `plain_password`: ZMQ_PLAIN_PASSWORD (v6: `plainPassword`). */
  plain_password: ZMQ_PLAIN_PASSWORD,
  /** `curve_server`: ZMQ_CURVE_SERVER (v6: `curveServer`). */
  curve_server: ZMQ_CURVE_SERVER,
  /** `curve_publickey`: ZMQ_CURVE_PUBLICKEY (v6: `curvePublicKey`). */
  curve_publickey: ZMQ_CURVE_PUBLICKEY,
  /** `curve_secretkey`: ZMQ_CURVE_SECRETKEY (v6: `curveSecretKey`). */
  curve_secretkey: ZMQ_CURVE_SECRETKEY,
  /** `curve_serverkey`: ZMQ_CURVE_SERVERKEY (v6: `curveServerKey`). */
  curve_serverkey: ZMQ_CURVE_SERVERKEY,
  /** `zap_domain`: ZMQ_ZAP_DOMAIN (v6: `zapDomain`). */
  zap_domain: ZMQ_ZAP_DOMAIN,
  /** `heartbeat_ivl`: ZMQ_HEARTBEAT_IVL in ms (v6: `heartbeatInterval`). */
  heartbeat_ivl: ZMQ_HEARTBEAT_IVL,
  /** `heartbeat_ttl`: ZMQ_HEARTBEAT_TTL in ms (v6: `heartbeatTimeToLive`). */
  heartbeat_ttl: ZMQ_HEARTBEAT_TTL,
  /** `heartbeat_timeout`: ZMQ_HEARTBEAT_TIMEOUT in ms (v6: `heartbeatTimeout`). */
  heartbeat_timeout: ZMQ_HEARTBEAT_TIMEOUT,
  /** `connect_timeout`: ZMQ_CONNECT_TIMEOUT in ms (v6: `connectTimeout`). */
  connect_timeout: ZMQ_CONNECT_TIMEOUT,
}

/** A v5 short option name: a key of {@link options}. */
export type ShortOptionName = keyof typeof options

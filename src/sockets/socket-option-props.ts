/**
 * The option properties of every socket, typed as zeromq.js types them. The
 * accessors themselves are installed on Socket.prototype from the option
 * table (option-table.ts, option-access.ts); this interface only types them,
 * merged into the Socket class (socket-base.ts), so it costs nothing at run time.
 */
export interface SocketOptionProps {
  /**
   * ZMQ_AFFINITY: I/O thread affinity bitmask of the connections made afterwards. zmq-ts has no I/O threads
   * (all I/O runs in the owning thread's event loop); the value is stored and read back only. Default 0.
   */
  affinity: number
  /**
   * ZMQ_RATE: multicast data rate in kbit/s, for pgm/epgm, which this build (like zeromq.js's) does not have;
   * stored only. Default 100.
   */
  rate: number
  /**
   * ZMQ_RECOVERY_IVL: multicast recovery interval in ms, for pgm/epgm (not in this build); stored only.
   * Default 10000.
   */
  recoveryInterval: number
  /**
   * ZMQ_LINGER: how long, in ms, unsent messages may still be delivered after `close()`. -1 (the default):
   * until delivered; 0: discard at once. Takes effect at once.
   */
  linger: number
  /**
   * ZMQ_RECONNECT_IVL: ms to wait before reconnecting a lost or refused connection; -1: never reconnect.
   * Default 100.
   */
  reconnectInterval: number
  /** ZMQ_BACKLOG: the listen queue length for tcp and ipc binds made afterwards. Default 100. */
  backlog: number
  /**
   * ZMQ_RECONNECT_IVL_MAX: upper bound, in ms, of the exponential reconnect backoff (the interval doubles
   * from `reconnectInterval` up to this); 0 (the default): no backoff.
   */
  reconnectMaxInterval: number
  /**
   * ZMQ_MAXMSGSIZE: the largest message, in bytes, accepted from a peer; a peer sending a larger one is
   * disconnected. -1 (the default): no limit (but see `receiveMemoryLimit`).
   */
  maxMessageSize: number
  /** ZMQ_TCP_KEEPALIVE: SO_KEEPALIVE on tcp connections: 1 on, 0 off, -1 (the default) the OS default. */
  tcpKeepalive: number
  /** ZMQ_TCP_KEEPALIVE_CNT: TCP_KEEPCNT. Node cannot set it: a tcp endpoint made with it (and tcpKeepalive 1) warns once. Default -1. */
  tcpKeepaliveCount: number
  /**
   * ZMQ_TCP_KEEPALIVE_IDLE: TCP_KEEPIDLE, in seconds, for tcp connections; -1 (the default): the OS default.
   */
  tcpKeepaliveIdle: number
  /** ZMQ_TCP_KEEPALIVE_INTVL: TCP_KEEPINTVL. Node cannot set it: a tcp endpoint made with it (and tcpKeepalive 1) warns once. Default -1. */
  tcpKeepaliveInterval: number
  /**
   * ZMQ_TCP_ACCEPT_FILTER: an address (with an optional /mask) a tcp listener bound afterwards accepts
   * connections from; each value set adds one filter, null clears them. Reading it throws EINVAL,
   * as with zeromq.js.
   */
  tcpAcceptFilter: string | null
  /**
   * ZMQ_IMMEDIATE: when true, messages are queued only to connections that have completed their handshake, so
   * a send waits (or fails) instead of queueing to a peer that is not there yet. Default false.
   */
  immediate: boolean
  /**
   * ZMQ_IPV6: when true, a tcp bind to `*` listens on both IPv4 and IPv6, a
   * host name may be bound at its IPv6 address, and `tcpAcceptFilter`
   * takes IPv6 addresses. Default false.
   */
  ipv6: boolean
  /**
   * ZMQ_PLAIN_SERVER: act as the PLAIN server (RFC 24) on binds and connects made afterwards: clients'
   * credentials are checked by the ZAP handler at `inproc://zeromq.zap.01`. Default false.
   */
  plainServer: boolean
  /**
   * ZMQ_PLAIN_USERNAME: the PLAIN client's user name (up to 255 bytes); setting it makes this socket a PLAIN
   * client. null keeps the current value.
   */
  plainUsername: string | null
  /** ZMQ_PLAIN_PASSWORD: the PLAIN client's password (up to 255 bytes). null keeps the current value. */
  plainPassword: string | null
  /**
   * ZMQ_CURVE_SERVER: act as the CURVE server (RFC 26); also set `curveSecretKey`. Without a ZAP handler any
   * client that knows the server's public key is accepted. Default false.
   */
  curveServer: boolean
  /**
   * ZMQ_CURVE_PUBLICKEY: this CURVE client's long-term public key, 40 characters of Z85 (or 32 raw bytes).
   * Reading it throws EINVAL, as with zeromq.js.
   */
  curvePublicKey: string | null
  /**
   * ZMQ_CURVE_SECRETKEY: this socket's long-term CURVE secret key (client or server), Z85 or 32 raw bytes.
   * Reading it throws EINVAL, as with zeromq.js.
   */
  curveSecretKey: string | null
  /**
   * ZMQ_CURVE_SERVERKEY: the server's public key, which makes this socket a CURVE client. Reading it
   * throws EINVAL, as with zeromq.js.
   */
  curveServerKey: string | null
  /** Typed as in zeromq.js; like zeromq.js builds without GSSAPI, these do not exist at run time. */
  gssapiServer: boolean
  /**
   * ZMQ_GSSAPI_PRINCIPAL. Typed as in zeromq.js; GSSAPI is not in this build, so the property does not exist
   * at run time.
   */
  gssapiPrincipal: string | null
  /**
   * ZMQ_GSSAPI_SERVICE_PRINCIPAL. Typed as in zeromq.js; GSSAPI is not in this build, so the property does
   * not exist at run time.
   */
  gssapiServicePrincipal: string | null
  /**
   * ZMQ_GSSAPI_PLAINTEXT. Typed as in zeromq.js; GSSAPI is not in this build, so the property does not exist
   * at run time.
   */
  gssapiPlainText: boolean
  /**
   * ZMQ_GSSAPI_PRINCIPAL_NAMETYPE. Typed as in zeromq.js; GSSAPI is not in this build, so the property does
   * not exist at run time.
   */
  gssapiPrincipalNameType: "hostBased" | "userName" | "krb5Principal"
  /**
   * ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE. Typed as in zeromq.js; GSSAPI is not in this build, so the
   * property does not exist at run time.
   */
  gssapiServicePrincipalNameType: "hostBased" | "userName" | "krb5Principal"
  /**
   * ZMQ_ZAP_DOMAIN: the security domain (1 to 255 bytes) passed to the ZAP handler (RFC 27) with each
   * handshake.
   */
  zapDomain: string | null
  /**
   * ZMQ_TOS: the IP type of service of outgoing packets. Node cannot set IP_TOS, so a tcp or udp endpoint
   * made with a non-default value emits one process warning and uses the default.
   */
  typeOfService: number
  /**
   * ZMQ_HANDSHAKE_IVL: the time, in ms, a new connection has to complete its ZMTP handshake before it is
   * closed; 0: no limit. Default 30000.
   */
  handshakeInterval: number
  /**
   * ZMQ_SOCKS_PROXY: "host:port" of a SOCKS5 proxy (RFC 1928) through which tcp connections made afterwards
   * go; null: direct.
   */
  socksProxy: string | null
  /** SOCKS5 username/password authentication (RFC 1929) with `socksProxy`; null: none. libzmq's ZMQ_SOCKS_USERNAME (draft). */
  socksUsername: string | null
  /** The password for `socksUsername` (ZMQ_SOCKS_PASSWORD). */
  socksPassword: string | null
  /**
   * ZMQ_HEARTBEAT_IVL: send a ZMTP PING (RFC 37) every this many ms on each connection; 0 (the default): no
   * heartbeats.
   */
  heartbeatInterval: number
  /**
   * ZMQ_HEARTBEAT_TTL: the time-to-live, in ms (kept in deciseconds, as libzmq does), announced in PINGs: the
   * peer closes the connection if it hears nothing for that long. 0: none.
   */
  heartbeatTimeToLive: number
  /**
   * ZMQ_HEARTBEAT_TIMEOUT: close a connection when no traffic arrives within this many ms after a PING; -1
   * (the default): `heartbeatInterval`.
   */
  heartbeatTimeout: number
  /**
   * ZMQ_CONNECT_TIMEOUT: give up a tcp connection attempt after this many ms (then retry after
   * `reconnectInterval`); 0 (the default): the OS's timeout.
   */
  connectTimeout: number
  /** ZMQ_TCP_MAXRT: TCP_USER_TIMEOUT in ms. Node cannot set it: a tcp endpoint made with it warns once. Default 0. */
  tcpMaxRetransmitTimeout: number
  /**
   * ZMQ_MULTICAST_MAXTPDU: the largest multicast datagram, for pgm/epgm (not in this build); stored only.
   * Default 1500.
   */
  multicastMaxTransportDataUnit: number
  /**
   * ZMQ_VMCI_BUFFER_SIZE: no VMCI transport in this build (nor in zeromq.js's): reading or setting it fails
   * with EINVAL.
   */
  vmciBufferSize: number
  /** ZMQ_VMCI_BUFFER_MIN_SIZE: no VMCI transport in this build: reading or setting it fails with EINVAL. */
  vmciBufferMinSize: number
  /** ZMQ_VMCI_BUFFER_MAX_SIZE: no VMCI transport in this build: reading or setting it fails with EINVAL. */
  vmciBufferMaxSize: number
  /** ZMQ_VMCI_CONNECT_TIMEOUT: no VMCI transport in this build: reading or setting it fails with EINVAL. */
  vmciConnectTimeout: number
  /**
   * ZMQ_BINDTODEVICE: the network device connections must use. Node cannot bind a socket to a device, so a
   * tcp or udp bind or connect with it set fails (ENOTSUP) rather than let traffic leave elsewhere; null (the
   * default): any.
   */
  interface: string | null
  /**
   * ZMQ_ZAP_ENFORCE_DOMAIN: when true, a handshake that needs a ZAP handler fails when none is bound (instead
   * of admitting the peer), and a CURVE server without `zapDomain` skips ZAP, as libzmq 4.3 does. Default
   * false.
   */
  zapEnforceDomain: boolean
  /** ZMQ_LOOPBACK_FASTPATH: a Windows-only tcp tuning; stored only. */
  loopbackFastPath: boolean
  /**
   * zmq-ts's own (no libzmq equivalent): the memory one tcp/ipc connection may
   * hold in received, unread messages, each frame counted as its size plus
   * FRAME_OVERHEAD. At the limit we stop reading from that peer (TCP
   * backpressure, as at the high-water mark); a single message larger than
   * the limit cannot be received and ends the connection (ENOBUFS). -1: no
   * limit. Takes effect for connections made afterwards. See docs/security.md.
   */
  /** libzmq's draft wss:// options; zeromq.js has none (src/transport/wss.ts). */
  wssKeyPem: string | null
  /** libzmq's draft ZMQ_WSS_CERT_PEM: the certificate chain (PEM text) a `wss://` bind serves. */
  wssCertPem: string | null
  /**
   * libzmq's draft ZMQ_WSS_TRUST_PEM: the CA or self-signed certificate (PEM text) a `wss://` connect trusts.
   */
  wssTrustPem: string | null
  /**
   * libzmq's draft ZMQ_WSS_HOSTNAME: the name the server's certificate must carry, when it is not the host of
   * the `wss://` endpoint.
   */
  wssHostname: string | null
  /**
   * libzmq's draft ZMQ_WSS_TRUST_SYSTEM: when true, a `wss://` connect also trusts the system's root
   * certificates. Default false.
   */
  wssTrustSystem: boolean
  /**
   * zmq-ts's own (no libzmq equivalent): the memory one tcp/ipc connection may hold in received, unread
   * messages. At the limit zmq-ts stops reading from that peer (TCP backpressure); a single larger message
   * ends the connection (ENOBUFS). -1: no limit. Default 64 MiB. See docs/security.md.
   */
  receiveMemoryLimit: number
}

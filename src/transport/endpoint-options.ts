/**
 * Options libzmq hands to setsockopt(2) on its sockets, which Node's net
 * does not expose for stream sockets. No option may be accepted and then
 * silently ignored (issue #9, "no silent no-ops"):
 *
 * - `socksProxy` is applied by tcp connects (socks.ts); one that is no
 *   "host:port" fails the connect rather than being retried forever.
 * - `interface` (SO_BINDTODEVICE) decides which network device traffic
 *   leaves by; ignoring it would route messages where the user said they
 *   must not go, so a tcp or udp bind/connect with it fails.
 * - `sendBufferSize`, `receiveBufferSize` and `typeOfService` only tune;
 *   udp applies the buffer sizes (node:dgram can), and otherwise the first
 *   endpoint that would have used one emits a warning, once per process.
 */
import { zmqError } from "../errors.js"
import type { OptionValues } from "../sockets/option-table.js"
import type { Endpoint } from "./address.js"
import { parseProxyAddress } from "./socks.js"

type Opts = Readonly<OptionValues>

const warned = new Set<string>()

function warnOnce(option: string, why: string): void {
  if (warned.has(option)) return
  warned.add(option)
  process.emitWarning(`zmq-ts: ${option} is not applied: ${why}`, { code: "ZMQ_TS_OPTION_NOT_APPLIED" })
}

/**
 * Throws where an endpoint cannot be made as configured; warns about
 * tuning it cannot apply. Inproc has no kernel socket: nothing applies.
 */
export function checkEndpointOptions(opts: Opts, endpoint: Endpoint, connecting: boolean): void {
  if (endpoint.transport === "inproc") return
  if (connecting && endpoint.transport === "tcp" && opts.socksProxy !== null && parseProxyAddress(opts.socksProxy.toString("utf8")) === null) {
    // libzmq would retry a connect to it forever.
    throw zmqError("EINVAL", `socksProxy must be "host:port"`, endpoint.raw)
  }
  if (opts.interface !== null && endpoint.transport !== "ipc") {
    throw zmqError(
      "ENOTSUP",
      `interface (ZMQ_BINDTODEVICE) is not supported: Node cannot bind a socket to a network device, and traffic must not leave by another one (set interface to null)`,
      endpoint.raw,
    )
  }
  const noSetsockopt = "Node exposes no setsockopt for tcp and ipc sockets; the kernel's default is used"
  if (endpoint.transport !== "udp") {
    if (opts.sendBufferSize !== -1) warnOnce("sendBufferSize (ZMQ_SNDBUF)", noSetsockopt)
    if (opts.receiveBufferSize !== -1) warnOnce("receiveBufferSize (ZMQ_RCVBUF)", noSetsockopt)
  }
  if (opts.typeOfService !== 0 && endpoint.transport !== "ipc") {
    warnOnce("typeOfService (ZMQ_TOS)", "Node exposes no way to set IP_TOS on its sockets; packets carry the default type of service")
  }
}

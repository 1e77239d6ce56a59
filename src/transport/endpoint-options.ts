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
 * - `sendBufferSize`, `receiveBufferSize`, `typeOfService`, the keepalive
 *   count and interval and `tcpMaxRetransmitTimeout` only tune;
 *   udp applies the buffer sizes (node:dgram can), and otherwise the first
 *   endpoint that would have used one emits a warning, once per process.
 *
 * The option table says which (OptionSpec.notApplied).
 */
import { zmqError } from "../errors.js"
import { defaultOptions, SOCKET_OPTIONS, type OptionValues } from "../sockets/option-table.js"
import type { Endpoint } from "./address.js"
import { parseProxyAddress } from "./socks.js"

type Opts = Readonly<OptionValues>

const UNAPPLIED = SOCKET_OPTIONS.filter((o) => o.notApplied !== undefined)
const DEFAULTS = defaultOptions()
const warned = new Set<string>()

/**
 * Throws where an endpoint cannot be made as configured; warns, once per
 * option and process, about tuning it cannot apply. Inproc has no kernel
 * socket: nothing applies.
 */
export function checkEndpointOptions(opts: Opts, endpoint: Endpoint, connecting: boolean): void {
  // epgm has its own socket options (rate, recoveryInterval, multicastHops) and no others apply.
  if (endpoint.transport === "inproc" || endpoint.transport === "epgm") return
  if (connecting && endpoint.transport === "tcp" && opts.socksProxy !== null && parseProxyAddress(opts.socksProxy.toString("utf8")) === null) {
    // libzmq would retry a connect to it forever.
    throw zmqError("EINVAL", `socksProxy must be "host:port"`, endpoint.raw)
  }
  // ws and wss run over tcp: the same kernel socket options (do not) apply.
  const kernel = endpoint.transport === "ws" || endpoint.transport === "wss" ? "tcp" : endpoint.transport
  for (const spec of UNAPPLIED) {
    const { on, fails, message, onlyWith } = spec.notApplied!
    if (!on.includes(kernel) || opts[spec.name] === DEFAULTS[spec.name]) continue
    if (onlyWith !== undefined && opts[onlyWith.name] !== onlyWith.value) continue
    if (fails === true) throw zmqError("ENOTSUP", message, endpoint.raw)
    if (warned.has(spec.name)) continue
    warned.add(spec.name)
    process.emitWarning(`zmq-ts: ${message}`, { code: "ZMQ_TS_OPTION_NOT_APPLIED" })
  }
}

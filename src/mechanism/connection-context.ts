import type { SocketTypeName } from "../sockets/socket-types.js"
import type { MechanismContext } from "./mechanism.js"

/**
 * A connection's MechanismContext whose peer address is looked up only when
 * read: for tcp that is a getpeername(2), and only a ZAP request reads it,
 * which most connections never make (1.4-3% of the CPU of opening 10,000
 * connections went there; docs/performance.md "Many connections"). A class
 * with the getter on its prototype, so that building one per connection
 * stays as cheap as an object literal.
 */
export class ConnectionContext implements MechanismContext {
  #address: string | null
  readonly #lookup: (() => string) | null

  constructor(
    readonly socketType: SocketTypeName,
    readonly routingId: Buffer,
    readonly zapDomain: string | null,
    readonly zapEnforceDomain: boolean,
    peerAddress: string | (() => string),
  ) {
    this.#address = typeof peerAddress === "string" ? peerAddress : null
    this.#lookup = typeof peerAddress === "string" ? null : peerAddress
  }

  /** The peer's address as ZAP reports it, looked up once. */
  get peerAddress(): string {
    return (this.#address ??= this.#lookup!())
  }
}

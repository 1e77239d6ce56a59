/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import type { Msg, Pipe } from "../pipe.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

/**
 * PAIR (RFC 31): talks to exactly one PAIR peer. A second peer is refused
 * while the first is attached (libzmq terminates the new pipe); sending
 * blocks at the high-water mark or while there is no peer.
 */
export class Pair extends Socket {
  /** @internal */
  private pipe: Pipe | null = null

  /**
   * A new Pair socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Pair({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Pair>) {
    super(0, new Internal(options))
    this.seal(options)
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    if (this.pipe === null || (this.pipe.terminated && this.pipe.inbound.length === 0)) {
      this.pipe = pipe
    } else {
      // RFC 31: a PAIR socket SHALL NOT accept more than one connection.
      this.refusePipe(pipe)
    }
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe && pipe.inbound.length === 0) this.pipe = null
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    const pipe = this.pipe
    return pipe !== null && pipe.write(msg)
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    const pipe = this.pipe
    if (pipe === null) return undefined
    const msg = pipe.read()
    if (msg === undefined && pipe.terminated) this.pipe = null
    return msg
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.pipe !== null && this.pipe.inbound.length > 0
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return this.pipe !== null && this.pipe.checkWrite()
  }
}

export interface Pair extends Writable, Readable {}
installOptions(Pair, "Pair")
registerSocketClass(0, Pair)

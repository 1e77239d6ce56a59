import type { WireEncoder } from "../codec/wire.js"
import type { Msg, Pipe, WireMsg } from "../pipe.js"

/**
 * Sends one message to many pipes (libzmq's dist_t): the frames are shared,
 * never copied per peer. A pipe at its high-water mark simply misses the
 * message (RFC 29: the publisher drops rather than blocks), unless the caller
 * checked hasRoom() first (ZMQ_XPUB_NODROP).
 */
export class Distributor {
  readonly pipes = new Set<Pipe>()

  attach(pipe: Pipe): void {
    this.pipes.add(pipe)
  }

  terminated(pipe: Pipe): void {
    this.pipes.delete(pipe)
  }

  /** Writes to every pipe in `targets`; returns how many got it. */
  sendTo(targets: Iterable<Pipe>, msg: Msg): number {
    let n = 0
    for (const pipe of targets) {
      if (pipe.write(msg)) n++
      else if (!pipe.terminated) pipe.owner?.messageDropped?.(pipe, msg)
    }
    return n
  }

  /**
   * sendTo() for a socket that keeps a WireEncoder (PUB, XPUB): the message
   * is marked as the encoder's (WireMsg) once a target with a ZMTP connection
   * is met, so that it is encoded to ZMTP bytes at most once, by the first
   * connection that writes it; every connection that can take it now
   * appends those bytes to its batch (Pipe.writeWire), the others queue it.
   * Returns how many got it.
   */
  sendWire(targets: readonly Pipe[], msg: WireMsg, encoder: WireEncoder): number {
    let n = 0
    for (let i = 0; i < targets.length; i++) {
      const pipe = targets[i]!
      if (msg.wireFrom === undefined && pipe.takesWire) msg.wireFrom = encoder
      if ((msg.wireFrom !== undefined && pipe.writeWire(msg)) || pipe.write(msg)) n++
      else if (!pipe.terminated) pipe.owner?.messageDropped?.(pipe, msg)
    }
    return n
  }

  sendToAll(msg: Msg): number {
    return this.sendTo(this.pipes, msg)
  }

  /** True if every pipe in `targets` has room (arms the wake-up of those that do not). */
  hasRoom(targets: Iterable<Pipe>): boolean {
    let ok = true
    for (const pipe of targets) if (!pipe.checkWrite()) ok = false
    return ok
  }
}

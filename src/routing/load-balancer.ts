import type { Msg, Pipe } from "../pipe.js"
import { PipeArray } from "./pipe-array.js"

/**
 * Round-robin over the pipes that have room (RFC 30 "PUSH": route outgoing
 * messages to connected peers in round-robin fashion, skipping full ones).
 * Messages are queued whole, so a multipart message goes to exactly one peer.
 */
export class LoadBalancer {
  private readonly pipes = new PipeArray()
  private current = 0

  get hasPipes(): boolean {
    return this.pipes.size > 0
  }

  attach(pipe: Pipe): void {
    this.pipes.addActive(pipe)
  }

  activated(pipe: Pipe): void {
    this.pipes.activate(pipe)
  }

  terminated(pipe: Pipe): void {
    const i = this.pipes.remove(pipe)
    if (i >= 0 && this.current >= this.pipes.active) this.current = 0
  }

  /** Sends to the next pipe with room; false if every pipe is full (or there is none). */
  send(msg: Msg): boolean {
    return this.sendTo(msg) !== null
  }

  /** As send(), returning the pipe used. */
  sendTo(msg: Msg): Pipe | null {
    const pipes = this.pipes
    while (pipes.active > 0) {
      const pipe = pipes.items[this.current]!
      if (pipe.write(msg)) {
        this.current = (this.current + 1) % pipes.active
        return pipe
      }
      pipes.deactivateAt(this.current)
      if (this.current >= pipes.active) this.current = 0
    }
    return null
  }

  /**
   * Sends a small one-frame message to the pipe whose turn it is, straight
   * into its connection's batch (Pipe.writeSmall); false (nothing sent, turn
   * unchanged) when that pipe cannot take it so: the caller queues it.
   */
  sendSmall(frame: Uint8Array): boolean {
    const pipes = this.pipes
    if (pipes.active === 0 || !pipes.items[this.current]!.writeSmall(frame)) return false
    this.current = (this.current + 1) % pipes.active
    return true
  }

  /** True if some pipe has room (ZMQ_POLLOUT). */
  hasOut(): boolean {
    const pipes = this.pipes
    while (pipes.active > 0) {
      if (pipes.items[this.current]!.checkWrite()) return true
      pipes.deactivateAt(this.current)
      if (this.current >= pipes.active) this.current = 0
    }
    return false
  }
}

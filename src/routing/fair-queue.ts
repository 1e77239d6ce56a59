import type { Msg, Pipe } from "../pipe.js"
import { PipeArray } from "./pipe-array.js"

/**
 * Fair-queueing over the pipes that have messages (RFC 30 "PULL": receive
 * from connected peers in fair-queued order). One whole message is taken
 * from a pipe before moving to the next.
 */
export class FairQueue {
  private readonly pipes = new PipeArray()
  private current = 0
  /** The pipe the last message came from. */
  lastPipe: Pipe | null = null

  attach(pipe: Pipe): void {
    // A pipe may already hold messages (inproc connect-before-bind).
    if (pipe.inbound.length > 0) this.pipes.addActive(pipe)
    else this.pipes.push(pipe)
  }

  activated(pipe: Pipe): void {
    this.pipes.activate(pipe)
  }

  /** Peer is gone; its queued messages stay readable until drained. */
  terminated(pipe: Pipe): void {
    if (pipe.inbound.length === 0) this.remove(pipe)
  }

  remove(pipe: Pipe): void {
    const i = this.pipes.remove(pipe)
    if (i >= 0 && this.current >= this.pipes.active) this.current = 0
    if (this.lastPipe === pipe) this.lastPipe = null
  }

  recv(): Msg | undefined {
    const pipes = this.pipes
    while (pipes.active > 0) {
      const pipe = pipes.items[this.current]!
      const msg = pipe.read()
      if (msg !== undefined) {
        this.lastPipe = pipe
        this.current = (this.current + 1) % pipes.active
        return msg
      }
      if (pipe.terminated) {
        this.remove(pipe)
      } else {
        pipes.deactivateAt(this.current)
        if (this.current >= pipes.active) this.current = 0
      }
    }
    return undefined
  }

  hasIn(): boolean {
    const pipes = this.pipes
    while (pipes.active > 0) {
      const pipe = pipes.items[this.current]!
      if (pipe.inbound.length > 0) return true
      if (pipe.terminated) {
        this.remove(pipe)
      } else {
        pipes.deactivateAt(this.current)
        if (this.current >= pipes.active) this.current = 0
      }
    }
    return false
  }
}

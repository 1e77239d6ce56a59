import { ProtocolError } from "../codec/protocol-error.js"
import type { Pipe } from "../pipe.js"

/**
 * What one subscription (a PUB/XPUB topic, a RADIO group) costs as the
 * limits count it: its bytes plus this. Measured: about 145 bytes of heap a
 * subscription for a million distinct 4-byte topics (trie node, edge, the
 * peer's index); counted a little above so the limits bound real memory.
 */
export const SUBSCRIPTION_OVERHEAD = 256

/** Defaults: ~260,000 short topics from one peer, ~2 million in all. */
export const DEFAULT_PEER_SUBSCRIPTION_LIMIT = 64 * 1024 * 1024
export const DEFAULT_SUBSCRIPTION_LIMIT = 512 * 1024 * 1024

/**
 * Holds what peers subscribe to (topics, groups) to a per-peer and a
 * per-socket bound, so that a hostile peer's SUBSCRIBE or JOIN flood cannot
 * grow our memory until the process dies. libzmq has no such bound; a peer
 * that crosses one is disconnected (docs/security.md).
 */
export class SubscriptionBudget {
  private readonly costOf = new Map<Pipe, number>()
  /** Sum of every peer's cost. */
  total = 0

  /**
   * Counts a new subscription of `size` bytes for `pipe`, under the socket's
   * current limits (-1: none). Returns null when it fits; otherwise counts
   * nothing and returns the error to close the peer's connection with.
   */
  add(pipe: Pipe, size: number, peerLimit: number, limit: number): ProtocolError | null {
    const cost = size + SUBSCRIPTION_OVERHEAD
    const peerCost = (this.costOf.get(pipe) ?? 0) + cost
    if (peerLimit >= 0 && peerCost > peerLimit) return refusal("peerSubscriptionLimit", peerLimit)
    if (limit >= 0 && this.total + cost > limit) return refusal("subscriptionLimit", limit)
    this.costOf.set(pipe, peerCost)
    this.total += cost
    return null
  }

  /** Uncounts one subscription of `size` bytes that `pipe` had. */
  remove(pipe: Pipe, size: number): void {
    const cost = size + SUBSCRIPTION_OVERHEAD
    const left = (this.costOf.get(pipe) ?? cost) - cost
    if (left > 0) this.costOf.set(pipe, left)
    else this.costOf.delete(pipe)
    this.total -= cost
  }

  /** Uncounts everything `pipe` had. */
  forget(pipe: Pipe): void {
    this.total -= this.costOf.get(pipe) ?? 0
    this.costOf.delete(pipe)
  }
}

function refusal(option: string, limit: number): ProtocolError {
  return new ProtocolError("ENOBUFS", `subscriptions past ${option} (${limit} bytes)`)
}

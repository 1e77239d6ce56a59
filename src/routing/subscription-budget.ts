import { ProtocolError } from "../codec/protocol-error.js"
import { zmqError } from "../errors.js"
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
  private peerMax = DEFAULT_PEER_SUBSCRIPTION_LIMIT
  private max = DEFAULT_SUBSCRIPTION_LIMIT
  private readonly costOf = new Map<Pipe, number>()
  /** Sum of every peer's cost. */
  total = 0

  get peerLimit(): number {
    return this.peerMax
  }
  set peerLimit(value: number) {
    this.peerMax = checkLimit(value)
  }

  get limit(): number {
    return this.max
  }
  set limit(value: number) {
    this.max = checkLimit(value)
  }

  /**
   * Counts a new subscription of `size` bytes for `pipe`. Returns null when
   * it fits; otherwise counts nothing and returns the error to close the
   * peer's connection with.
   */
  add(pipe: Pipe, size: number): ProtocolError | null {
    const cost = size + SUBSCRIPTION_OVERHEAD
    const peerCost = (this.costOf.get(pipe) ?? 0) + cost
    if (this.peerMax >= 0 && peerCost > this.peerMax) return refusal("peerSubscriptionLimit", this.peerMax)
    if (this.max >= 0 && this.total + cost > this.max) return refusal("subscriptionLimit", this.max)
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

function checkLimit(value: number): number {
  if (!Number.isSafeInteger(value) || (value < 1 && value !== -1)) throw zmqError("EINVAL")
  return value
}

function refusal(option: string, limit: number): ProtocolError {
  return new ProtocolError("ENOBUFS", `subscriptions past ${option} (${limit} bytes)`)
}

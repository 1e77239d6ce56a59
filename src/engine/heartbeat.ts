/**
 * The timers of RFC 37's heartbeats for one connection, as libzmq keeps
 * them: the PING interval, the heartbeat timeout armed by our PING, and the
 * TTL armed by the peer's PING. Any traffic from the peer disarms the last
 * two (peerAlive); either one expiring ends the connection (onTimeout).
 */
export class Heartbeat {
  /** The pong or TTL timer is armed: the engine calls peerAlive() on the peer's traffic only then. */
  armed = false
  private pingTimer: NodeJS.Timeout | null = null
  /** Armed when we PING; any traffic from the peer disarms it (libzmq's heartbeat timeout). */
  private pongTimer: NodeJS.Timeout | null = null
  /** Armed by the peer's PING TTL; any traffic from the peer disarms it. */
  private ttlTimer: NodeJS.Timeout | null = null
  private readonly onTimeout: () => void

  constructor(onTimeout: () => void) {
    this.onTimeout = onTimeout
  }

  /** ZMQ_HEARTBEAT_IVL: calls `ping` every `interval` ms until stop(). */
  start(interval: number, ping: () => void): void {
    this.pingTimer = setInterval(ping, interval)
    this.pingTimer.unref()
  }

  /** We sent a PING: without traffic from the peer for `timeout` ms, the connection is dead. */
  pinged(timeout: number): void {
    if (this.pongTimer !== null || timeout <= 0) return
    this.pongTimer = setTimeout(this.onTimeout, timeout)
    this.pongTimer.unref()
    this.armed = true
  }

  /** The peer's PING carried a TTL (in ms here): without traffic from it for that long, the connection is dead. */
  peerTtl(ttl: number): void {
    if (ttl <= 0 || this.ttlTimer !== null) return
    this.ttlTimer = setTimeout(this.onTimeout, ttl)
    this.ttlTimer.unref()
    this.armed = true
  }

  /** Any frame from the peer proves it alive: disarm both timeouts. */
  peerAlive(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer)
    if (this.ttlTimer !== null) clearTimeout(this.ttlTimer)
    this.pongTimer = null
    this.ttlTimer = null
    this.armed = false
  }

  stop(): void {
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
    this.peerAlive()
  }
}

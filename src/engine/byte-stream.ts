/**
 * The connection as an engine uses it: an ordered, reliable byte stream with
 * backpressure. A node:net or node:tls socket is one; the ZWS transport
 * (src/transport/ws/zws-stream.ts) presents a WebSocket connection as one,
 * so that the engine does not depend on node:net.
 */
export interface ByteStream {
  on(event: "data", listener: (chunk: Buffer) => void): this
  on(event: "end" | "close" | "drain", listener: () => void): this
  on(event: "error", listener: (error: Error) => void): this
  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean
  pause(): this
  resume(): this
  cork(): void
  uncork(): void
  end(): this
  destroy(error?: Error): this
  readonly destroyed: boolean
  readonly writableLength: number
  readonly remoteAddress?: string | undefined
}

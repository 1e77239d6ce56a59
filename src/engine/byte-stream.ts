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
  /**
   * Present when the stream lets its reader choose where each read lands
   * (src/transport/direct-read.ts): the reader then gets every byte through
   * `reader` instead of 'data' events.
   */
  readDirect?(reader: StreamReader): void
}

/** A reader that can take bytes straight into buffers of its own (a large frame's body). */
export interface StreamReader {
  /** Where the next read should land, or null for anywhere (the bytes then come to onChunk). */
  readTarget(): Buffer | null
  /** `n` bytes were read into the start of the buffer readTarget() returned last. */
  targetFilled(n: number): void
  /** Bytes read into memory of the stream's choosing, as a 'data' event would bring them; never reused. */
  onChunk(chunk: Buffer): void
}

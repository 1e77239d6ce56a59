/**
 * Frames that cross threads without being copied: a frame whose memory is
 * already a SharedArrayBuffer (e.g. `Buffer.from(new SharedArrayBuffer(n))`)
 * travels as a descriptor (buffer id, offset, length) in the ring, and the
 * receiver hands out a Buffer view over the same memory. The buffer itself is
 * posted to the receiving thread once per connection and cached there.
 *
 * This is libzmq's and zeromq.js's zero-copy contract (zeromq.js passes
 * frames above 128 B to libzmq by pointer): the sender must not modify a
 * frame after sending it. A frame in ordinary (non-shared) memory cannot be
 * seen by another thread, so it is copied: through the ring, or from 64 KiB
 * through a reusable slab (slab-pool.ts).
 *
 * Why not the alternatives (measured on the loaded 2-core box, 1 MiB):
 * allocating memory for the receiver per message costs more than the copy
 * itself (a fresh 1 MiB Buffer 100-400 us, a fresh SharedArrayBuffer ~1.6 ms,
 * against ~120 us to copy 1 MiB), so transferring a copied ArrayBuffer over a
 * MessagePort reached only 400-1,600 msg/s; and a pooled shared slab whose
 * chunks are handed out as views could only be reused once the application's
 * view is garbage collected, which V8 does not hurry for small view objects.
 */

/** Frames shorter than this are copied: a view costs more than copying a few KiB. */
export const SHARE_MIN = 16 * 1024

/** The length word that marks a shared frame in the ring; three words follow: id, offset, length. */
export const SHARED_MARK = 0xffffffff

/** Whether `frame` can travel as a descriptor. */
export function shareable(frame: Buffer): boolean {
  return (
    frame.length >= SHARE_MIN &&
    frame.buffer instanceof SharedArrayBuffer &&
    frame.byteOffset + frame.length < SHARED_MARK
  )
}

/** What the sending side needs from the connection: posting to the receiving thread. */
export interface ShareLink {
  /** Posts `sab` under `id` to the reading side; arrives after, or before, the descriptor. */
  share(id: number, sab: SharedArrayBuffer): void
  /** The sender dropped buffer `id`: the reader may forget it once it has read `after` messages. */
  unshare(id: number, after: number): void
}

interface Held {
  sender: SharedSender
  id: number
}

// Ids are per sender; a buffer the application dropped tells the reader so
// that the reader's cache does not keep it alive for the connection's life.
const dropped = new FinalizationRegistry<Held>((h) => h.sender.dropped(h.id))

/** The writing side's ids of the buffers already posted over one connection. */
export class SharedSender {
  private readonly ids = new WeakMap<SharedArrayBuffer, number>()
  private next = 1
  private closed = false

  constructor(
    private readonly link: ShareLink,
    /** Messages the writer has started so far (the reader's sequence). */
    private readonly started: () => number,
  ) {}

  /** The id of `sab` on this connection, posting it to the reader the first time. */
  idOf(sab: SharedArrayBuffer): number {
    let id = this.ids.get(sab)
    if (id === undefined) {
      id = this.next++
      this.ids.set(sab, id)
      this.link.share(id, sab)
      dropped.register(sab, { sender: this, id })
    }
    return id
  }

  dropped(id: number): void {
    if (!this.closed) this.link.unshare(id, this.started())
  }

  close(): void {
    this.closed = true
  }
}

/** The reading side's cache of the buffers posted over one connection. */
export class SharedReceiver {
  private readonly buffers = new Map<number, SharedArrayBuffer>()
  /** Buffers to forget once this many messages have been read. */
  private readonly forget: { id: number; after: number }[] = []
  /** Messages read so far. */
  private read = 0

  add(id: number, sab: SharedArrayBuffer): void {
    this.buffers.set(id, sab)
  }

  get(id: number): SharedArrayBuffer | undefined {
    return this.buffers.get(id)
  }

  /** Descriptors of buffer `id` may still be in the ring, up to message `after`. */
  remove(id: number, after: number): void {
    this.forget.push({ id, after })
    this.sweep()
  }

  /** `n` more messages were read. */
  advanced(n: number): void {
    this.read += n
    if (this.forget.length > 0) this.sweep()
  }

  private sweep(): void {
    for (let i = this.forget.length - 1; i >= 0; i--) {
      const f = this.forget[i]!
      if (((this.read - f.after) | 0) < 0) continue
      this.buffers.delete(f.id)
      this.forget.splice(i, 1)
    }
  }
}

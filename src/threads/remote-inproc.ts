/**
 * inproc:// between threads for the default context.
 *
 * Discovery goes through one process-wide BroadcastChannel: a connecter
 * whose endpoint is not bound in its own thread announces the connection
 * (with the SharedArrayBuffer of its two rings); the thread that has the
 * name bound accepts, and from then on messages only go through the rings
 * (thread-peer.ts). A later bind announces itself, so connect-before-bind
 * works across threads too. Control messages are rare (one per
 * connection), so every thread hearing each of them costs little.
 *
 * A thread that ends without closing its sockets cannot say so itself (a
 * terminated worker runs no more JavaScript), so the thread that started it
 * announces its end from the Worker's `exit` event (process `worker` event);
 * its peers then see a disconnect.
 */
import { BroadcastChannel, threadId, type Worker } from "node:worker_threads"
import { Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import { claimName, releaseName, releaseThread } from "./process-state.js"
import { RingWriter } from "./ring.js"
import { connectionBuffer, CountingQueue, RingOutbound, ThreadPeer } from "./thread-peer.js"

const CHANNEL = "zmq-ts:inproc:1"

type Control =
  | { t: "connect"; id: string; name: string; from: number; sab: SharedArrayBuffer; snd: number; rcv: number; rid: Uint8Array }
  | { t: "accept"; id: string; to: number; from: number; snd: number; rcv: number; rid: Uint8Array }
  | { t: "bound"; name: string }
  | { t: "dead"; tid: number }
  | { t: "share"; id: string; to: number; sid: number; sab: SharedArrayBuffer }
  | { t: "unshare"; id: string; to: number; sid: number; after: number }

/** What the registry of the default context lets us see of it. */
export interface LocalInproc {
  binderOf(name: string): Socket | undefined
  /** A remote thread accepted a connection that was pending here. */
  forgetPending(own: Pipe, name: string): void
}

interface Waiting {
  socket: Socket
  name: string
  own: Pipe
  msg: Control & { t: "connect" }
  /** The socket closed before any thread accepted: deliver within linger once one does. */
  closing?: { deadline: number; done: () => void }
}

interface Live {
  peer: ThreadPeer
  tid: number
  binder: Socket | null
}

let counter = 0

export class RemoteInproc {
  private readonly channel = new BroadcastChannel(CHANNEL)
  private readonly waiting = new Map<string, Waiting>()
  private readonly live = new Map<string, Live>()

  constructor(private readonly local: LocalInproc) {
    this.channel.onmessage = (event) => this.heard((event as { data: Control }).data)
    // Discovery must not keep a finished program alive; waiting send()/receive() do.
    this.channel.unref()
    process.on("worker", (worker: Worker) => {
      const tid = worker.threadId
      worker.once("exit", () => {
        this.post({ t: "dead", tid })
        this.heard({ t: "dead", tid })
      })
    })
  }

  /** A pipe for a connect not bound in this thread, with an inbound queue that reports what the socket takes. */
  pendingPipes(sndhwm: number, rcvhwm: number): [Pipe, Pipe] {
    const ab = new RingOutbound(sndhwm)
    const ba = new CountingQueue(rcvhwm)
    const own = new Pipe(ba, ab)
    const other = new Pipe(ab, ba)
    own.inprocPeer = other
    other.inprocPeer = own
    return [own, other]
  }

  claim(name: string): boolean {
    return claimName(name)
  }

  bound(name: string): void {
    this.post({ t: "bound", name })
  }

  unbound(name: string): void {
    releaseName(name)
  }

  /** Asks the other threads for the binder of `name`. */
  connect(socket: Socket, name: string, own: Pipe): void {
    const id = `${threadId}:${++counter}`
    const msg: Control & { t: "connect" } = {
      t: "connect",
      id,
      name,
      from: threadId,
      sab: connectionBuffer(),
      snd: socket.opts.sendHighWaterMark,
      rcv: socket.opts.receiveHighWaterMark,
      rid: socket.routingIdForPeers,
    }
    this.waiting.set(id, { socket, name, own, msg })
    this.post(msg)
  }

  /** The connecting pipe was bound locally, or given up: no remote connection for it. */
  forget(own: Pipe): void {
    for (const [id, w] of this.waiting) {
      if (w.own !== own) continue
      this.waiting.delete(id)
      // A binder that accepts anyway sees the connection closed at once.
      new RingWriter(w.msg.sab, 0, w.msg.sab.byteLength / 2, () => undefined).close()
    }
  }

  /**
   * A connect no thread has accepted yet is closed. libzmq's inproc connect
   * finds a bound peer at once; ours asks the other threads, so messages
   * sent meanwhile wait for the answer, within `linger` (-1: no limit).
   */
  closePending(own: Pipe, linger: number): Promise<void> {
    const w = [...this.waiting.values()].find((x) => x.own === own)
    if (w === undefined || linger === 0 || own.outbound.length === 0) {
      this.forget(own)
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = linger > 0 ? setTimeout(() => {
        this.forget(own)
        resolve()
      }, linger) : null
      w.closing = {
        deadline: linger > 0 ? Date.now() + linger : -1,
        done: () => {
          if (timer !== null) clearTimeout(timer)
          resolve()
        },
      }
    })
  }

  /** Closes the connection behind a connecting pipe (disconnect or close). */
  closeConnect(own: Pipe, linger: number): Promise<void> {
    this.forget(own)
    for (const live of this.live.values()) if (live.peer.pipeIs(own)) return live.peer.close(linger)
    return Promise.resolve()
  }

  /** The binder socket closed: its accepted connections linger and close. */
  closeAccepted(binder: Socket, linger: number): Promise<void> {
    const closing: Promise<void>[] = []
    for (const live of this.live.values()) if (live.binder === binder) closing.push(live.peer.close(linger))
    return Promise.all(closing).then(() => undefined)
  }

  private post(msg: Control): void {
    this.channel.postMessage(msg)
  }

  private heard(msg: Control): void {
    switch (msg.t) {
      case "connect":
        return this.accept(msg)
      case "accept":
        return this.accepted(msg)
      case "bound":
        for (const w of this.waiting.values()) if (w.name === msg.name) this.post(w.msg)
        return
      case "share":
        if (msg.to === threadId) this.live.get(msg.id)?.peer.sharedArrived(msg.sid, msg.sab)
        return
      case "unshare":
        if (msg.to === threadId) this.live.get(msg.id)?.peer.sharedDropped(msg.sid, msg.after)
        return
      case "dead":
        releaseThread(msg.tid)
        for (const live of [...this.live.values()]) if (live.tid === msg.tid) live.peer.peerGone()
        for (const id of [...this.waiting.keys()]) if (id.startsWith(`${msg.tid}:`)) this.waiting.delete(id)
        return
    }
  }

  private accept(msg: Control & { t: "connect" }): void {
    const binder = this.local.binderOf(msg.name)
    if (binder === undefined || binder.closed || this.live.has(msg.id)) return
    // libzmq: a direction holds SNDHWM + RCVHWM, unlimited if either is 0.
    const both = binder.opts.sendHighWaterMark !== 0 && msg.rcv !== 0
    const pipe = new Pipe(new CountingQueue(0), new RingOutbound(both ? binder.opts.sendHighWaterMark : 0))
    pipe.endpoint = `inproc://${msg.name}`
    pipe.routingId = Buffer.from(msg.rid)
    pipe.handshakes = 1
    this.post({
      t: "accept",
      id: msg.id,
      to: msg.from,
      from: threadId,
      snd: binder.opts.sendHighWaterMark,
      rcv: binder.opts.receiveHighWaterMark,
      rid: binder.routingIdForPeers,
    })
    binder.attachPipe(pipe)
    this.start(msg.id, msg.from, binder, pipe, msg.sab, 1, both ? msg.rcv : 0)
  }

  private accepted(msg: Control & { t: "accept" }): void {
    if (msg.to !== threadId) return
    const w = this.waiting.get(msg.id)
    if (w === undefined) return
    this.waiting.delete(msg.id)
    const { socket, own } = w
    this.local.forgetPending(own, w.name)
    // From now on the pipe's far side is the other thread, not a local pipe.
    own.inprocPeer = null
    const both = w.msg.snd !== 0 && msg.rcv !== 0
    own.outbound.setHwm(both ? w.msg.snd : 0)
    own.inbound.setHwm(0)
    own.routingId = Buffer.from(msg.rid)
    own.handshakes = 1
    const peer = this.start(msg.id, msg.from, null, own, w.msg.sab, 0, both ? msg.rcv : 0)
    const closing = w.closing
    if (closing !== undefined) {
      void peer.close(closing.deadline < 0 ? -1 : Math.max(1, closing.deadline - Date.now())).then(closing.done)
      return
    }
    socket.pipeHandshaken(own)
  }

  private start(id: string, tid: number, binder: Socket | null, pipe: Pipe, sab: SharedArrayBuffer, side: 0 | 1, peerReceiveHwm: number): ThreadPeer {
    // A shared buffer is posted once per connection, to the other thread only
    // (the others drop it unread); rare next to the messages that refer to it.
    const link = {
      share: (sid: number, buf: SharedArrayBuffer) => this.post({ t: "share", id, to: tid, sid, sab: buf }),
      unshare: (sid: number, after: number) => this.post({ t: "unshare", id, to: tid, sid, after }),
    }
    const peer = new ThreadPeer(pipe, sab, { side, peerReceiveHwm, ended: () => this.live.delete(id), link })
    if (!peer.finished) this.live.set(id, { peer, tid, binder })
    return peer
  }
}

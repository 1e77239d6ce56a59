/**
 * The default context across worker threads, on zeromq and zmq-ts alike:
 * one context for the process, so inproc reaches sockets of other threads
 * and its options are the same in every thread.
 */
import { describe } from "node:test"
import { conform } from "./harness.js"
import { ThreadPeer } from "../helpers/threads.js"

void describe("conformance: worker threads", () => {
  conform("inproc: a PULL in a worker connects to a PUSH bound in the main thread, both ways, connect before bind", async (zmq, t) => {
    const w = await ThreadPeer.start(t.lib)
    try {
      const ep = t.endpoint("inproc")
      const push = t.track(new zmq.Push({ linger: 0 }))
      await push.bind(ep)
      const pull = await w.socket("Pull")
      await pull.connect(ep)
      await push.send(["to", "worker"])
      const down = await pull.receive()
      // Connect before bind: the worker binds after the main thread connected.
      const ep2 = `${ep}-up`
      const pull2 = t.track(new zmq.Pull({ linger: 0 }))
      const push2 = await w.socket("Push")
      await push2.connect(ep2)
      await push2.send("queued")
      await pull2.bind(ep2)
      const up = (await pull2.receive()).map(String)
      return { down, up }
    } finally {
      await w.exit()
    }
  }, { expect: { down: ["to", "worker"], up: ["queued"] } })

  conform("context: an option set in the main thread is read in a worker started afterwards; a name bound here is taken there", async (zmq, t) => {
    const before = zmq.context.ioThreads
    zmq.context.ioThreads = 3
    const w = await ThreadPeer.start(t.lib)
    try {
      const ep = t.endpoint("inproc")
      const rep = t.track(new zmq.Reply({ linger: 0 }))
      await rep.bind(ep)
      const other = await w.socket("Reply")
      const bind = await other.bind(ep).then(() => "bound", (e: Error & { code?: string }) => e.code)
      return { ioThreads: await w.call({ op: "context", key: "ioThreads" }), bind }
    } finally {
      zmq.context.ioThreads = before
      await w.exit()
    }
  }, { expect: { ioThreads: 3, bind: "EADDRINUSE" } })
})

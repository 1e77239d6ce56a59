/**
 * Conformance of `zmq-ts/draft` with `zeromq/draft` (zeromq.js 6.8.0 on
 * libzmq 4.3.5): each case runs against both and must observe the same
 * thing. Construction, option defaults and round trips of each draft
 * socket, send/receive shapes, multipart refusals, Server/Radio option
 * errors, Dish join/leave argument errors, and the warning on load.
 *
 * Peer and Channel have no zeromq.js counterpart; test/spec covers them.
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import * as dgram from "node:dgram"
import { fileURLToPath } from "node:url"
import { describe } from "node:test"
import { CHILD_CASE_TIMEOUT } from "./child.js"
import { ALL_TRANSPORTS, conformDraft, conformDraftEach, type CaseContext, type ZmqDraft } from "./harness.js"

type DraftName = "Server" | "Client" | "Radio" | "Dish" | "Gather" | "Scatter" | "Datagram"
const NAMES: readonly DraftName[] = ["Server", "Client", "Radio", "Dish", "Gather", "Scatter", "Datagram"]
/** zeromq.js defines send-side options on these (its `writables`) ... */
const WRITABLE: readonly DraftName[] = ["Server", "Client", "Radio", "Scatter", "Datagram"]
/** ... and receive-side options on these (its `readables`). */
const READABLE: readonly DraftName[] = ["Server", "Client", "Dish", "Gather", "Datagram"]
const COMMON_OPTIONS = ["linger", "immediate", "reconnectInterval", "reconnectMaxInterval", "backlog", "maxMessageSize", "heartbeatInterval", "heartbeatTimeToLive", "heartbeatTimeout", "handshakeInterval", "connectTimeout", "tcpKeepalive", "ipv6", "zapDomain", "lastEndpoint"] as const
const SEND_OPTIONS = ["sendHighWaterMark", "sendTimeout"] as const
const RECV_OPTIONS = ["receiveHighWaterMark", "receiveTimeout"] as const

type AnySocket = Record<string, unknown> & { close(): void }
function make(zmq: ZmqDraft, t: CaseContext, name: DraftName, options?: Record<string, unknown>): AnySocket {
  const Ctor = zmq[name] as unknown as new (o?: Record<string, unknown>) => AnySocket
  return t.track(new Ctor(options))
}

function optionNames(name: DraftName): string[] {
  return [...COMMON_OPTIONS, ...(WRITABLE.includes(name) ? SEND_OPTIONS : []), ...(READABLE.includes(name) ? RECV_OPTIONS : [])]
}

type Draft = ZmqDraft
type RadioT = InstanceType<Draft["Radio"]>
type DishT = InstanceType<Draft["Dish"]>

/** Repeats a probe until the DISH gets one: the RADIO has applied the JOIN. */
async function untilJoined(radio: RadioT, dish: DishT, group: string): Promise<void> {
  let done = false
  const got = dish.receive().finally(() => (done = true))
  while (!done) {
    await radio.send("probe", { group })
    if (!done) await new Promise((r) => setTimeout(r, 5))
  }
  await got
}
async function dishData(dish: DishT): Promise<[Buffer, { group: Buffer }]> {
  for (;;) {
    const m = await dish.receive()
    if (m[0].toString() !== "probe") return m
  }
}
async function linkedRadioDish(zmq: Draft, t: CaseContext, transport: "tcp" | "ipc" | "inproc", ...groups: string[]): Promise<[RadioT, DishT]> {
  const dish = t.track(new zmq.Dish())
  await dish.bind(t.endpoint(transport))
  const radio = t.track(new zmq.Radio())
  radio.connect(dish.lastEndpoint!)
  dish.join(...groups)
  await untilJoined(radio, dish, groups[0]!)
  return [radio, dish]
}

/** Shape of a received message as plain data: frame texts and the metadata object's keys and value types. */
function shape(m: unknown[]): unknown {
  return m.map((p) => (Buffer.isBuffer(p) ? { buffer: p.toString() } : { keys: Object.keys(p as object), types: Object.values(p as object).map((v) => (Buffer.isBuffer(v) ? "Buffer" : typeof v)) }))
}

void describe("conformance: zmq-ts/draft against zeromq/draft", () => {
  // ---- loading ----------------------------------------------------------------------------

  conformDraft("loading the draft entry emits zeromq's process warning", async (_zmq, t) => {
    const root = fileURLToPath(new URL("../..", import.meta.url))
    const code = t.lib === "zeromq" ? "require('zeromq/draft')" : "import('./src/draft.ts')"
    // spawn, not spawnSync: a blocked event loop starved every other timer of this file under load.
    const child = spawn(process.execPath, ["--import", "tsx", "-e", code], { cwd: root, stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c))
    const [status] = (await once(child, "close")) as [number | null]
    const warnings = stderr.split("\n").filter((l) => l.includes("Warning:")).map((l) => l.replace(/^\(node:\d+\) /, ""))
    return { status, warnings }
  }, { timeout: CHILD_CASE_TIMEOUT, expect: { status: 0, warnings: ["Warning: ZeroMQ draft features are experimental and could change at any time."] } })

  // ---- construction and options -----------------------------------------------------------

  for (const name of NAMES) {
    conformDraft(`${name}: construction (type, threadSafe, closed, readable, writable, methods)`, (zmq, t) => {
      const s = make(zmq, t, name)
      const methods = ["send", "receive", "join", "leave", "bind", "connect", "close"].filter((m) => typeof s[m] === "function")
      return { type: s.type, threadSafe: s.threadSafe, closed: s.closed, readable: s.readable, writable: s.writable, has: methods.filter((m) => ["bind", "connect", "close"].includes(m)) }
    })

    conformDraft(`${name}: option defaults`, (zmq, t) => {
      const s = make(zmq, t, name)
      return Object.fromEntries(optionNames(name).map((o) => [o, s[o]]))
    })

    conformDraft(`${name}: options round-trip through the constructor and through setters`, (zmq, t) => {
      const values: Record<string, unknown> = { linger: 250, immediate: true, reconnectInterval: 50, backlog: 7, heartbeatInterval: 1000, zapDomain: "dom" }
      if (WRITABLE.includes(name)) Object.assign(values, { sendHighWaterMark: 11, sendTimeout: 12 })
      if (READABLE.includes(name)) Object.assign(values, { receiveHighWaterMark: 13, receiveTimeout: 14 })
      const viaCtor = make(zmq, t, name, values)
      const viaSet = make(zmq, t, name)
      for (const [k, v] of Object.entries(values)) viaSet[k] = v
      return { ctor: Object.keys(values).map((k) => viaCtor[k]), set: Object.keys(values).map((k) => viaSet[k]) }
    })
  }

  conformDraft("Gather and Scatter: conflate can be set", async (zmq, t) => {
    const g = t.track(new zmq.Gather())
    const s = t.track(new zmq.Scatter())
    return [await t.attempt(() => (g.conflate = true)), await t.attempt(() => (s.conflate = true))]
  })

  conformDraft("Dish: linger defaults to 0 (libzmq), others to -1", (zmq, t) => NAMES.map((n) => make(zmq, t, n).linger), { expect: [-1, -1, -1, 0, -1, -1, -1] })

  // ---- udp ---------------------------------------------------------------------------------

  conformDraft("udp://: which types may bind and connect (ENOCOMPATPROTO otherwise), and lastEndpoint without the scheme", async (zmq, t) => {
    const sock = dgram.createSocket("udp4")
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()))
    const port = sock.address().port
    await new Promise<void>((r) => sock.close(() => r()))
    const ep = `udp://127.0.0.1:${port}`
    const out: Record<string, unknown> = {}
    for (const name of ["Client", "Radio", "Gather"] as const) out[`${name}.bind`] = await t.attempt(() => (make(zmq, t, name).bind as (a: string) => Promise<void>)(ep))
    for (const name of ["Server", "Dish", "Datagram", "Scatter"] as const) out[`${name}.connect`] = await t.attempt(() => (make(zmq, t, name).connect as (a: string) => void)(ep))
    out.push = await t.attempt(() => t.track(new zmq.Push()).connect(ep))
    const dish = t.track(new zmq.Dish())
    out.dishBind = await t.attempt(() => dish.bind(ep))
    out.lastEndpoint = dish.lastEndpoint === `127.0.0.1:${port}`
    // The port differs from run to run; errors name the endpoint.
    return JSON.parse(JSON.stringify(out).replaceAll(String(port), "PORT")) as unknown
  })

  conformDraft("Datagram: a send must be [address, body] (EINVAL otherwise); a datagram comes back as [ip:port\\0, body]", async (zmq, t) => {
    const ports: number[] = []
    for (let i = 0; i < 2; i++) {
      const sock = dgram.createSocket("udp4")
      await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()))
      ports.push(sock.address().port)
      await new Promise<void>((r) => sock.close(() => r()))
    }
    const a = t.track(new zmq.Datagram())
    const b = t.track(new zmq.Datagram())
    await a.bind(`udp://127.0.0.1:${ports[0]}`)
    await b.bind(`udp://127.0.0.1:${ports[1]}`)
    const single = await t.attempt(() => (a.send as (m: unknown) => Promise<void>)("one part"))
    // Not compared: a three-part send, after which libzmq 4.3.5's DGRAM fails
    // every later send with EINVAL (its part state is left mid-message);
    // zmq-ts refuses that one send only (test/spec/udp-draft.test.ts).
    let done = false
    const got = b.receive().finally(() => (done = true))
    while (!done) {
      await a.send([`127.0.0.1:${ports[1]}`, "hello"])
      if (!done) await new Promise((r) => setTimeout(r, 5))
    }
    const [from, body] = await got
    return { single, from: from.toString() === `127.0.0.1:${ports[0]}\0`, body: body.toString() }
  })

  // ---- messages ------------------------------------------------------------------------------

  conformDraftEach(ALL_TRANSPORTS, "Server/Client: receive shapes [msg, { routingId }] and [msg]; a reply reaches the client", async (zmq, t, transport) => {
    const server = t.track(new zmq.Server())
    await server.bind(t.endpoint(transport))
    const client = t.track(new zmq.Client())
    client.connect(server.lastEndpoint!)
    await client.send("hello")
    const got = await server.receive()
    await server.send("reply", { routingId: got[1].routingId })
    const back = await client.receive()
    return { server: shape(got), client: shape(back), idOk: got[1].routingId > 0 && got[1].routingId <= 0xffffffff }
  })

  conformDraftEach(ALL_TRANSPORTS, "Radio/Dish: receive shape [msg, { group: Buffer }], only joined groups", async (zmq, t, transport) => {
    const [radio, dish] = await linkedRadioDish(zmq, t, transport, "g1", "g2")
    await radio.send("no", { group: "g3" })
    await radio.send("one", { group: "g1" })
    await radio.send(Buffer.from("two"), { group: Buffer.from("g2") })
    return [shape(await dishData(dish)), shape(await dishData(dish))]
  })

  conformDraftEach(ALL_TRANSPORTS, "Scatter/Gather: receive shape [msg]", async (zmq, t, transport) => {
    const gather = t.track(new zmq.Gather())
    await gather.bind(t.endpoint(transport))
    const scatter = t.track(new zmq.Scatter())
    scatter.connect(gather.lastEndpoint!)
    await scatter.send("s")
    return shape(await gather.receive())
  })

  conformDraft("Radio: a group is cut at 255 octets and at a zero byte (zmq_msg_set_group)", async (zmq, t) => {
    const [radio, dish] = await linkedRadioDish(zmq, t, "inproc", "x".repeat(255), "ab")
    await radio.send("long", { group: "x".repeat(256) })
    await radio.send("nul", { group: "ab\0cd" })
    const a = await dishData(dish)
    const b = await dishData(dish)
    return [a[0].toString(), a[1].group.length, b[0].toString(), b[1].group.toString()]
  })

  // ---- refusals ----------------------------------------------------------------------------

  conformDraft("Client and Scatter: a multipart send rejects with EINVAL", async (zmq, t) => {
    const server = t.track(new zmq.Server())
    await server.bind(t.endpoint("inproc"))
    const client = t.track(new zmq.Client())
    client.connect(server.lastEndpoint!)
    const gather = t.track(new zmq.Gather())
    await gather.bind(t.endpoint("inproc"))
    const scatter = t.track(new zmq.Scatter())
    scatter.connect(gather.lastEndpoint!)
    return [await t.attempt(() => client.send(["a", "b"])), await t.attempt(() => scatter.send(["a", "b"]))]
  })

  conformDraft("Scatter: a multipart send rejects with EINVAL even with no peer", async (zmq, t) => {
    const scatter = t.track(new zmq.Scatter({ sendTimeout: 0 }))
    return [await t.attempt(() => scatter.send(["a", "b"])), await t.attempt(() => scatter.send("a"))]
  })

  conformDraft("Server: send() argument errors (options, routing id) and a multipart send", async (zmq, t) => {
    const server = t.track(new zmq.Server())
    await server.bind(t.endpoint("inproc"))
    const client = t.track(new zmq.Client())
    client.connect(server.lastEndpoint!)
    await client.send("hi")
    const [, { routingId }] = await server.receive()
    const send = server.send.bind(server) as (m: unknown, o?: unknown) => Promise<void>
    return {
      noOptions: await t.attempt(() => send("x")),
      nullOptions: await t.attempt(() => send("x", null)),
      emptyOptions: await t.attempt(() => send("x", {})),
      stringId: await t.attempt(() => send("x", { routingId: "1" })),
      zeroId: await t.attempt(() => send("x", { routingId: 0 })),
      nanId: await t.attempt(() => send("x", { routingId: NaN })),
      fractionId: await t.attempt(() => send("x", { routingId: 1.5 })),
      noMessage: await t.attempt(() => send(undefined, { routingId })),
      unknownId: await t.attempt(() => send("x", { routingId: routingId === 0xffffffff ? 1 : routingId + 1 })),
      multipart: await t.attempt(() => send(["a", "b"], { routingId })),
      ok: await t.attempt(() => send("x", { routingId })),
    }
  })

  conformDraft("Radio: send() argument errors and a multipart send", async (zmq, t) => {
    const radio = t.track(new zmq.Radio())
    const send = radio.send.bind(radio) as (m: unknown, o?: unknown) => Promise<void>
    return {
      noOptions: await t.attempt(() => send("x")),
      emptyOptions: await t.attempt(() => send("x", {})),
      noMessage: await t.attempt(() => send(undefined, { group: "g" })),
      numberGroup: await t.attempt(() => send("x", { group: 5 })),
      emptyGroup: await t.attempt(() => send("x", { group: "" })),
      multipart: await t.attempt(() => send(["a", "b"], { group: "g" })),
      noDish: await t.attempt(() => send("x", { group: "g" })),
    }
  })

  conformDraft("Dish: join/leave argument errors (256 octets, twice, not joined, not a string)", async (zmq, t) => {
    const dish = t.track(new zmq.Dish())
    const join = (...g: unknown[]): Promise<unknown> => t.attempt(() => (dish.join as (...v: unknown[]) => void)(...g))
    const leave = (...g: unknown[]): Promise<unknown> => t.attempt(() => (dish.leave as (...v: unknown[]) => void)(...g))
    return {
      max: await join("x".repeat(255)),
      tooLong: await join("x".repeat(256)),
      twice: await join("x".repeat(255)),
      empty: await join(""),
      buffer: await join(Buffer.from("buf")),
      none: await join(),
      number: await join(5),
      leaveUnknown: await leave("nope"),
      leaveTooLong: await leave("y".repeat(256)),
      leaveOk: await leave("buf", ""),
    }
  })

  conformDraft("Dish: join() tries every group and throws the first failure after", async (zmq, t) => {
    const dish = t.track(new zmq.Dish())
    dish.join("b")
    const first = await t.attempt(() => dish.join("a", "b", "c"))
    // "a" and "c" were joined despite "b" failing: leaving them succeeds.
    const leaveA = await t.attempt(() => dish.leave("a"))
    const leaveC = await t.attempt(() => dish.leave("c"))
    return { first, leaveA, leaveC }
  })

  conformDraft("Dish: join/leave on a closed socket", async (zmq, t) => {
    const dish = t.track(new zmq.Dish())
    dish.close()
    return [await t.attempt(() => dish.join("g")), await t.attempt(() => dish.leave("g"))]
  })

  conformDraftEach(ALL_TRANSPORTS, "Dish: after leave() a group's messages stop", async (zmq, t, transport) => {
    const [radio, dish] = await linkedRadioDish(zmq, t, transport, "keep", "drop")
    dish.leave("drop")
    dish.join("marker")
    await untilJoined(radio, dish, "marker")
    await radio.send("dropped", { group: "drop" })
    await radio.send("kept", { group: "keep" })
    return shape(await dishData(dish))
  })

  conformDraftEach(ALL_TRANSPORTS, "Server: readable/writable with a peer and a queued message", async (zmq, t, transport) => {
    const server = t.track(new zmq.Server())
    await server.bind(t.endpoint(transport))
    const client = t.track(new zmq.Client())
    client.connect(server.lastEndpoint!)
    await client.send("x")
    const before = server.readable
    const msg = await server.receive()
    return { got: msg[0].toString(), readableAfter: server.readable, writable: server.writable, clientWritable: client.writable, beforeIsBool: typeof before }
  })
})

/**
 * Network namespaces for the epgm:// tests, so that no PGM packet reaches the
 * machine's interfaces. Four throw-away namespaces:
 *
 *   A (publisher, 10.78.1.2) --- R (relay) --- B (subscribers, 10.78.2.2)
 *                                          \-- C (subscribers, 10.78.3.2)
 *
 * Publisher and subscribers sit in different namespaces because libzmq 4.3
 * turns PGM multicast loop off (a subscriber on the publisher's host would
 * hear nothing), and zmq-ts and OpenPGM subscribers in different ones because
 * OpenPGM will not share the port with another socket. R forwards unicast
 * (the NAKs, from B and C to the publisher's NLA) as a router, and
 * multicast through test/fixtures/epgm-relay.ts, which can drop chosen
 * packets: the loss the repair tests need (the kernel here has no netem).
 *
 * Creating them needs CAP_NET_ADMIN and iproute2; without them this throws
 * with the command's own error, so the test fails and says why.
 */
import assert from "node:assert/strict"
import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process"
import { randomBytes } from "node:crypto"
import type { Readable, Writable } from "node:stream"
import { after, before } from "node:test"
import { fileURLToPath } from "node:url"

const REPO = fileURLToPath(new URL("../..", import.meta.url))

export interface EpgmTopology {
  a: string
  r: string
  b: string
  c: string
  /** Each namespace's address on its link to R, and R's address on each link. */
  addr: { a: string; b: string; c: string; ra: string; rb: string; rc: string }
}

function ip(args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" })
  if (r.error !== undefined) throw new Error(`ip ${args.join(" ")}: ${r.error.message} (is iproute2 installed?)`)
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed (exit ${r.status}): ${r.stderr.trim()} (network namespaces need root / CAP_NET_ADMIN)`)
}

export function createEpgmTopology(): EpgmTopology {
  const tag = randomBytes(3).toString("hex")
  const t: EpgmTopology = {
    a: `zpgmA-${tag}`,
    r: `zpgmR-${tag}`,
    b: `zpgmB-${tag}`,
    c: `zpgmC-${tag}`,
    addr: { a: "10.78.1.2", b: "10.78.2.2", c: "10.78.3.2", ra: "10.78.1.1", rb: "10.78.2.1", rc: "10.78.3.1" },
  }
  const made: string[] = []
  try {
    for (const ns of [t.a, t.r, t.b, t.c]) {
      ip(["netns", "add", ns])
      made.push(ns)
      ip(["-n", ns, "link", "set", "lo", "up"])
    }
    const links: [string, string, string, string][] = [
      [t.a, "a", t.addr.a, t.addr.ra],
      [t.b, "b", t.addr.b, t.addr.rb],
      [t.c, "c", t.addr.c, t.addr.rc],
    ]
    for (const [ns, name, host, router] of links) {
      ip(["link", "add", `pg${name}-${tag}`, "netns", ns, "type", "veth", "peer", "name", `r${name}-${tag}`, "netns", t.r])
      ip(["-n", ns, "link", "set", `pg${name}-${tag}`, "name", "pgm0"])
      ip(["-n", ns, "addr", "add", `${host}/24`, "dev", "pgm0"])
      ip(["-n", ns, "link", "set", "pgm0", "up"])
      ip(["-n", ns, "route", "add", "224.0.0.0/4", "dev", "pgm0"])
      ip(["-n", ns, "route", "add", "default", "via", router])
      ip(["-n", t.r, "link", "set", `r${name}-${tag}`, "name", `r${name}`])
      ip(["-n", t.r, "addr", "add", `${router}/24`, "dev", `r${name}`])
      ip(["-n", t.r, "link", "set", `r${name}`, "up"])
    }
    const fwd = spawnSync("ip", ["netns", "exec", t.r, "sysctl", "-qw", "net.ipv4.ip_forward=1"], { encoding: "utf8" })
    if (fwd.status !== 0) throw new Error(`sysctl ip_forward in ${t.r}: ${fwd.stderr}`)
  } catch (err) {
    for (const ns of made) spawnSync("ip", ["netns", "del", ns])
    throw err
  }
  return t
}

/** Deleting the namespaces deletes the veth pairs in them. */
export function deleteEpgmTopology(t: EpgmTopology): void {
  for (const ns of [t.a, t.r, t.b, t.c]) spawnSync("ip", ["netns", "del", ns])
}

/**
 * A process in a namespace that talks in JSON lines: `line(pred)` resolves
 * with the first stdout line (parsed) that satisfies `pred`; `done` with the
 * last JSON line once it exits with status 0 (rejecting with its stderr
 * otherwise); `say` writes a line to its stdin.
 */
export class NsProcess {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>
  readonly lines: Record<string, unknown>[] = []
  readonly done: Promise<Record<string, unknown>>
  private waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = []
  private err = ""

  constructor(ns: string, argv: string[], label: string) {
    this.child = spawn("ip", ["netns", "exec", ns, ...argv], { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] })
    let buf = ""
    this.child.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const text = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (!text.startsWith("{")) continue
        const line = JSON.parse(text) as Record<string, unknown>
        if (process.env.EPGM_DEBUG !== undefined) process.stderr.write(`${label}: ${text}\n`)
        this.lines.push(line)
        this.waiters = this.waiters.filter((w) => (w.pred(line) ? (w.resolve(line), false) : true))
      }
    })
    this.child.stderr.setEncoding("utf8").on("data", (d: string) => {
      this.err += d
      if (process.env.EPGM_DEBUG !== undefined) process.stderr.write(`${label} stderr: ${d}`)
    })
    this.child.stdin.on("error", () => undefined)
    this.done = new Promise((resolve, reject) => {
      this.child.once("error", reject)
      this.child.once("close", (code, signal) => {
        const last = this.lines[this.lines.length - 1]
        if (code === 0 && last !== undefined) resolve(last)
        else reject(new Error(`${label} (${argv.join(" ")}) ended with ${code ?? signal}:\n${this.err}\n${JSON.stringify(this.lines.slice(-3))}`))
      })
    })
    this.done.catch(() => undefined)
  }

  line(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const seen = this.lines.find(pred)
    if (seen !== undefined) return Promise.resolve(seen)
    return Promise.race([new Promise<Record<string, unknown>>((resolve) => this.waiters.push({ pred, resolve })), this.done.then(() => Promise.reject(new Error(`process ended before the line was seen: ${this.err}`)))])
  }

  say(text: string): void {
    this.child.stdin.write(text + "\n")
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGTERM")
  }
}

/** The zmq-ts peer fixture (node + tsx) or the pyzmq one (Debian's python3-zmq, libzmq 4.3.4 + OpenPGM). */
export function peer(ns: string, lib: "zmq-ts" | "libzmq", args: string[]): NsProcess {
  const argv = lib === "zmq-ts" ? [process.execPath, "--import", "tsx", "test/fixtures/epgm-peer.ts", ...args] : ["/usr/bin/python3", "test/fixtures/epgm_peer.py", ...args]
  return new NsProcess(ns, argv, `${lib} ${args[0]}`)
}

export function relay(t: EpgmTopology, args: string[]): NsProcess {
  return new NsProcess(t.r, [process.execPath, "--import", "tsx", "test/fixtures/epgm-relay.ts", ...args], "relay")
}

export interface SubResult {
  received: number
  first: number
  last: number
  gaps: number
  corrupt: number
  disorder: number
}

export interface Scenario {
  pub: "zmq-ts" | "libzmq"
  subs: { where: "b" | "c"; lib: "zmq-ts" | "libzmq" }[]
  count: number
  port: number
  drop?: string
  options?: { rate?: number; recoveryInterval?: number }
  /** zmq-ts peers as XPUB and XSUB instead of PUB and SUB. */
  x?: boolean
  /** A subscriber started once the others have joined and the data flows (needs count -1: the publisher streams until it joined). */
  late?: { where: "b" | "c"; lib: "zmq-ts" | "libzmq" }
}

/**
 * Relay up, subscribers connected, publisher probing until every subscriber
 * has heard a probe, then `count` messages; resolves with each subscriber's
 * account and what the relay saw. Every process is ended before it returns.
 */
export async function runScenario(t: EpgmTopology, s: Scenario): Promise<{ subs: SubResult[]; relay: Record<string, number>; subscription?: string }> {
  const group = "239.192.7.1"
  const options = JSON.stringify({ count: s.count, ...s.options })
  const rel = relay(t, [group, String(s.port), t.addr.ra, `${t.addr.rb},${t.addr.rc}`, s.drop ?? "none"])
  const procs: NsProcess[] = [rel]
  try {
    await rel.line((l) => l.ready === true)
    // zmq-ts names the interface, libzmq gets its address (OpenPGM resolves no name of a veth here).
    const iface = (where: "b" | "c", lib: string): string => (lib === "zmq-ts" ? "pgm0" : t.addr[where])
    const role = (lib: string, r: "pub" | "sub"): string => (s.x === true && lib === "zmq-ts" ? `x${r}` : r)
    const subs = s.subs.map((sub) => peer(sub.where === "b" ? t.b : t.c, sub.lib, [role(sub.lib, "sub"), `epgm://${iface(sub.where, sub.lib)};${group}:${s.port}`, options]))
    procs.push(...subs)
    await Promise.all(subs.map((p) => p.line((l) => l.connected === true)))
    const pub = peer(t.a, s.pub, [role(s.pub, "pub"), `epgm://${t.addr.a};${group}:${s.port}`, options])
    procs.push(pub)
    await Promise.all(subs.map((p) => p.line((l) => l.joined === true)))
    pub.say("go")
    if (s.late !== undefined) {
      const late = peer(s.late.where === "b" ? t.b : t.c, s.late.lib, ["sub", `epgm://${iface(s.late.where, s.late.lib)};${group}:${s.port}`, options])
      procs.push(late)
      subs.push(late)
      await late.line((l) => l.joined === true)
      pub.say("stop")
    }
    const results = (await Promise.all(subs.map((p) => p.done))) as unknown as SubResult[]
    const subscription = pub.lines.find((l) => "subscription" in l)?.subscription
    pub.say("quit")
    await pub.done
    rel.kill()
    const seen = (await rel.done) as Record<string, number>
    return { subs: results, relay: seen, ...(typeof subscription === "string" ? { subscription } : {}) }
  } finally {
    for (const p of procs) p.kill()
  }
}

/** Every message arrived once, whole and in order, and nothing else. */
export function assertComplete(r: SubResult, count: number, who: string): void {
  assert.deepEqual(r, { received: count, first: 0, last: count - 1, gaps: 0, corrupt: 0, disorder: 0 }, who)
}

/** A topology made before the enclosing suite's tests and removed after them; the getter is for use inside tests. */
export function suiteTopology(): () => EpgmTopology {
  let t: EpgmTopology | null = null
  before(() => {
    t = createEpgmTopology()
  })
  after(() => {
    if (t !== null) deleteEpgmTopology(t)
  })
  return () => t!
}

/**
 * A throw-away Linux network namespace for the multicast tests, so that no
 * multicast datagram ever reaches the machine's real interfaces. It holds
 * `lo` and a veth pair, zmq0 (10.77.0.1/24, the multicast route) and its
 * peer zmq1 with no address. Multicast is not tested on `lo`: a datagram
 * sent out on the loopback device comes back whatever IP_MULTICAST_LOOP
 * says, so multicastLoop could not be seen to act there.
 *
 * Creating it needs CAP_NET_ADMIN and iproute2; without them `createNetns`
 * throws with the command's own error, so the test fails and says why.
 */
import assert from "node:assert/strict"
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"

export const NETNS_IFACE = "zmq0"
export const NETNS_ADDRESS = "10.77.0.1"

const REPO = fileURLToPath(new URL("../..", import.meta.url))

function ip(args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" })
  if (r.error !== undefined) throw new Error(`ip ${args.join(" ")}: ${r.error.message} (is iproute2 installed?)`)
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed (exit ${r.status}): ${r.stderr.trim()} (creating a network namespace needs root / CAP_NET_ADMIN)`)
}

/** Creates the namespace and returns its name; removes what it made if a later step fails. */
export function createNetns(): string {
  const name = `zmqts-${randomBytes(4).toString("hex")}`
  ip(["netns", "add", name])
  try {
    ip(["-n", name, "link", "set", "lo", "up"])
    ip(["-n", name, "link", "add", NETNS_IFACE, "type", "veth", "peer", "name", "zmq1"])
    ip(["-n", name, "addr", "add", `${NETNS_ADDRESS}/24`, "dev", NETNS_IFACE])
    ip(["-n", name, "link", "set", NETNS_IFACE, "up"])
    ip(["-n", name, "link", "set", "zmq1", "up"])
    ip(["-n", name, "route", "add", "224.0.0.0/4", "dev", NETNS_IFACE])
  } catch (err) {
    deleteNetns(name)
    throw err
  }
  return name
}

/** Deleting the namespace also deletes the veth pair inside it. */
export function deleteNetns(name: string): void {
  spawnSync("ip", ["netns", "del", name])
}

/**
 * Runs test/fixtures/<fixture> (TypeScript, through tsx) inside the
 * namespace with `args`, and resolves to the JSON it prints last on stdout.
 * Rejects with its stderr if it exits with a failure or prints no JSON.
 */
export function runInNetns<T>(ns: string, fixture: string, args: string[]): Promise<T> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", `test/fixtures/${fixture}`, ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  })
  let out = ""
  let err = ""
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d))
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d))
  return new Promise<T>((resolve, reject) => {
    child.once("error", reject)
    child.once("close", (code) => {
      const last = out.trim().split("\n").pop() ?? ""
      if (code !== 0 || !last.startsWith("{")) {
        reject(new Error(`${fixture} ${args.join(" ")} in ${ns} exited with ${code}:\n${err}${out}`))
        return
      }
      resolve(JSON.parse(last) as T)
    })
  })
}

/** What test/fixtures/udp-multicast.ts prints: the rounds sent and each DISH's first messages as "group:body". */
interface MulticastOutcome {
  rounds: number
  got: { a: string[]; b: string[] }
}

/**
 * Runs the RADIO -> 2 x DISH fixture in the namespace and checks that each
 * DISH got three messages, all of its own group and from the looping RADIO
 * (none of group "x" nobody joined, none of the multicastLoop=false RADIO).
 */
export async function checkMulticast(ns: string, radioLib: "zmq-ts" | "zeromq", dishLib: "zmq-ts" | "zeromq", group: string, port: number): Promise<void> {
  const o = await runInNetns<MulticastOutcome>(ns, "udp-multicast.ts", [radioLib, dishLib, group, String(port)])
  for (const name of ["a", "b"] as const) {
    const got = o.got[name]
    assert.equal(got.length, 3, `DISH ${name} got ${got.length} of 3 messages in ${o.rounds} rounds: ${got.join(", ")}`)
    for (const m of got) assert.match(m, new RegExp(`^${name}:${name} \\d+$`), `DISH joined to "${name}" received ${m}`)
  }
}

// Scenario registry.
//
// A scenario is a plain object:
//   id        unique name, "family/transport" (e.g. "push-pull/tcp") or just "family"
//   name      family name; `--scenario NAME` matches either the id or the family
//   kind      "throughput" (msgsPerSec, mbPerSec), "fanout" (msgsPerSec, mbPerSec
//             delivered in total over all receivers, plus delivered and lossPct),
//             "latency" (medianUs, p99Us), "handshake" (handshakesPerSec,
//             medianMs, p99Ms), "memory" (routerBytesPerConn, dealerBytesPerConn,
//             routerHeapPerConn, dealerHeapPerConn; lower is better) or
//             "capacity" (seconds, routerRss, replied, connections; lower is
//             better); selects how results are aggregated (lib/runner.mjs)
//             and printed (lib/report.mjs)
//   title     one line shown above its table
//   notes     optional lines printed under its table (and listed in --json)
//   requires  socket classes the implementation must export, else n/a
//   optIn     if set, the scenario runs only with that flag (e.g. "ipc" for
//             --ipc) or when named explicitly with --scenario; `true`: only
//             when named with --scenario (by id or by family name)
//   cases(opts)              -> [{ size, count, subscribers?, parallel?, label?, ... }], the same
//                               for both implementations; `label` names the case in the tables
//                               instead of the size (for cases without a message size)
//   run(impl, case, ctx)     -> one measurement for one implementation (numbers),
//                               throwing BenchError on failure; ctx.spawn(impl, label)
//                               forks workers that are killed after the run whatever happens
//
// To add one: write the worker roles in roles/, the scenario in scenarios/,
// and list it here.
import { pushPull } from "./push-pull.mjs"
import { inproc } from "./inproc.mjs"
import { threadsThroughput, threadsLatency } from "./threads.mjs"
import { reqRep } from "./req-rep.mjs"
import { pubSub } from "./pub-sub.mjs"
import { curve, curveHandshake } from "./curve.mjs"
import { idleRss, router10k } from "./connections.mjs"
import { clientServer } from "./client-server.mjs"
import { radioDish } from "./radio-dish.mjs"
import { tracing } from "./tracing.mjs"
import { browserPushPull } from "./browser.mjs"
import { epgm } from "./epgm.mjs"

export const scenarios = [
  pushPull("tcp"),
  pushPull("ipc"),
  inproc,
  threadsThroughput,
  threadsLatency,
  pubSub("tcp"),
  reqRep("tcp"),
  reqRep("ipc"),
  pushPull("ws"),
  reqRep("ws"),
  curve,
  curveHandshake,
  idleRss,
  router10k,
  clientServer("tcp"),
  radioDish,
  tracing,
  browserPushPull(),
  epgm,
]

/**
 * Scenarios selected by the command line: `filters` (from --scenario, may be
 * empty) match ids or family names; opt-in scenarios need their flag unless
 * named by id (or, for `optIn: true`, by family name).
 */
export function selectScenarios(filters, flags) {
  const known = new Set(scenarios.flatMap((s) => [s.id, s.name]))
  const unknown = filters.filter((f) => !known.has(f))
  if (unknown.length) {
    throw new Error(`unknown scenario ${unknown.join(", ")}; available: ${scenarios.map((s) => s.id).join(", ")}`)
  }
  return scenarios.filter((s) => {
    if (filters.includes(s.id)) return true
    if (filters.length && !filters.includes(s.name)) return false
    if (s.optIn === true) return filters.includes(s.name)
    return !s.optIn || flags[s.optIn]
  })
}

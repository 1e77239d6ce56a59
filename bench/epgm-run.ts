// One epgm bench run (bench/scenarios/epgm.mjs): a PUB and its SUBs in network namespaces joined by the
// test suite's relay (test/helpers/epgm-netns.ts), zmq-ts or libzmq (python3-zmq) on both sides. Prints the
// scenario's result as one JSON line; each subscriber's time from first message to end marker reaches
// stderr through EPGM_DEBUG. Needs root (ip netns).
import { createEpgmTopology, deleteEpgmTopology, runScenario, type Scenario } from "../test/helpers/epgm-netns.js"

process.env.EPGM_DEBUG = "1"
const scenario = JSON.parse(process.argv[2]!) as Scenario
const topology = createEpgmTopology()
const guard = setTimeout(() => {
  deleteEpgmTopology(topology)
  process.stderr.write("epgm bench: timed out\n")
  process.exit(2)
}, 120_000)
try {
  process.stdout.write(JSON.stringify(await runScenario(topology, scenario)) + "\n")
} finally {
  clearTimeout(guard)
  deleteEpgmTopology(topology)
}

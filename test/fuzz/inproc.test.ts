/**
 * A short, fixed-seed pass of the in-process fuzzer (test/fuzz/inproc): the
 * decoder against its reference walk, the greeting, command and metadata
 * parsers, the NULL, PLAIN and CURVE handshakes with one command mutated, and
 * mutated ZAP replies. Counts, not time, bound each target, so a loaded
 * machine runs exactly the same inputs, only slower. `npm run fuzz --
 * --in-process` runs the same targets for as long as it is told to; a
 * failure prints the command that replays its one input.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { formatInProcess, runInProcess } from "./inproc/run.js"

const SEED = Number(process.env.ZMQ_TS_FUZZ_SEED ?? 0x16a11ce)

const COUNTS: Record<string, number> = {
  decoder: 5000,
  greeting: 3000,
  metadata: 3000,
  "mech:NULL": 500,
  "mech:PLAIN": 500,
  "mech:CURVE": 60,
  zap: 150,
}

void describe(`in-process fuzz, short pass (seed ${SEED})`, () => {
  for (const [target, inputs] of Object.entries(COUNTS)) {
    void it(`${target}: ${inputs} inputs, no oracle fails`, { timeout: 120_000 }, () => {
      const report = runInProcess({ seed: SEED, targets: [target], inputs, msPerTarget: Infinity })
      assert.equal(report.targets[target]?.inputs, inputs)
      assert.deepEqual(report.failures, [], formatInProcess(report))
    })
  }
})

/**
 * The in-process fuzzer: `npm run fuzz -- --in-process [--seconds N] [--inputs N]
 * [--seed S] [--target NAME[,NAME]] [--iteration N]`. Drives the codec, the
 * mechanisms and ZAP directly (no sockets), a fresh PRNG per input derived
 * from (seed, target, iteration) so that any input replays alone. Oracles:
 * no exception but the protocol's own, agreement with the reference decoder,
 * no forged CURVE handshake or box, and bounded memory (checked every few
 * thousand inputs after a full collection when --expose-gc is on).
 */
import { decoderInput, greetingInput, metadataInput } from "./codec-targets.js"
import { mechanismInput, zapInput } from "./mech-targets.js"
import { describe, inputSeed, Rng } from "./mutate.js"

export type Target = (rng: Rng) => string | null

export const TARGETS: Record<string, Target> = {
  decoder: decoderInput,
  greeting: greetingInput,
  metadata: metadataInput,
  "mech:NULL": mechanismInput("NULL"),
  "mech:PLAIN": mechanismInput("PLAIN"),
  "mech:CURVE": mechanismInput("CURVE"),
  zap: zapInput,
}

export interface InProcessOptions {
  seed: number
  targets: string[]
  /** Wall-clock budget per target, ms (whichever of this and `inputs` ends first). */
  msPerTarget: number
  /** Inputs per target at most. */
  inputs: number
  /** Replay only this iteration. */
  iteration?: number
  /** Heap growth, after a full collection, beyond which memory counts as unbounded. */
  memoryLimit?: number
}

export interface InProcessReport {
  seed: number
  /** perSecond is wall-clock; perCpuSecond counts only the CPU time this process got (the machine is shared). */
  targets: Record<string, { inputs: number; ms: number; perSecond: number; perCpuSecond: number }>
  failures: { target: string; iteration: number; message: string; repro: string }[]
}

type Gc = () => void
const gc = (globalThis as { gc?: Gc }).gc

function heap(): number {
  gc?.()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/** Runs each target in turn; failures are collected (at most 20 per target), never thrown. */
export function runInProcess(opts: InProcessOptions): InProcessReport {
  const report: InProcessReport = { seed: opts.seed, targets: {}, failures: [] }
  const limit = opts.memoryLimit ?? 256 * 1024 * 1024
  for (const name of opts.targets) {
    const target = TARGETS[name]
    if (target === undefined) throw new Error(`unknown in-process target ${name} (have ${Object.keys(TARGETS).join(", ")})`)
    const fail = (iteration: number, message: string): void => {
      if (report.failures.filter((f) => f.target === name).length >= 20) return
      report.failures.push({ target: name, iteration, message, repro: `npm run fuzz -- --in-process --seed ${opts.seed} --target ${name} --iteration ${iteration}` })
    }
    const base = gc !== undefined ? heap() : 0
    const started = performance.now()
    const cpu = process.cpuUsage()
    const first = opts.iteration ?? 0
    const last = opts.iteration ?? opts.inputs - 1
    let i = first
    for (; i <= last; i++) {
      let failure: string | null
      try {
        failure = target(new Rng(inputSeed(opts.seed, name, i)))
      } catch (err) {
        failure = `uncaught: ${describe(err)}`
      }
      if (failure !== null) fail(i, failure)
      if ((i & 0x3ff) === 0x3ff) {
        if (performance.now() - started > opts.msPerTarget) {
          i++
          break
        }
        if (gc !== undefined && (i & 0xffff) === 0xffff && heap() - base > limit) fail(i, `memory grew by more than ${limit} bytes`)
      }
    }
    const ms = performance.now() - started
    const used = process.cpuUsage(cpu)
    const cpuMs = (used.user + used.system) / 1000
    const inputs = i - first
    report.targets[name] = { inputs, ms, perSecond: Math.round((inputs / ms) * 1000), perCpuSecond: Math.round((inputs / Math.max(cpuMs, 1)) * 1000) }
  }
  return report
}

export function formatInProcess(r: InProcessReport): string {
  const lines = [`in-process fuzz, seed ${r.seed}`]
  let total = 0
  for (const [name, t] of Object.entries(r.targets)) {
    total += t.inputs
    lines.push(`  ${name.padEnd(12)} ${String(t.inputs).padStart(10)} inputs  ${String(t.perSecond).padStart(8)} /s wall  ${String(t.perCpuSecond).padStart(8)} /s of CPU time`)
  }
  lines.push(`  total ${total} inputs, ${r.failures.length} failure(s)`)
  for (const f of r.failures) lines.push(`  FAIL ${f.target} #${f.iteration}: ${f.message}\n    ${f.repro}`)
  return lines.join("\n")
}

/** CLI for scripts/fuzz.mjs --in-process. Returns the exit status. */
export function cliInProcess(argv: string[]): number {
  let seed = Number(process.env.ZMQ_TS_FUZZ_SEED ?? Date.now() % 0x1_0000_0000)
  let seconds = 60
  let inputs = Number.MAX_SAFE_INTEGER
  let targets = Object.keys(TARGETS)
  let iteration: number | undefined
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!
    const v = argv[k + 1]
    if (a === "--in-process") continue
    k++
    if (a === "--seconds") seconds = Number(v)
    else if (a === "--inputs") inputs = Number(v)
    else if (a === "--seed") seed = Number(v)
    else if (a === "--target") targets = (v ?? "").split(",")
    else if (a === "--iteration") iteration = Number(v)
    else throw new Error(`unknown option ${a} (in-process: --seconds --inputs --seed --target --iteration)`)
  }
  const msPerTarget = (seconds * 1000) / targets.length
  console.log(`zmq-ts in-process fuzz: seed ${seed}, ${seconds} s over ${targets.length} target(s)`)
  const report = runInProcess({ seed: seed >>> 0, targets, msPerTarget, inputs, iteration })
  console.log(formatInProcess(report))
  return report.failures.length > 0 ? 1 : 0
}

// The whole suite (or the given files) under CPU starvation: one busy-looping
// child process per core runs at normal priority while scripts/run-tests.mjs
// runs, so timing assumptions in tests and code (a handshake done before a
// receive timeout, a flush before an exit) are exercised the way a loaded CI
// machine exercises them. The burners are killed at the end, whatever happens.
// Usage: node scripts/stress.mjs [--burners N] [dir-or-file ...]
import { spawn } from "node:child_process"
import { availableParallelism } from "node:os"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const argv = process.argv.slice(2)
let burners = availableParallelism()
const i = argv.indexOf("--burners")
if (i >= 0) {
  burners = Number(argv[i + 1])
  argv.splice(i, 2)
}

// Each burner spins until its parent (this script) goes away: a crash of this
// script must not leave busy loops behind, so they also watch the IPC channel.
const burn = "process.on('disconnect', () => process.exit(0)); for (;;) { for (let i = 0; i < 1e7; i++); }"
const children = []
for (let n = 0; n < burners; n++) {
  children.push(spawn(process.execPath, ["-e", burn], { stdio: ["ignore", "ignore", "inherit", "ipc"] }))
}
const killBurners = () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill("SIGKILL")
}
process.on("exit", killBurners)
let tests = null
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    killBurners()
    // The suite would go on without us (and without its burners): end it too.
    tests?.kill(sig)
    process.exit(130)
  })
}

console.log(`test:stress: ${burners} CPU burner(s) running alongside the suite, guards scaled x${process.env.ZMQ_TS_TIME_SCALE ?? "4"}`)
const started = Date.now()
// Guards (how long a test waits for an event before calling it hung) are
// scaled by ZMQ_TS_TIME_SCALE (test/helpers/time.ts); what tests measure is not.
const env = { ...process.env, ZMQ_TS_TIME_SCALE: process.env.ZMQ_TS_TIME_SCALE ?? "4" }
tests = spawn(process.execPath, [resolve(root, "scripts/run-tests.mjs"), ...argv], { stdio: "inherit", cwd: root, env })
tests.on("exit", (code, signal) => {
  killBurners()
  console.log(`test:stress: suite ended with ${signal ?? code} after ${((Date.now() - started) / 1000).toFixed(0)} s`)
  process.exit(code ?? 1)
})

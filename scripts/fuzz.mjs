// Long-running fuzzer:
//   npm run fuzz -- [--seconds N] [--seed S] [--target PREFIX[,...]] [--skip PREFIX[,...]]
//                   [--iteration N|N..M] [--dump] [--list]
// --seconds defaults to 300. --iteration replays those inputs of the selected
// targets (a fresh socket per visit); with --dump it prints them instead.
// With --in-process, runs test/fuzz/inproc/run.ts instead: the codec, the
// mechanisms and ZAP driven directly, without sockets, far faster (options
// --seconds, --inputs, --seed, --target, --iteration).
// Otherwise runs test/fuzz/fuzzer.ts in `node --expose-gc --import tsx` (the memory oracle
// forces full collections). Prints the seed, the inputs executed per target,
// every failure with the seed and iteration to reproduce it, and a summary;
// exits non-zero when anything failed. The seed may also come from
// ZMQ_TS_FUZZ_SEED.
import { spawnSync } from "node:child_process"
import { dirname, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const inProcess = process.argv.includes("--in-process")
const engine = pathToFileURL(resolve(root, inProcess ? "test/fuzz/inproc/run.ts" : "test/fuzz/fuzzer.ts")).href
const main = inProcess ? "cliInProcess" : "cliMain"
const code = `import(${JSON.stringify(engine)}).then((m) => m.${main}(JSON.parse(process.env.ZMQ_TS_FUZZ_ARGV))).then((status) => process.exit(status), (err) => { console.error(err); process.exit(2) })`
const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", code], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, ZMQ_TS_FUZZ_ARGV: JSON.stringify(process.argv.slice(2)) },
})
process.exit(r.status ?? 1)

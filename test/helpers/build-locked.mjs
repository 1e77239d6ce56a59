// Runs `npm run build` unless dist/ is already fresh, while holding the lock
// that flock(1) took for us (test/helpers/build.ts). Usage:
//   node build-locked.mjs files <path relative to dist> ...   build unless every file exists
//   node build-locked.mjs newer <entry relative to dist>      build unless the entry is newer than src/
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const dist = join(root, "dist")
const [mode, ...paths] = process.argv.slice(2)

function newest(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

const fresh =
  mode === "files"
    ? paths.every((p) => existsSync(join(dist, p)))
    : existsSync(join(dist, paths[0])) && statSync(join(dist, paths[0])).mtimeMs >= newest(join(root, "src"))
if (!fresh) {
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" })
  process.exit(r.status ?? 1)
}

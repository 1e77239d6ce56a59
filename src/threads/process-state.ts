/**
 * What every thread of the process shares for the default context: its
 * options and the table of bound inproc names, both in SharedArrayBuffers
 * that the first thread to load zmq-ts puts in the worker environment
 * (worker_threads.setEnvironmentData), which Node copies into every worker
 * started afterwards (a SharedArrayBuffer is shared, not copied). So load
 * zmq-ts in the main thread before starting workers; a worker started
 * earlier gets a process state of its own (its inproc still reaches the
 * others: see remote-inproc.ts, discovery goes through a BroadcastChannel).
 */
import { getEnvironmentData, setEnvironmentData, threadId } from "node:worker_threads"

const KEY = "zmq-ts:process-state:1"

interface SharedState {
  options: SharedArrayBuffer
  names: SharedArrayBuffer
}

/** The default context's options, in the order of their slots. */
const OPTIONS: readonly [string, "bool" | "int", number][] = [
  ["blocky", "bool", 1],
  ["ioThreads", "int", 1],
  ["maxMessageSize", "int", 2147483647],
  ["maxSockets", "int", 1023],
  ["ipv6", "bool", 0],
  ["threadPriority", "int", -1],
  ["threadSchedulingPolicy", "int", -1],
]

const NAME_SLOTS = 4096
const LOCK = 0
const FIRST = 4 // entries: [hash1, hash2, threadId + 1]

function state(): SharedState {
  const found = getEnvironmentData(KEY) as SharedState | undefined
  if (found !== undefined) return found
  const options = new SharedArrayBuffer(OPTIONS.length * 4)
  const words = new Int32Array(options)
  OPTIONS.forEach(([, , initial], i) => (words[i] = initial))
  const created = { options, names: new SharedArrayBuffer((FIRST + NAME_SLOTS * 3) * 4) }
  setEnvironmentData(KEY, created)
  return created
}

const shared = state()

/**
 * Makes `target`'s options (a context's value store) live views of the shared slots, so that a value
 * set in one thread is read in all of them.
 */
export function shareOptions(target: object): void {
  const words = new Int32Array(shared.options)
  OPTIONS.forEach(([name, kind], i) => {
    Object.defineProperty(target, name, {
      configurable: true,
      enumerable: true,
      get: () => (kind === "bool" ? Atomics.load(words, i) !== 0 : Atomics.load(words, i)),
      set: (value: unknown) => {
        Atomics.store(words, i, kind === "bool" ? (value === true ? 1 : 0) : Number(value) | 0)
      },
    })
  })
}

const names = new Int32Array(shared.names)

function hashes(name: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x01000193
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b + c, 0x5bd1e995) ^ (b >>> 15)
  }
  return [a | 0, (b ^ name.length) | 0]
}

/** Runs `fn` under the table's lock; the critical sections are a few hundred word reads. */
function locked<T>(fn: () => T): T {
  while (Atomics.compareExchange(names, LOCK, 0, 1) !== 0) Atomics.wait(names, LOCK, 1, 1)
  try {
    return fn()
  } finally {
    Atomics.store(names, LOCK, 0)
    Atomics.notify(names, LOCK, 1)
  }
}

/** Records that this thread binds `name`; false if another thread of the process has. */
export function claimName(name: string): boolean {
  const [h1, h2] = hashes(name)
  return locked(() => {
    let free = -1
    for (let i = 0; i < NAME_SLOTS; i++) {
      const at = FIRST + i * 3
      const owner = names[at + 2]!
      if (owner === 0) {
        if (free < 0) free = at
        continue
      }
      if (names[at] === h1 && names[at + 1] === h2) return owner === threadId + 1
    }
    // A full table only loses the cross-thread EADDRINUSE check.
    if (free < 0) return true
    names[free] = h1
    names[free + 1] = h2
    names[free + 2] = threadId + 1
    return true
  })
}

export function releaseName(name: string): void {
  const [h1, h2] = hashes(name)
  locked(() => {
    for (let i = 0; i < NAME_SLOTS; i++) {
      const at = FIRST + i * 3
      if (names[at + 2] === threadId + 1 && names[at] === h1 && names[at + 1] === h2) names[at + 2] = 0
    }
  })
}

/** A thread ended: its names are free again. */
export function releaseThread(tid: number): void {
  locked(() => {
    for (let i = 0; i < NAME_SLOTS; i++) if (names[FIRST + i * 3 + 2] === tid + 1) names[FIRST + i * 3 + 2] = 0
  })
}

/**
 * Memory still reachable after a forced, full garbage collection: what the
 * hostile-input and backlog tests bound. V8's gc is exposed at run time, so
 * the tests need no --expose-gc flag.
 */
import * as v8 from "node:v8"
import * as vm from "node:vm"

let gcFn: (() => void) | null = null

/** A full, forced garbage collection (twice: the first may leave finalizer work for the second). */
export function forceGc(): void {
  if (gcFn === null) {
    v8.setFlagsFromString("--expose-gc")
    gcFn = vm.runInNewContext("gc") as () => void
  }
  gcFn()
  gcFn()
}

/** heapUsed + arrayBuffers (Buffers live there) after a forced GC, in bytes. */
export function liveMemory(): number {
  forceGc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/** Buffer memory alone after a forced GC, in bytes. */
export function liveArrayBuffers(): number {
  forceGc()
  return process.memoryUsage().arrayBuffers
}

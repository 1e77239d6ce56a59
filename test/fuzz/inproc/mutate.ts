/**
 * Randomness and structure-aware mutation for the in-process fuzzer. Inputs
 * start from valid wire structures (frames, commands, metadata, boxes) whose
 * interesting fields are recorded, so that mutations hit lengths, flags and
 * names often instead of hoping random bytes land on them.
 */

/** xorshift32: fast, seedable, and the same on every run for a given seed. */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9
  }
  u32(): number {
    let x = this.s
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.s = x >>> 0
    return this.s
  }
  /** 0 <= n < max */
  int(max: number): number {
    return max <= 1 ? 0 : this.u32() % max
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
  /** n random octets; one PRNG step per four octets (bodies are filler, not what we mutate). */
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n)
    let i = 0
    for (; i + 4 <= n; i += 4) b.writeUInt32LE(this.u32(), i)
    for (; i < n; i++) b[i] = this.u32() & 0xff
    return b
  }
}

/** Seed of one input, from the run's seed, the target and the iteration only (replayable). */
export function inputSeed(seed: number, target: string, iteration: number): number {
  let h = 0x811c9dc5 ^ seed
  const s = `${target}|${iteration}`
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return h >>> 0
}

/** What a field at `off` holds: mutations of it pick values that matter for its kind. */
export type FieldKind = "flags" | "size8" | "size64" | "u32" | "u8" | "name"
export interface Field {
  off: number
  kind: FieldKind
}

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff]

/** Overwrites a field with a boundary value (or a nudge of the current one). */
function mutateField(rng: Rng, b: Buffer, f: Field): string {
  switch (f.kind) {
    case "flags":
      b[f.off] = rng.chance(0.5) ? b[f.off]! ^ (1 << rng.int(8)) : rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 0xff])
      return `flags@${f.off}`
    case "u8":
    case "size8":
      b[f.off] = rng.chance(0.5) ? (b[f.off]! + rng.int(5) - 2) & 0xff : rng.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff])
      return `${f.kind}@${f.off}`
    case "u32":
      if (f.off + 4 <= b.length) b.writeUInt32BE(rng.chance(0.5) ? (b.readUInt32BE(f.off) + rng.int(9) - 4) >>> 0 : rng.pick(INTERESTING_U32), f.off)
      return `u32@${f.off}`
    case "size64":
      if (f.off + 8 <= b.length) {
        b.writeUInt32BE(rng.pick([0, 0, 0, 1, 0x1fffff, 0x200000, 0xffffffff]), f.off)
        b.writeUInt32BE(rng.pick(INTERESTING_U32), f.off + 4)
      }
      return `size64@${f.off}`
    case "name":
      b[f.off] = rng.chance(0.5) ? b[f.off]! ^ 0x20 : rng.int(256)
      return `name@${f.off}`
  }
}

/**
 * Applies 1..maxOps mutations: field-aware ones when fields are known, then
 * byte flips, truncation, insertion, duplication of a slice, or removal.
 */
export function mutate(rng: Rng, input: Buffer, fields: readonly Field[], maxOps = 3): { bytes: Buffer; ops: string[] } {
  let b = Buffer.from(input)
  const ops: string[] = []
  const n = 1 + rng.int(maxOps)
  for (let k = 0; k < n; k++) {
    const choice = rng.int(10)
    if (choice < 4 && fields.length > 0) {
      const f = rng.pick(fields)
      if (f.off < b.length) ops.push(mutateField(rng, b, f))
    } else if (choice < 6 && b.length > 0) {
      const at = rng.int(b.length)
      b[at] = rng.chance(0.5) ? b[at]! ^ (1 << rng.int(8)) : rng.int(256)
      ops.push(`byte@${at}`)
    } else if (choice === 6 && b.length > 0) {
      const len = rng.int(b.length)
      b = b.subarray(0, len)
      ops.push(`truncate@${len}`)
    } else if (choice === 7) {
      const at = rng.int(b.length + 1)
      b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at)])
      ops.push(`insert@${at}`)
    } else if (choice === 8 && b.length > 1) {
      const from = rng.int(b.length)
      const len = 1 + rng.int(Math.min(64, b.length - from))
      const at = rng.int(b.length + 1)
      b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)])
      ops.push(`dup@${from}+${len}->${at}`)
    } else if (b.length > 1) {
      const from = rng.int(b.length)
      const len = 1 + rng.int(Math.min(16, b.length - from))
      b = Buffer.concat([b.subarray(0, from), b.subarray(from + len)])
      ops.push(`remove@${from}+${len}`)
    }
  }
  return { bytes: b, ops }
}

/** Splits bytes at random points (how TCP may deliver them). */
export function chunks(rng: Rng, b: Buffer): Buffer[] {
  if (b.length < 2 || rng.chance(0.3)) return [b]
  const out: Buffer[] = []
  let at = 0
  while (at < b.length) {
    const len = rng.chance(0.2) ? 1 : 1 + rng.int(Math.max(1, b.length >> 1))
    out.push(b.subarray(at, at + len))
    at += len
  }
  return out
}

/** The error an oracle reports: the type and message, never a stack (the same for every replay). */
export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

import type { Pipe } from "../pipe.js"

/**
 * An array of pipes split into an active prefix [0, active) and an inactive
 * rest, with O(1) moves between the two (libzmq's array_t technique).
 */
export class PipeArray {
  readonly items: Pipe[] = []
  active = 0
  private readonly index = new Map<Pipe, number>()

  get size(): number {
    return this.items.length
  }

  has(pipe: Pipe): boolean {
    return this.index.has(pipe)
  }

  isActive(pipe: Pipe): boolean {
    const i = this.index.get(pipe)
    return i !== undefined && i < this.active
  }

  /** Adds a pipe to the active region. */
  addActive(pipe: Pipe): void {
    this.push(pipe)
    this.swap(this.items.length - 1, this.active)
    this.active++
  }

  /** Adds a pipe to the inactive region. */
  push(pipe: Pipe): void {
    this.index.set(pipe, this.items.length)
    this.items.push(pipe)
  }

  /** Moves an inactive pipe into the active region. */
  activate(pipe: Pipe): void {
    const i = this.index.get(pipe)
    if (i === undefined || i < this.active) return
    this.swap(i, this.active)
    this.active++
  }

  /** Moves the active pipe at position i out of the active region. */
  deactivateAt(i: number): void {
    this.active--
    this.swap(i, this.active)
  }

  /** Removes a pipe wherever it is; returns the position it had, or -1. */
  remove(pipe: Pipe): number {
    const i = this.index.get(pipe)
    if (i === undefined) return -1
    if (i < this.active) {
      this.active--
      this.swap(i, this.active)
    }
    const at = this.index.get(pipe)!
    const last = this.items.length - 1
    this.swap(at, last)
    this.items.pop()
    this.index.delete(pipe)
    return i
  }

  swap(i: number, j: number): void {
    if (i === j) return
    const a = this.items[i]!
    const b = this.items[j]!
    this.items[i] = b
    this.items[j] = a
    this.index.set(a, j)
    this.index.set(b, i)
  }
}

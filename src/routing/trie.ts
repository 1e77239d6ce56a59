/**
 * A radix tree over byte strings, for prefix subscriptions (RFC 29: a
 * subscription matches every message whose first frame starts with it).
 * Each node holds a compressed edge, so memory grows with the number of
 * distinct subscriptions rather than with their total length, and removing
 * a subscription prunes and re-merges the nodes it used.
 */
class Node<V> {
  edge: Buffer
  children: Map<number, Node<V>> | null = null
  value: V | undefined = undefined

  constructor(edge: Buffer) {
    this.edge = edge
  }
}

function commonPrefix(a: Buffer, aOff: number, b: Buffer): number {
  const n = Math.min(a.length - aOff, b.length)
  let i = 0
  while (i < n && a[aOff + i] === b[i]) i++
  return i
}

export class PrefixTree<V> {
  private readonly root = new Node<V>(Buffer.alloc(0))
  private count = 0

  /** Number of prefixes that hold a value. */
  get size(): number {
    return this.count
  }

  /** The value at exactly `prefix`, if any. */
  get(prefix: Buffer): V | undefined {
    const node = this.find(prefix)
    return node?.value
  }

  /** Sets the value at exactly `prefix` (creating nodes as needed). */
  set(prefix: Buffer, value: V): void {
    let node = this.root
    let off = 0
    while (off < prefix.length) {
      const first = prefix[off]!
      const child = node.children?.get(first)
      if (child === undefined) {
        const leaf = new Node<V>(Buffer.from(prefix.subarray(off)))
        ;(node.children ??= new Map()).set(first, leaf)
        node = leaf
        off = prefix.length
        break
      }
      const common = commonPrefix(prefix, off, child.edge)
      if (common === child.edge.length) {
        node = child
        off += common
        continue
      }
      // Split the child's edge at the point where it differs from the prefix.
      // Copies, not views: a short prefix must not keep a long edge's buffer alive.
      const mid = new Node<V>(Buffer.from(child.edge.subarray(0, common)))
      child.edge = Buffer.from(child.edge.subarray(common))
      mid.children = new Map([[child.edge[0]!, child]])
      node.children!.set(first, mid)
      node = mid
      off += common
    }
    if (node.value === undefined) this.count++
    node.value = value
  }

  /** Removes the value at exactly `prefix`; returns whether there was one. */
  delete(prefix: Buffer): boolean {
    const path: Node<V>[] = [this.root]
    let node = this.root
    let off = 0
    while (off < prefix.length) {
      const child = node.children?.get(prefix[off]!)
      if (child === undefined) return false
      if (commonPrefix(prefix, off, child.edge) !== child.edge.length) return false
      off += child.edge.length
      node = child
      path.push(node)
    }
    if (node.value === undefined) return false
    node.value = undefined
    this.count--
    this.prune(path)
    return true
  }

  /** Calls fn for every stored prefix that is a prefix of `data` (shortest first). */
  matches(data: Buffer, fn: (value: V) => void): void {
    let node = this.root
    let off = 0
    for (;;) {
      if (node.value !== undefined) fn(node.value)
      if (off >= data.length || node.children === null) return
      const child = node.children.get(data[off]!)
      if (child === undefined) return
      const edge = child.edge
      if (data.length - off < edge.length) return
      for (let i = 0; i < edge.length; i++) if (data[off + i] !== edge[i]) return
      off += edge.length
      node = child
    }
  }

  /** True if some stored prefix is a prefix of `data`. */
  hasMatch(data: Buffer): boolean {
    let found = false
    this.matches(data, () => {
      found = true
    })
    return found
  }

  /** Visits every stored prefix with its value. */
  forEach(fn: (prefix: Buffer, value: V) => void): void {
    const walk = (node: Node<V>, prefix: Buffer): void => {
      if (node.value !== undefined) fn(prefix, node.value)
      if (node.children) for (const child of node.children.values()) walk(child, Buffer.concat([prefix, child.edge]))
    }
    walk(this.root, Buffer.alloc(0))
  }

  clear(): void {
    this.root.children = null
    this.root.value = undefined
    this.count = 0
  }

  private find(prefix: Buffer): Node<V> | undefined {
    let node = this.root
    let off = 0
    while (off < prefix.length) {
      const child = node.children?.get(prefix[off]!)
      if (child === undefined) return undefined
      if (commonPrefix(prefix, off, child.edge) !== child.edge.length) return undefined
      off += child.edge.length
      node = child
    }
    return node
  }

  /** Walks back up `path`, dropping empty leaves and merging single-child nodes. */
  private prune(path: Node<V>[]): void {
    for (let i = path.length - 1; i > 0; i--) {
      const node = path[i]!
      const parent = path[i - 1]!
      if (node.value !== undefined) return
      const kids = node.children?.size ?? 0
      if (kids === 0) {
        parent.children!.delete(node.edge[0]!)
        if (parent.children!.size === 0) parent.children = null
        continue
      }
      if (kids === 1) {
        const only = node.children!.values().next().value!
        only.edge = Buffer.concat([node.edge, only.edge])
        parent.children!.set(only.edge[0]!, only)
      }
      return
    }
  }
}

/**
 * A radix tree over byte strings, for prefix subscriptions (RFC 29: a
 * subscription matches every message whose first frame starts with it).
 * Each node holds a compressed edge, so memory grows with the number of
 * distinct subscriptions rather than with their total length, and removing
 * a subscription prunes and re-merges the nodes it used.
 *
 * Edges are latin1 strings (one char per byte), not Buffers: a short string
 * costs V8 a few dozen bytes where a Buffer view costs over a hundred, and a
 * hostile subscriber can make millions of them (docs/security.md).
 */
class Node<V> {
  edge: string
  children: Map<number, Node<V>> | null = null
  value: V | undefined = undefined

  constructor(edge: string) {
    this.edge = edge
  }
}

function commonPrefix(a: Buffer, aOff: number, b: string): number {
  const n = Math.min(a.length - aOff, b.length)
  let i = 0
  while (i < n && a[aOff + i] === b.charCodeAt(i)) i++
  return i
}

export class PrefixTree<V> {
  private readonly root = new Node<V>("")
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
        const leaf = new Node<V>(prefix.toString("latin1", off))
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
      // Copies, not views: a short edge must not keep a long one alive.
      const mid = new Node<V>(flat(child.edge.slice(0, common)))
      child.edge = flat(child.edge.slice(common))
      mid.children = new Map([[child.edge.charCodeAt(0), child]])
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
  matches(data: Uint8Array, fn: (value: V) => void): void {
    let node = this.root
    let off = 0
    for (;;) {
      if (node.value !== undefined) fn(node.value)
      if (off >= data.length || node.children === null) return
      const child = node.children.get(data[off]!)
      if (child === undefined) return
      const edge = child.edge
      if (data.length - off < edge.length) return
      for (let i = 0; i < edge.length; i++) if (data[off + i] !== edge.charCodeAt(i)) return
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
    const walk = (node: Node<V>, prefix: string): void => {
      if (node.value !== undefined) fn(Buffer.from(prefix, "latin1"), node.value)
      if (node.children) for (const child of node.children.values()) walk(child, prefix + child.edge)
    }
    walk(this.root, "")
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
        parent.children!.delete(node.edge.charCodeAt(0))
        if (parent.children!.size === 0) parent.children = null
        continue
      }
      if (kids === 1) {
        const only = node.children!.values().next().value!
        only.edge = flat(node.edge + only.edge)
        parent.children!.set(only.edge.charCodeAt(0), only)
      }
      return
    }
  }
}

/**
 * An independent copy of `s`. V8 makes a slice of 13 or more chars a view of
 * its source (a sliced string) and a concatenation a pair of references (a
 * cons string): either would keep the text of a removed, possibly huge,
 * subscription alive inside a short edge. A round trip through a Buffer
 * copies for certain; short strings are copied by V8 already.
 */
function flat(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, "latin1").toString("latin1")
}

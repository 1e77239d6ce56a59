/** node:net for the browser build: only the address classifiers the endpoint parser uses. */
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

export function isIPv4(s: string): boolean {
  return V4.test(s)
}

/** RFC 4291 2.2 text forms: up to eight groups, one "::", an optional trailing IPv4, a zone id. */
export function isIPv6(s: string): boolean {
  const addr = s.replace(/%[\w.~-]+$/, "")
  if (!/^[0-9a-fA-F:.]+$/.test(addr) || (addr.match(/::/g) ?? []).length > 1) return false
  let groups = addr.split(":")
  const last = groups[groups.length - 1]!
  let extra = 0
  if (last.includes(".")) {
    if (!isIPv4(last)) return false
    groups = groups.slice(0, -1)
    extra = 2
  }
  const compressed = addr.includes("::")
  const filled = groups.filter((g) => g.length > 0)
  if (filled.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false
  if (!compressed && (groups.some((g) => g.length === 0) || filled.length + extra !== 8)) return false
  if (compressed && filled.length + extra > 7) return false
  return true
}

export function isIP(s: string): number {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0
}

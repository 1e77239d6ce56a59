/**
 * Z85 (ZeroMQ RFC 32): binary frames as printable text, 4 octets to 5
 * characters, big-endian, base 85. CURVE keys are given as 40-character Z85
 * strings (zmq_curve_keypair, zeromq.js curveKeyPair()).
 *
 * Strict, like libzmq 4.3's zmq_z85_decode: a string whose length is not a
 * multiple of 5, that holds a character outside the alphabet, or whose
 * 5-character group is worth more than 2^32 - 1 is rejected, here with a
 * RangeError.
 */

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

const ENCODER = new Uint8Array(85)
/** char code -> value 0..84, or 0xff for a character outside the alphabet. */
const DECODER = new Uint8Array(128).fill(0xff)
for (let i = 0; i < 85; i++) {
  const c = ALPHABET.charCodeAt(i)
  ENCODER[i] = c
  DECODER[c] = i
}

const MAX_U32 = 0xffffffff

/** Encodes `data` (length a multiple of 4) as Z85. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) {
    throw new RangeError(`Z85 encode: length ${data.length} is not a multiple of 4`)
  }
  const out = Buffer.allocUnsafe((data.length / 4) * 5)
  let o = 0
  for (let i = 0; i < data.length; i += 4) {
    let v = ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0
    for (let j = 4; j >= 0; j--) {
      out[o + j] = ENCODER[v % 85]!
      v = Math.floor(v / 85)
    }
    o += 5
  }
  return out.toString("latin1")
}

/**
 * Decodes a Z85 string (length a multiple of 5). Throws a RangeError on a
 * bad length, a character outside the Z85 alphabet, or a group > 2^32 - 1.
 */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new RangeError(`Z85 decode: length ${text.length} is not a multiple of 5`)
  }
  const out = new Uint8Array((text.length / 5) * 4)
  let o = 0
  for (let i = 0; i < text.length; i += 5) {
    let v = 0
    for (let j = 0; j < 5; j++) {
      const c = text.charCodeAt(i + j)
      const d = c < 128 ? DECODER[c]! : 0xff
      if (d === 0xff) {
        throw new RangeError(`Z85 decode: invalid character ${JSON.stringify(text[i + j])} at ${i + j}`)
      }
      v = v * 85 + d // < 85^5 < 2^53: exact
    }
    if (v > MAX_U32) {
      throw new RangeError(`Z85 decode: group at ${i} is worth ${v}, more than 2^32 - 1`)
    }
    out[o++] = v >>> 24
    out[o++] = (v >>> 16) & 0xff
    out[o++] = (v >>> 8) & 0xff
    out[o++] = v & 0xff
  }
  return out
}

/** True if `text` is a valid Z85 string of exactly `bytes` decoded octets (e.g. a 32-byte key). */
export function isZ85(text: string, bytes?: number): boolean {
  if (bytes !== undefined && text.length !== (bytes / 4) * 5) return false
  try {
    z85Decode(text)
    return true
  } catch {
    return false
  }
}

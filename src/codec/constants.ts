/** ZMTP 3.x wire constants (RFC 23 / RFC 37). */

/** Length of the full greeting, RFC 37 section "The Greeting". */
export const GREETING_SIZE = 64
/** Signature (10) + major version (1): enough to tell the protocol revision. */
export const SIGNATURE_SIZE = 10

/** Frame flag bits, RFC 37 "Framing": bit 0 MORE, bit 1 LONG, bit 2 COMMAND. */
export const FLAG_MORE = 0x01
export const FLAG_LONG = 0x02
export const FLAG_COMMAND = 0x04

export const MECHANISM_NULL = "NULL"
export const MECHANISM_PLAIN = "PLAIN"
export const MECHANISM_CURVE = "CURVE"

/** Largest body that still fits the one-octet size of a short frame. */
export const SHORT_FRAME_MAX = 255

/**
 * What a queued frame costs us beyond its bytes: a Buffer view is a JS object
 * of about 104 bytes of heap (measured on Node 20), plus its slot in the
 * message array. Counting it makes a flood of empty frames as expensive as it
 * really is: 65,536 empty frames are 128 KiB on the wire and 6.8 MiB of heap.
 */
export const FRAME_OVERHEAD = 128

/**
 * node:buffer for the browser build. MAX_LENGTH bounds a frame the decoder
 * will allocate: V8 caps a typed array at 2^32 - 1 octets on 64-bit (and
 * less where memory is short, which then fails as any allocation does).
 */
export const constants = { MAX_LENGTH: 0xffff_ffff, MAX_STRING_LENGTH: 0x1fff_ffe8 }
export { Buffer } from "../buffer.js"

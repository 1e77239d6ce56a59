/*
 * XSalsa20-Poly1305 (NaCl crypto_secretbox) for WebAssembly with SIMD128.
 * Compiled by scripts/build-wasm.mjs into src/crypto/secretbox-wasm.ts;
 * src/crypto/secretbox.ts drives it (and falls back to tweetnacl).
 *
 * No libc: everything the module needs is here. The JavaScript side copies
 * data into fixed buffers in the module's memory (key_ptr(), nonce_ptr(),
 * mac_ptr(), data_ptr() = mac_ptr() + 16) and calls box_init / seal_update / open_update /
 * box_mac / box_verify. A message longer than DATA_CAP goes through in
 * pieces: the first piece may be FIRST_CAP bytes, the others exactly CHUNK
 * bytes except the last, so keystream blocks and Poly1305 blocks stay
 * aligned inside each piece.
 *
 * Salsa20 runs eight (or four) 64-byte blocks at once, one block per 32-bit
 * lane of 16 v128 registers per four; Poly1305 is poly1305-donna-32 (26-bit limbs, 64-bit
 * products), which suits wasm's i64.mul better than 64-bit limbs would
 * (wasm has no 64x64->128 multiply), taking two blocks per step as
 * h = (h + m1) r^2 + m2 r: the two products are independent and share one
 * carry chain, 22% faster than one block per step (64 KiB: 23-24 vs 30 us).
 */
#include <stdint.h>
#include <wasm_simd128.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define EXPORT(name) __attribute__((export_name(#name)))

#define CHUNK 65536
#define FIRST_CAP (CHUNK + 32)
#define DATA_CAP FIRST_CAP

static u8 KEY[32];
static u8 NONCE[24];
/* MAC directly before DATA, so [MAC][ciphertext] moves in one copy. */
static u8 IO[16 + DATA_CAP] __attribute__((aligned(16)));
#define MAC IO
#define DATA (IO + 16)

EXPORT(key_ptr) u8 *key_ptr(void) { return KEY; }
EXPORT(nonce_ptr) u8 *nonce_ptr(void) { return NONCE; }
EXPORT(mac_ptr) u8 *mac_ptr(void) { return MAC; }
EXPORT(data_ptr) u8 *data_ptr(void) { return DATA; }
EXPORT(chunk_size) u32 chunk_size(void) { return CHUNK; }

static inline u32 ld32(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4); /* wasm is little-endian, as Salsa20 and Poly1305 are */
  return v;
}
static inline void st32(u8 *p, u32 v) { __builtin_memcpy(p, &v, 4); }

#define SIGMA0 0x61707865u
#define SIGMA1 0x3320646eu
#define SIGMA2 0x79622d32u
#define SIGMA3 0x6b206574u

#include "poly1305.h"

#include "salsa20.h"

/* -------------------------------------------------------------- secretbox */

/*
 * The HSalsa20 subkey depends only on the key and the nonce's first 16
 * bytes, and CurveZMQ's MESSAGE nonces share those 16 bytes ("CurveZMQMESSAGEC"
 * + the key of one connection): so the last subkey is kept and reused while
 * key and nonce prefix are unchanged, which saves one of the two or three
 * Salsa20 blocks a short message costs.
 */
static u8 LAST[48]; /* key + nonce[0..16) the subkey in S was made from */
static int have_last;

/* Starts a box with KEY and NONCE: subkey, block 0, Poly1305 key. */
EXPORT(box_init) void box_init(void) {
  u32 d = 0;
  for (int i = 0; i < 32; i++) d |= (u32)(LAST[i] ^ KEY[i]);
  for (int i = 0; i < 16; i++) d |= (u32)(LAST[32 + i] ^ NONCE[i]);
  if (d != 0 || !have_last) {
    u8 sub[32];
    hsalsa20(sub, NONCE, KEY);
    S[0] = SIGMA0; S[5] = SIGMA1; S[10] = SIGMA2; S[15] = SIGMA3;
    for (int i = 0; i < 4; i++) {
      S[1 + i] = ld32(sub + 4 * i);
      S[11 + i] = ld32(sub + 16 + 4 * i);
    }
    for (int i = 0; i < 32; i++) LAST[i] = KEY[i];
    for (int i = 0; i < 16; i++) LAST[32 + i] = NONCE[i];
    have_last = 1;
  }
  S[6] = ld32(NONCE + 16);
  S[7] = ld32(NONCE + 20);
  counter = 0;
  salsa20_1(KS0, ZERO256, 64);
  poly_init(KS0);
}

/* Encrypts DATA[0..len) in place and feeds the ciphertext to Poly1305. */
EXPORT(seal_update) void seal_update(u32 len, u32 first) {
  seal_stream(DATA, len, (int)first);
}

/* Feeds ciphertext DATA[0..len) to Poly1305 only (first pass of a long open). */
EXPORT(auth_update) void auth_update(u32 len) { poly_update(DATA, len); }

/* Decrypts DATA[0..len) in place (after the MAC was verified). */
EXPORT(decrypt_update) void decrypt_update(u32 len, u32 first) { xor_stream(DATA, len, (int)first); }

/* The tag into MAC. */
EXPORT(box_mac) void box_mac(void) { poly_finish(MAC); }

/* 0 if the tag equals MAC (constant time), -1 if not. */
EXPORT(box_verify) int box_verify(void) {
  u8 t[16];
  poly_finish(t);
  u32 d = 0;
  for (int i = 0; i < 16; i++) d |= (u32)(t[i] ^ MAC[i]);
  return (int)((1 & ((d - 1) >> 8)) - 1);
}

/* A whole seal of DATA[0..len), len <= FIRST_CAP: one call for short messages. */
EXPORT(seal_one) void seal_one(u32 len) {
  box_init();
  seal_update(len, 1);
  box_mac();
}

/* A whole open of DATA[0..len) against MAC, len <= FIRST_CAP: 0, or -1 if the
 * MAC is wrong (DATA then holds neither: it is zeroed, as no plaintext of a
 * forged box may be used). */
EXPORT(open_one) int open_one(u32 len) {
  box_init();
  open_stream(DATA, len);
  if (box_verify() != 0) {
    for (u32 i = 0; i < len; i++) DATA[i] = 0;
    return -1;
  }
  return 0;
}

/*
 * Forgets every key the module holds (the cached subkey too). The JavaScript
 * side calls it when a box fails to open; otherwise the last key stays until
 * the next box, as the session key itself stays in the mechanism.
 */
EXPORT(box_wipe) void box_wipe(void) {
  for (int i = 0; i < 32; i++) KEY[i] = 0;
  for (int i = 0; i < 48; i++) LAST[i] = 0;
  have_last = 0;
  for (int i = 0; i < 16; i++) S[i] = 0;
  for (int i = 0; i < 64; i++) KS0[i] = 0;
  for (int i = 0; i < 5; i++) R[i] = 0;
  for (int i = 0; i < 4; i++) PAD[i] = 0;
  for (int i = 0; i < 5; i++) R2[i] = 0;
}

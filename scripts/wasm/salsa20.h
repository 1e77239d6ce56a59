/*
 * Salsa20 (one, four and eight blocks at a time) and the keystream/MAC passes
 * for scripts/wasm/secretbox.c, which includes this file after its types,
 * ld32/st32, the SIGMA constants and poly1305.h (one translation unit: the
 * module has no libc and no linker-visible symbols besides its exports).
 */
/* ------------------------------------------------------------------ Salsa20 */

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d)          \
  b ^= ROTL(a + d, 7);          \
  c ^= ROTL(b + a, 9);          \
  d ^= ROTL(c + b, 13);         \
  a ^= ROTL(d + c, 18);

/* A column round then a row round, with Q as the quarter-round (scalar QR or four-block VQR). */
#define DOUBLEROUND_OF(Q, x)               \
  Q(x[0], x[4], x[8], x[12])               \
  Q(x[5], x[9], x[13], x[1])               \
  Q(x[10], x[14], x[2], x[6])              \
  Q(x[15], x[3], x[7], x[11])              \
  Q(x[0], x[1], x[2], x[3])                \
  Q(x[5], x[6], x[7], x[4])                \
  Q(x[10], x[11], x[8], x[9])              \
  Q(x[15], x[12], x[13], x[14])

#define DOUBLEROUND(x) DOUBLEROUND_OF(QR, x)

/* HSalsa20: the XSalsa20 subkey from the key and the nonce's first 16 bytes. */
static void hsalsa20(u8 out[32], const u8 in[16], const u8 k[32]) {
  u32 x[16] = {
      SIGMA0,     ld32(k),       ld32(k + 4),   ld32(k + 8),   ld32(k + 12), SIGMA1,
      ld32(in),   ld32(in + 4),  ld32(in + 8),  ld32(in + 12), SIGMA2,       ld32(k + 16),
      ld32(k + 20), ld32(k + 24), ld32(k + 28), SIGMA3,
  };
  for (int i = 0; i < 10; i++) { DOUBLEROUND(x) }
  st32(out, x[0]);
  st32(out + 4, x[5]);
  st32(out + 8, x[10]);
  st32(out + 12, x[15]);
  st32(out + 16, x[6]);
  st32(out + 20, x[7]);
  st32(out + 24, x[8]);
  st32(out + 28, x[9]);
}

#define VROTL(v, n) wasm_v128_or(wasm_i32x4_shl(v, n), wasm_u32x4_shr(v, 32 - (n)))
#define VQR(a, b, c, d)                                         \
  b = wasm_v128_xor(b, VROTL(wasm_i32x4_add(a, d), 7));         \
  c = wasm_v128_xor(c, VROTL(wasm_i32x4_add(b, a), 9));         \
  d = wasm_v128_xor(d, VROTL(wasm_i32x4_add(c, b), 13));        \
  a = wasm_v128_xor(a, VROTL(wasm_i32x4_add(d, c), 18));

/* Salsa20 state of the stream being used: subkey, 8-byte nonce, next block. */
static u32 S[16];
static u64 counter;
static u8 KS0[64]; /* block 0: Poly1305 key, then the first 32 bytes of keystream */

/* Row 8 or 9 (counter low or high words) of four blocks from counter c. */
static inline v128_t counter_row(u64 c, int high) {
  int sh = high ? 32 : 0;
  return wasm_i32x4_make((int32_t)(c >> sh), (int32_t)((c + 1) >> sh), (int32_t)((c + 2) >> sh),
                         (int32_t)((c + 3) >> sh));
}

/* The input state of four blocks from counter c, one block per lane. */
static inline void state_x4(v128_t x[16], u64 c) {
  for (int i = 0; i < 16; i++) x[i] = wasm_i32x4_splat((int32_t)S[i]);
  x[8] = counter_row(c, 0);
  x[9] = counter_row(c, 1);
}

/*
 * Adds the input state (counter c) to the four blocks' rounds output x and
 * XORs them into out[0..256) from in[0..256). Lane j of x[4g..4g+3] is words
 * 4g..4g+3 of block j: a 4x4 transpose gives each block's bytes in order.
 */
static inline void finish_x4(u8 *out, const u8 *in, v128_t x[16], u64 c) {
  v128_t s[16];
  state_x4(s, c);
  for (int i = 0; i < 16; i++) x[i] = wasm_i32x4_add(x[i], s[i]);
  for (int g = 0; g < 4; g++) {
    v128_t a = x[4 * g], b = x[4 * g + 1], cc = x[4 * g + 2], d = x[4 * g + 3];
    v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5);
    v128_t t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    v128_t t2 = wasm_i32x4_shuffle(cc, d, 0, 4, 1, 5);
    v128_t t3 = wasm_i32x4_shuffle(cc, d, 2, 6, 3, 7);
    v128_t r0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
    v128_t r1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
    v128_t r2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
    v128_t r3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
    int o = 16 * g;
    wasm_v128_store(out + o, wasm_v128_xor(r0, wasm_v128_load(in + o)));
    wasm_v128_store(out + 64 + o, wasm_v128_xor(r1, wasm_v128_load(in + 64 + o)));
    wasm_v128_store(out + 128 + o, wasm_v128_xor(r2, wasm_v128_load(in + 128 + o)));
    wasm_v128_store(out + 192 + o, wasm_v128_xor(r3, wasm_v128_load(in + 192 + o)));
  }
}

#define VDOUBLEROUND(x) DOUBLEROUND_OF(VQR, x)

/*
 * Four keystream blocks (counter .. counter+3) XORed into out[0..256) from
 * in[0..256) (in may equal out).
 */
static void salsa20_x4(u8 *out, const u8 *in) {
  v128_t x[16];
  u64 c = counter;
  state_x4(x, c);
  for (int i = 0; i < 10; i++) { VDOUBLEROUND(x) }
  finish_x4(out, in, x, c);
  counter = c + 4;
}

/*
 * Eight blocks: two independent sets of four, their quarter-rounds
 * interleaved. One set alone is bound by the latency of its dependency chain
 * (add, rotate, xor: each quarter-round waits for the last), not by the SIMD
 * units; the second set fills the gaps. 64 KiB of keystream: 43-44 vs 57 us
 * of CPU (V8 spills about half of the 32 state registers, which costs less
 * than the idle cycles did); three or four sets were no faster (more spills).
 *
 * Poly1305 of `steps` 32-byte pieces of pm (at most 16) runs inside the
 * rounds: its scalar multiplies use other execution units than the SIMD
 * rounds, so the two overlap (seal and open of 64 KiB 4-5% less CPU than one
 * pass after the other). pm is read before out is written, so pm may be in.
 * Inlined, so that the keystream-only callers (steps = 0) carry no MAC code.
 */
__attribute__((always_inline)) static inline void salsa20_x8(u8 *out, const u8 *in, const u8 *pm, u32 steps) {
  POLY_LOCALS
  v128_t x[2][16];
  u64 c = counter;
  state_x4(x[0], c);
  for (int i = 0; i < 16; i++) x[1][i] = x[0][i];
  x[1][8] = counter_row(c + 4, 0);
  x[1][9] = counter_row(c + 4, 1);
  for (u32 i = 0; i < 10; i++) {
    VQR(x[0][0], x[0][4], x[0][8], x[0][12]) VQR(x[1][0], x[1][4], x[1][8], x[1][12])
    VQR(x[0][5], x[0][9], x[0][13], x[0][1]) VQR(x[1][5], x[1][9], x[1][13], x[1][1])
    VQR(x[0][10], x[0][14], x[0][2], x[0][6]) VQR(x[1][10], x[1][14], x[1][2], x[1][6])
    VQR(x[0][15], x[0][3], x[0][7], x[0][11]) VQR(x[1][15], x[1][3], x[1][7], x[1][11])
    if (2 * i < steps) {
      const u8 *m = pm + 64 * i;
      POLY_STEP2(m, 1u << 24)
    }
    VQR(x[0][0], x[0][1], x[0][2], x[0][3]) VQR(x[1][0], x[1][1], x[1][2], x[1][3])
    VQR(x[0][5], x[0][6], x[0][7], x[0][4]) VQR(x[1][5], x[1][6], x[1][7], x[1][4])
    if (2 * i + 1 < steps) {
      const u8 *m = pm + 64 * i + 32;
      POLY_STEP2(m, 1u << 24)
    }
    VQR(x[0][10], x[0][11], x[0][8], x[0][9]) VQR(x[1][10], x[1][11], x[1][8], x[1][9])
    VQR(x[0][15], x[0][12], x[0][13], x[0][14]) VQR(x[1][15], x[1][12], x[1][13], x[1][14])
  }
  POLY_STORE
  for (int w = 0; w < 2; w++) finish_x4(out + 256 * w, in + 256 * w, x[w], c + 4 * (u64)w);
  counter = c + 8;
}

/* One keystream block (counter) XORed into out[0..n) from in (n <= 64), one
 * lane's worth: cheaper than salsa20_x4 for block 0 and short tails. */
static void salsa20_1(u8 *out, const u8 *in, u32 n) {
  u32 x[16], s[16];
  for (int i = 0; i < 16; i++) s[i] = S[i];
  s[8] = (u32)counter;
  s[9] = (u32)(counter >> 32);
  for (int i = 0; i < 16; i++) x[i] = s[i];
  for (int i = 0; i < 10; i++) { DOUBLEROUND(x) }
  if (n == 64) {
    for (int i = 0; i < 16; i++) st32(out + 4 * i, ld32(in + 4 * i) ^ (x[i] + s[i]));
  } else {
    u8 ks[64];
    for (int i = 0; i < 16; i++) st32(ks + 4 * i, x[i] + s[i]);
    for (u32 i = 0; i < n; i++) out[i] = in[i] ^ ks[i];
  }
  counter++;
}

static const u8 ZERO256[256];

/* The first 32 bytes of the first block's keystream (the rest keys Poly1305): XORed into the message's start. */
static inline void xor_first(u8 **p, u32 *len) {
  u32 n = *len < 32 ? *len : 32;
  for (u32 i = 0; i < n; i++) (*p)[i] ^= KS0[32 + i];
  *p += n;
  *len -= n;
}

/* XORs the keystream into p[0..len); `first`: p is the start of the message. */
static void xor_stream(u8 *p, u32 len, int first) {
  if (first) xor_first(&p, &len);
  while (len >= 512) {
    salsa20_x8(p, p, p, 0);
    p += 512;
    len -= 512;
  }
  if (len >= 256) {
    salsa20_x4(p, p);
    p += 256;
    len -= 256;
  }
  /* up to two blocks one at a time; more take a four-block pass */
  while (len > 0 && len <= 128) {
    u32 n = len < 64 ? len : 64;
    salsa20_1(p, p, n);
    p += n;
    len -= n;
  }
  if (len > 0) {
    u8 ks[256] __attribute__((aligned(16)));
    u64 next = counter + (len + 63) / 64;
    salsa20_x4(ks, ZERO256);
    counter = next;
    for (u32 i = 0; i < len; i++) p[i] ^= ks[i];
  }
}

/*
 * Encrypts p[0..len) in place and MACs the ciphertext in the same pass: the
 * MAC runs one eight-block step behind the cipher (it needs ciphertext).
 * `first`: p is the start of the message.
 */
static void seal_stream(u8 *p, u32 len, int first) {
  u8 *mac = p; /* the ciphertext before mac is MACed */
  if (first) xor_first(&p, &len);
  while (len >= 512) {
    u32 steps = (u32)(p - mac) / 32;
    if (steps > 16) steps = 16;
    salsa20_x8(p, p, mac, steps);
    mac += 32 * steps;
    p += 512;
    len -= 512;
  }
  xor_stream(p, len, 0);
  poly_update(mac, (u32)(p + len - mac));
}

/*
 * MACs the ciphertext p[0..len) (a whole message) and decrypts it in place in
 * the same pass. The caller must not use the plaintext unless the MAC then
 * verifies (open_one: the JavaScript side copies it out only then).
 */
static void open_stream(u8 *p, u32 len) {
  if (len < 32 + 512) {
    poly_update(p, len);
    xor_stream(p, len, 1);
    return;
  }
  poly_blocks(p, 2, 1u << 24);
  for (u32 i = 0; i < 32; i++) p[i] ^= KS0[32 + i];
  p += 32;
  len -= 32;
  while (len >= 512) {
    salsa20_x8(p, p, p, 16);
    p += 512;
    len -= 512;
  }
  poly_update(p, len);
  xor_stream(p, len, 0);
}

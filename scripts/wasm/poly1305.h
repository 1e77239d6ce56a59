/*
 * Poly1305 for scripts/wasm/secretbox.c, which includes this file after its
 * types and ld32/st32 (one translation unit: the module has no libc and no
 * linker-visible symbols besides its exports).
 */
/* ----------------------------------------------------------------- Poly1305 */

static u32 R[5], H[5], PAD[4];
static void poly_square_r(void);

static void poly_init(const u8 key[32]) {
  R[0] = (ld32(key + 0)) & 0x3ffffff;
  R[1] = (ld32(key + 3) >> 2) & 0x3ffff03;
  R[2] = (ld32(key + 6) >> 4) & 0x3ffc0ff;
  R[3] = (ld32(key + 9) >> 6) & 0x3f03fff;
  R[4] = (ld32(key + 12) >> 8) & 0x00fffff;
  for (int i = 0; i < 5; i++) H[i] = 0;
  for (int i = 0; i < 4; i++) PAD[i] = ld32(key + 16 + 4 * i);
  poly_square_r();
}

static u32 R2[5]; /* r^2 mod p in 26-bit limbs, for two blocks per step */

/*
 * d += a * q mod 2^130 - 5 in limbs, t = 5 q (the wrapped-around terms).
 * Bounds: a limbs < 2^27 (h + m), q < 2^26, t < 2^28.4, so one product sum
 * is < 2^57.6 and two (the two-block step) < 2^58.
 */

#define MUL5(d, a0, a1, a2, a3, a4, q0, q1, q2, q3, q4, t1, t2, t3, t4)                                  \
  d##0 += (u64)a0 * q0 + (u64)a1 * t4 + (u64)a2 * t3 + (u64)a3 * t2 + (u64)a4 * t1;                   \
  d##1 += (u64)a0 * q1 + (u64)a1 * q0 + (u64)a2 * t4 + (u64)a3 * t3 + (u64)a4 * t2;                   \
  d##2 += (u64)a0 * q2 + (u64)a1 * q1 + (u64)a2 * q0 + (u64)a3 * t4 + (u64)a4 * t3;                   \
  d##3 += (u64)a0 * q3 + (u64)a1 * q2 + (u64)a2 * q1 + (u64)a3 * q0 + (u64)a4 * t4;                   \
  d##4 += (u64)a0 * q4 + (u64)a1 * q3 + (u64)a2 * q2 + (u64)a3 * q1 + (u64)a4 * q0;

/* Carries of ONE product sum (< 2^57.6): every carry fits 32 bits, as in donna-32. */
#define CARRY(d, h0, h1, h2, h3, h4)                                 \
  {                                                                  \
    u32 c;                                                           \
    c = (u32)(d##0 >> 26); h0 = (u32)d##0 & 0x3ffffff;                \
    d##1 += c; c = (u32)(d##1 >> 26); h1 = (u32)d##1 & 0x3ffffff;     \
    d##2 += c; c = (u32)(d##2 >> 26); h2 = (u32)d##2 & 0x3ffffff;     \
    d##3 += c; c = (u32)(d##3 >> 26); h3 = (u32)d##3 & 0x3ffffff;     \
    d##4 += c; c = (u32)(d##4 >> 26); h4 = (u32)d##4 & 0x3ffffff;     \
    h0 += c * 5; c = h0 >> 26; h0 &= 0x3ffffff;                       \
    h1 += c;                                                         \
  }

/* Locals for POLY_STEP2: r, r^2 and their 5x multiples, h loaded from H. */
#define POLY_LOCALS                                                            \
  const u32 r0 = R[0], r1 = R[1], r2 = R[2], r3 = R[3], r4 = R[4];             \
  const u32 s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;                \
  const u32 q0 = R2[0], q1 = R2[1], q2 = R2[2], q3 = R2[3], q4 = R2[4];        \
  const u32 t1 = q1 * 5, t2 = q2 * 5, t3 = q3 * 5, t4 = q4 * 5;                \
  u32 h0 = H[0], h1 = H[1], h2 = H[2], h3 = H[3], h4 = H[4];
#define POLY_STORE H[0] = h0; H[1] = h1; H[2] = h2; H[3] = h3; H[4] = h4;

/*
 * Two blocks m[0..32): h = (h + m1) r^2 + m2 r, two independent products and
 * one carry chain. The sums reach 2^58 (more than one product's worth), so
 * that chain carries in 64 bits.
 */
#define POLY_STEP2(m, hibit)                                                   \
  {                                                                            \
    h0 += (ld32(m + 0)) & 0x3ffffff;                                           \
    h1 += (ld32(m + 3) >> 2) & 0x3ffffff;                                      \
    h2 += (ld32(m + 6) >> 4) & 0x3ffffff;                                      \
    h3 += (ld32(m + 9) >> 6) & 0x3ffffff;                                      \
    h4 += (ld32(m + 12) >> 8) | (hibit);                                       \
    u32 n0 = (ld32(m + 16)) & 0x3ffffff;                                       \
    u32 n1 = (ld32(m + 19) >> 2) & 0x3ffffff;                                  \
    u32 n2 = (ld32(m + 22) >> 4) & 0x3ffffff;                                  \
    u32 n3 = (ld32(m + 25) >> 6) & 0x3ffffff;                                  \
    u32 n4 = (ld32(m + 28) >> 8) | (hibit);                                    \
    u64 d0 = 0, d1 = 0, d2 = 0, d3 = 0, d4 = 0;                                \
    MUL5(d, h0, h1, h2, h3, h4, q0, q1, q2, q3, q4, t1, t2, t3, t4)            \
    MUL5(d, n0, n1, n2, n3, n4, r0, r1, r2, r3, r4, s1, s2, s3, s4)            \
    u64 c_;                                                                    \
    c_ = d0 >> 26; h0 = (u32)d0 & 0x3ffffff;                                   \
    d1 += c_; c_ = d1 >> 26; h1 = (u32)d1 & 0x3ffffff;                         \
    d2 += c_; c_ = d2 >> 26; h2 = (u32)d2 & 0x3ffffff;                         \
    d3 += c_; c_ = d3 >> 26; h3 = (u32)d3 & 0x3ffffff;                         \
    d4 += c_; c_ = d4 >> 26; h4 = (u32)d4 & 0x3ffffff;                         \
    u64 t_ = (u64)h0 + c_ * 5;                                                 \
    h0 = (u32)t_ & 0x3ffffff;                                                  \
    h1 += (u32)(t_ >> 26);                                                     \
  }

static void poly_blocks(const u8 *m, u32 blocks, u32 hibit) {
  POLY_LOCALS
  for (; blocks >= 2; blocks -= 2, m += 32) POLY_STEP2(m, hibit)
  while (blocks--) {
    h0 += (ld32(m + 0)) & 0x3ffffff;
    h1 += (ld32(m + 3) >> 2) & 0x3ffffff;
    h2 += (ld32(m + 6) >> 4) & 0x3ffffff;
    h3 += (ld32(m + 9) >> 6) & 0x3ffffff;
    h4 += (ld32(m + 12) >> 8) | hibit;
    u64 d0 = 0, d1 = 0, d2 = 0, d3 = 0, d4 = 0;
    MUL5(d, h0, h1, h2, h3, h4, r0, r1, r2, r3, r4, s1, s2, s3, s4)
    CARRY(d, h0, h1, h2, h3, h4)
    m += 16;
  }
  POLY_STORE
}

/* R2 = r * r, fully carried into 26-bit limbs. */
static void poly_square_r(void) {
  const u32 r0 = R[0], r1 = R[1], r2 = R[2], r3 = R[3], r4 = R[4];
  const u32 s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  u64 d0 = 0, d1 = 0, d2 = 0, d3 = 0, d4 = 0;
  u32 a0, a1, a2, a3, a4;
  MUL5(d, r0, r1, r2, r3, r4, r0, r1, r2, r3, r4, s1, s2, s3, s4)
  CARRY(d, a0, a1, a2, a3, a4)
  /* one more pass so that every limb is below 2^26 */
  u32 c = a1 >> 26; a1 &= 0x3ffffff; a2 += c;
  c = a2 >> 26; a2 &= 0x3ffffff; a3 += c;
  c = a3 >> 26; a3 &= 0x3ffffff; a4 += c;
  c = a4 >> 26; a4 &= 0x3ffffff; a0 += c * 5;
  c = a0 >> 26; a0 &= 0x3ffffff; a1 += c;
  R2[0] = a0; R2[1] = a1; R2[2] = a2; R2[3] = a3; R2[4] = a4;
}

/* Only the last piece of a message may end in a partial block. */
static void poly_update(const u8 *m, u32 len) {
  poly_blocks(m, len / 16, 1u << 24);
  u32 rest = len % 16;
  if (rest) {
    u8 last[16];
    for (u32 i = 0; i < 16; i++) last[i] = i < rest ? m[len - rest + i] : (i == rest ? 1 : 0);
    poly_blocks(last, 1, 0);
  }
}

static void poly_finish(u8 mac[16]) {
  u32 h0 = H[0], h1 = H[1], h2 = H[2], h3 = H[3], h4 = H[4], c;
  c = h1 >> 26; h1 &= 0x3ffffff;
  h2 += c; c = h2 >> 26; h2 &= 0x3ffffff;
  h3 += c; c = h3 >> 26; h3 &= 0x3ffffff;
  h4 += c; c = h4 >> 26; h4 &= 0x3ffffff;
  h0 += c * 5; c = h0 >> 26; h0 &= 0x3ffffff;
  h1 += c;
  /* g = h + 5 - 2^130: use it if it did not go negative, i.e. h >= p */
  u32 g0 = h0 + 5; c = g0 >> 26; g0 &= 0x3ffffff;
  u32 g1 = h1 + c; c = g1 >> 26; g1 &= 0x3ffffff;
  u32 g2 = h2 + c; c = g2 >> 26; g2 &= 0x3ffffff;
  u32 g3 = h3 + c; c = g3 >> 26; g3 &= 0x3ffffff;
  u32 g4 = h4 + c - (1u << 26);
  u32 mask = (g4 >> 31) - 1;
  g0 &= mask; g1 &= mask; g2 &= mask; g3 &= mask; g4 &= mask;
  mask = ~mask;
  h0 = (h0 & mask) | g0;
  h1 = (h1 & mask) | g1;
  h2 = (h2 & mask) | g2;
  h3 = (h3 & mask) | g3;
  h4 = (h4 & mask) | g4;
  h0 = h0 | (h1 << 26);
  h1 = (h1 >> 6) | (h2 << 20);
  h2 = (h2 >> 12) | (h3 << 14);
  h3 = (h3 >> 18) | (h4 << 8);
  u64 f;
  f = (u64)h0 + PAD[0]; st32(mac, (u32)f);
  f = (u64)h1 + PAD[1] + (f >> 32); st32(mac + 4, (u32)f);
  f = (u64)h2 + PAD[2] + (f >> 32); st32(mac + 8, (u32)f);
  f = (u64)h3 + PAD[3] + (f >> 32); st32(mac + 12, (u32)f);
}

/*
 * williams_perm.c - permutation p-values of the Williams statistic for a
 * whole dataset, multi-threaded and deterministic.
 *
 * Strategy (numerics.md §4.6):
 *  - B permutations of the sample-to-dose labels are drawn once from the
 *    seed (splitmix64 stream per permutation index, Fisher-Yates) and shared
 *    by every probe; a permutation is stored as the sample placed at each
 *    group-ordered position, so group g of permutation b is
 *    perm[b][start_g .. start_g + n_g).
 *  - Probes are processed in blocks of BLK, stored sample-major (yT[s][q]),
 *    so one permutation costs N vector additions for the whole block; the
 *    statistic is then evaluated for the BLK probes side by side.
 *  - Threads take blocks from an atomic counter; every probe's result
 *    depends only on its row, the design and the permutation table, so the
 *    output is bit-identical for any thread count.
 *
 * The statistic from group sums (the top dose only, no PAVA needed):
 *   S_g = sum_{j in g} y_j,  W = sum_j y_j^2 - sum_g S_g^2 / n_g  (within SS),
 *   M_k(up)   = max_{1<=u<=k} (S_u + .. + S_k) / (n_u + .. + n_k),
 *   M_k(down) = min_{1<=u<=k} (same),
 * which is the last PAVA block mean (the isotonic fit at k is
 * max_u min_{v>=k} mean(u..v), and v can only be k). With
 *   D = max(M_k(up) - ybar_0, ybar_0 - M_k(down)) >= 0,
 *   c = 1/n_k + 1/n_0,  nu = N - G,
 *   T = D / sqrt(c W / nu).
 * T_b >= T_obs is tested without division or square root as
 *   D_b^2 * K >= W_b,  K = nu / (c T_obs^2 (1 - eps)^2),
 * eps = 1e-9 absorbing rounding so that permutations tied with the observed
 * labelling (e.g. swaps inside a group) count as ">=". Rows are centred at
 * their mean first; W below 1e-12 of the total SS counts as 0 (s = 0).
 *
 * p-value: p = (1 + #{b : T_b >= T_obs}) / (1 + B) (Phipson & Smyth 2010):
 * never 0, and valid with permutations drawn at random with replacement;
 * BMDExpress's own convention is not public (bmdexpress.md §2.5).
 * T_obs = 0 gives p = 1; T_obs = +inf (s = 0, D > 0) counts the
 * permutations that also have W = 0.
 */
#include "bmd/williams.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLK 16            /* probes per block */
#define TIE_EPS 1e-9      /* relative tolerance for T_b >= T_obs */
#define ZERO_WITHIN 1e-12 /* W <= this * total SS counts as 0 */

typedef struct plan {
  const bmd_dataset *ds;
  size_t n, n_groups, n_blocks;
  unsigned n_perm;
  const uint16_t *perm; /* n_perm * n */
  double *inv_n;        /* 1 / n_g */
  double *inv_suffix;   /* 1 / (n_g + .. + n_k) */
  double c, nu;
  double *stat_out, *p_out;
  atomic_size_t next_block;
  atomic_int failed;
} plan;

/* splitmix64 (Steele, Lea, Flood 2014): state += golden; mix. */
static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform integer in [0, range), unbiased by rejection of the low
 * (2^64 mod range) values. */
static uint64_t uniform_below(uint64_t *state, uint64_t range) {
  uint64_t threshold = (UINT64_C(0) - range) % range;
  for (;;) {
    uint64_t r = splitmix64(state);
    if (r >= threshold)
      return r % range;
  }
}

/* Permutation b: its own stream seeded from (seed, b), Fisher-Yates from
 * the identity. */
static void make_permutation(uint64_t seed, uint64_t b, size_t n, uint16_t *out) {
  uint64_t state = seed;
  uint64_t key = splitmix64(&state) ^ (b * UINT64_C(0xD1B54A32D192ED03));
  state = key;
  for (size_t i = 0; i < n; i++)
    out[i] = (uint16_t)i;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = (size_t)uniform_below(&state, (uint64_t)i + 1);
    uint16_t t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

/*
 * Observed statistic of one centred row by the same closed form, two-pass:
 *   ybar_g = S_g / n_g,  W = sum_g sum_{j in g} (y_j - ybar_g)^2.
 * Returns T (0 for D = 0, +inf for W = 0 < D); *within gets W (or 0).
 */
static double observed_stat(const plan *pl, const double *yT, size_t q, double tss) {
  const bmd_dataset *ds = pl->ds;
  size_t G = pl->n_groups;
  double w = 0.0, ctrl = 0.0, acc = 0.0, mx = -INFINITY, mn = INFINITY;
  for (size_t g = 0; g < G; g++) {
    size_t s0 = ds->group_start[g], ng = ds->group_size[g];
    double sum = 0.0;
    for (size_t j = 0; j < ng; j++)
      sum += yT[(s0 + j) * BLK + q];
    double m = sum * pl->inv_n[g];
    for (size_t j = 0; j < ng; j++) {
      double r = yT[(s0 + j) * BLK + q] - m;
      w += r * r;
    }
    if (g == 0)
      ctrl = m;
  }
  for (size_t g = G - 1; g >= 1; g--) {
    size_t s0 = ds->group_start[g], ng = ds->group_size[g];
    for (size_t j = 0; j < ng; j++)
      acc += yT[(s0 + j) * BLK + q];
    double m = acc * pl->inv_suffix[g];
    mx = m > mx ? m : mx;
    mn = m < mn ? m : mn;
  }
  double d = mx - ctrl > ctrl - mn ? mx - ctrl : ctrl - mn;
  if (!(d > 0.0))
    return 0.0;
  if (w <= ZERO_WITHIN * tss)
    return INFINITY;
  return d / sqrt(pl->c * w / pl->nu);
}

/*
 * The hot loop: for every permutation b, the group sums of the block's BLK
 * probes, then the test D_b^2 K >= W_b per probe (see the top of the file).
 * The BLK lanes are written with GCC/Clang vector extensions (4 doubles per
 * vector; plain SSE2 pairs where AVX2 is missing) and the function is
 * cloned for AVX2 on x86-64. No FMA contraction (-std=c11), so every clone
 * gives the same bits.
 */
typedef double vd __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t vl __attribute__((vector_size(4 * sizeof(double))));
#define NV (BLK / 4)

/* Macros rather than functions: passing 32-byte vectors by value changes
 * the ABI between AVX and non-AVX code (-Wpsabi). Arguments are evaluated
 * more than once: pass plain variables. */
#define VD_SET(x) ((vd){(x), (x), (x), (x)})
#define VD_SELECT(m, a, b) ((vd)(((vl)(a) & (m)) | ((vl)(b) & ~(m))))
#define VD_MAX(a, b) VD_SELECT((a) > (b), a, b)
#define VD_MIN(a, b) VD_SELECT((a) < (b), a, b)

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
#define HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HOT_CLONES
#endif

HOT_CLONES
static void count_block(const plan *pl, const vd *restrict yT, vd *restrict S,
                        const vd *restrict tss, const vd *restrict tss_floor,
                        const vd *restrict k_thr, vl *restrict count) {
  const size_t *gs = pl->ds->group_start, *gn = pl->ds->group_size;
  size_t n = pl->n, G = pl->n_groups;
  const double *inv_n = pl->inv_n, *inv_suffix = pl->inv_suffix;
  vl cnt[NV];
  for (size_t r = 0; r < NV; r++)
    cnt[r] = count[r];
  for (unsigned b = 0; b < pl->n_perm; b++) {
    const uint16_t *perm = pl->perm + (size_t)b * n;
    /* S_g = sum over the samples the permutation puts in group g;
     * between = sum_g S_g^2 / n_g */
    vd between[NV];
    for (size_t r = 0; r < NV; r++)
      between[r] = VD_SET(0.0);
    for (size_t g = 0; g < G; g++) {
      const uint16_t *idx = perm + gs[g];
      vd sg[NV];
      for (size_t r = 0; r < NV; r++)
        sg[r] = VD_SET(0.0);
      for (size_t j = 0; j < gn[g]; j++) {
        const vd *v = yT + (size_t)idx[j] * NV;
        for (size_t r = 0; r < NV; r++)
          sg[r] += v[r];
      }
      vd in = VD_SET(inv_n[g]);
      for (size_t r = 0; r < NV; r++) {
        S[g * NV + r] = sg[r];
        between[r] += sg[r] * sg[r] * in;
      }
    }
    /* suffix means of the treated groups, their max and min */
    vd acc[NV], mx[NV], mn[NV];
    for (size_t r = 0; r < NV; r++) {
      acc[r] = VD_SET(0.0);
      mx[r] = VD_SET(-INFINITY);
      mn[r] = VD_SET(INFINITY);
    }
    for (size_t g = G - 1; g >= 1; g--) {
      vd is = VD_SET(inv_suffix[g]);
      for (size_t r = 0; r < NV; r++) {
        acc[r] += S[g * NV + r];
        vd m = acc[r] * is;
        mx[r] = VD_MAX(m, mx[r]);
        mn[r] = VD_MIN(m, mn[r]);
      }
    }
    /* D = max(M_up - ybar_0, ybar_0 - M_down), W = tss - between;
     * count where D^2 K >= W (a true comparison is all ones, i.e. -1) */
    vd in0 = VD_SET(inv_n[0]);
    for (size_t r = 0; r < NV; r++) {
      vd ctrl = S[r] * in0;
      vd up = mx[r] - ctrl, dn = ctrl - mn[r];
      vd d = VD_MAX(up, dn);
      vd w = tss[r] - between[r];
      w = (vd)((vl)w & (w > tss_floor[r]));
      cnt[r] -= d * d * k_thr[r] >= w;
    }
  }
  for (size_t r = 0; r < NV; r++)
    count[r] = cnt[r];
}

/* Per-thread workspace; lane q of a vector array a is a[q / 4][q % 4]. */
typedef struct work {
  double *yT;   /* n * BLK, sample-major centred values, 32-byte aligned */
  double *sums; /* n_groups * BLK, 32-byte aligned */
  vd tss[NV], tss_floor[NV], k_thr[NV];
  vl count[NV];
  int flat[BLK];
} work;

#define LANE(a, q) ((a)[(q) / 4][(q) % 4])

/* All permutations for one block of nb <= BLK probes starting at p0. */
static void run_block(plan *pl, work *wk, size_t p0, size_t nb) {
  const bmd_dataset *ds = pl->ds;
  size_t n = pl->n;
  double *yT = wk->yT, *S = wk->sums;
  /* centre each row at its mean; pad with zero rows */
  memset(yT, 0, n * BLK * sizeof(double));
  for (size_t q = 0; q < nb; q++) {
    const double *row = bmd_dataset_row(ds, p0 + q);
    double mean = 0.0, lo = row[0], hi = row[0], tss = 0.0;
    for (size_t s = 0; s < n; s++) {
      mean += row[s];
      lo = row[s] < lo ? row[s] : lo;
      hi = row[s] > hi ? row[s] : hi;
    }
    mean /= (double)n;
    for (size_t s = 0; s < n; s++) {
      double v = row[s] - mean;
      yT[s * BLK + q] = v;
      tss += v * v;
    }
    wk->flat[q] = lo == hi;
    LANE(wk->tss, q) = tss;
  }
  for (size_t q = nb; q < BLK; q++)
    LANE(wk->tss, q) = 0.0;
  for (size_t q = 0; q < BLK; q++) {
    LANE(wk->count, q) = 0;
    LANE(wk->k_thr, q) = 0.0;
    LANE(wk->tss_floor, q) = ZERO_WITHIN * LANE(wk->tss, q);
    if (q >= nb || wk->flat[q]) {
      if (q < nb)
        pl->stat_out[p0 + q] = 0.0;
      continue;
    }
    double t = observed_stat(pl, yT, q, LANE(wk->tss, q));
    pl->stat_out[p0 + q] = t;
    /* K = nu / (c T^2 (1 - eps)^2); T = +inf gives K = 0 */
    double tt = t * (1.0 - TIE_EPS);
    LANE(wk->k_thr, q) = isinf(t) ? 0.0 : pl->nu / (pl->c * tt * tt);
    wk->flat[q] = t == 0.0; /* p = 1 without counting */
  }
  count_block(pl, (const vd *)yT, (vd *)S, wk->tss, wk->tss_floor, wk->k_thr, wk->count);
  for (size_t q = 0; q < nb; q++)
    pl->p_out[p0 + q] =
        wk->flat[q] ? 1.0 : (1.0 + (double)LANE(wk->count, q)) / (1.0 + (double)pl->n_perm);
}

static void *worker(void *arg) {
  plan *pl = arg;
  work wk;
  memset(&wk, 0, sizeof(wk));
  wk.yT = aligned_alloc(sizeof(vd), pl->n * BLK * sizeof(double));
  wk.sums = aligned_alloc(sizeof(vd), pl->n_groups * BLK * sizeof(double));
  if (!wk.yT || !wk.sums) {
    atomic_store(&pl->failed, 1);
    goto done;
  }
  for (;;) {
    size_t blk = atomic_fetch_add(&pl->next_block, 1);
    if (blk >= pl->n_blocks || atomic_load(&pl->failed))
      break;
    size_t p0 = blk * BLK, nb = pl->ds->n_probes - p0;
    run_block(pl, &wk, p0, nb < BLK ? nb : BLK);
  }
done:
  free(wk.yT);
  free(wk.sums);
  return NULL;
}

int bmd_williams_run(const bmd_dataset *ds, const bmd_williams_options *opt, double *stat_out,
                     double *p_out, char *errstr, size_t errstr_size) {
  bmd_williams_options o = opt ? *opt : bmd_williams_options_default();
  plan pl;
  memset(&pl, 0, sizeof(pl));
  uint16_t *perm = NULL;
  pthread_t *tid = NULL;
  size_t n = ds->n_samples, G = ds->n_groups, started = 0;
  if (G < 2) {
    snprintf(errstr, errstr_size, "Williams test: %zu dose group(s), need at least 2", G);
    return -1;
  }
  if (n <= G) {
    snprintf(errstr, errstr_size,
             "Williams test: %zu samples in %zu dose groups leave no degrees of freedom for the "
             "variance",
             n, G);
    return -1;
  }
  if (n > UINT16_MAX) {
    snprintf(errstr, errstr_size, "Williams test: %zu samples, at most %u supported", n,
             (unsigned)UINT16_MAX);
    return -1;
  }
  for (size_t p = 0; p < ds->n_probes; p++) {
    const double *row = bmd_dataset_row(ds, p);
    for (size_t s = 0; s < n; s++)
      if (!isfinite(row[s])) {
        snprintf(errstr, errstr_size, "Williams test: probe %s, sample %s: non-finite value",
                 ds->probe_ids && ds->probe_ids[p] ? ds->probe_ids[p] : "?",
                 ds->sample_ids && ds->sample_ids[s] ? ds->sample_ids[s] : "?");
        return -1;
      }
  }
  pl.ds = ds;
  pl.n = n;
  pl.n_groups = G;
  pl.n_perm = o.permutations;
  pl.n_blocks = (ds->n_probes + BLK - 1) / BLK;
  pl.stat_out = stat_out;
  pl.p_out = p_out;
  atomic_init(&pl.next_block, 0);
  atomic_init(&pl.failed, 0);
  pl.inv_n = malloc(2 * G * sizeof(double));
  perm = malloc(((size_t)o.permutations * n + 1) * sizeof(uint16_t));
  if (!pl.inv_n || !perm)
    goto oom;
  pl.inv_suffix = pl.inv_n + G;
  double suffix = 0.0;
  for (size_t g = G; g-- > 0;) {
    pl.inv_n[g] = 1.0 / (double)ds->group_size[g];
    suffix += (double)ds->group_size[g];
    pl.inv_suffix[g] = 1.0 / suffix;
  }
  pl.c = 1.0 / (double)ds->group_size[G - 1] + 1.0 / (double)ds->group_size[0];
  pl.nu = (double)(n - G);
  for (unsigned b = 0; b < o.permutations; b++)
    make_permutation(o.seed, b, n, perm + (size_t)b * n);
  pl.perm = perm;

  unsigned nt = o.threads ? o.threads : 1;
  if (nt > pl.n_blocks)
    nt = pl.n_blocks ? (unsigned)pl.n_blocks : 1;
  if (nt == 1) {
    worker(&pl);
  } else {
    tid = calloc(nt, sizeof(pthread_t));
    if (!tid)
      goto oom;
    for (; started < nt; started++)
      if (pthread_create(&tid[started], NULL, worker, &pl) != 0)
        break;
    if (started == 0)
      worker(&pl); /* no thread could start: do it here */
    for (size_t t = 0; t < started; t++)
      pthread_join(tid[t], NULL);
  }
  if (atomic_load(&pl.failed))
    goto oom;
  free(tid);
  free(perm);
  free(pl.inv_n);
  return 0;
oom:
  snprintf(errstr, errstr_size, "Williams test: out of memory (%u permutations x %zu samples)",
           o.permutations, n);
  free(tid);
  free(perm);
  free(pl.inv_n);
  return -1;
}

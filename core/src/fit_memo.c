/*
 * fit_memo.c - the multi-start maximum likelihood of a few recent
 * problems, so that fitting the same problem again costs nothing.
 *
 * Fitting the ten models to one probe solves some problems twice: Exp 4/5
 * decreasing fit the nested Exp 2/3 (fit_run.c, nested_exp_start) after
 * Exp 2/3 were fitted on their own, and a polynomial fitted in both
 * directions (fit_poly_directions.c) is fitted again in the kept direction
 * for its limits. The multi-start fit is deterministic: it reads nothing
 * but the problem (model, direction, variance form, scaled data and box),
 * so the same problem gives the same optimum, and the memo hands back the
 * stored one. A problem counts as the same only if every one of those
 * fields and data values is bitwise equal.
 */
#include "fit_internal.h"

#include <stdlib.h>
#include <string.h>

#define MEMO_ENTRIES 4

typedef struct memo_entry {
  int used;
  bmd_problem p; /* its data pointers point into data */
  double *data;  /* x, nn, yb, s2: 4 n_groups doubles */
  size_t room;   /* groups data has room for */
  double best[BMD_MAX_PARAMS], nll;
  int status;
} memo_entry;

struct bmd_fit_memo {
  memo_entry e[MEMO_ENTRIES];
  size_t next; /* the entry to replace next */
};

bmd_fit_memo *bmd_fit_memo_new(void) {
  return calloc(1, sizeof(bmd_fit_memo));
}

void bmd_fit_memo_destroy(bmd_fit_memo *memo) {
  if (!memo)
    return;
  for (size_t i = 0; i < MEMO_ENTRIES; i++)
    free(memo->e[i].data);
  free(memo);
}

static int same_array(const double *a, const double *b, size_t n) {
  return memcmp(a, b, n * sizeof(double)) == 0;
}

/* Every field the multi-start fit reads, bitwise. */
static int same_problem(const bmd_problem *a, const bmd_problem *b) {
  size_t G = a->n_groups;
  return a->def == b->def && G == b->n_groups && a->n_mean == b->n_mean && a->n_par == b->n_par &&
         a->ncv == b->ncv && a->sign == b->sign && a->aux == b->aux && a->mean == b->mean &&
         same_array(&a->maxd, &b->maxd, 1) && same_array(&a->scale_y, &b->scale_y, 1) &&
         same_array(&a->n_total, &b->n_total, 1) && same_array(a->lb, b->lb, BMD_MAX_PARAMS) &&
         same_array(a->ub, b->ub, BMD_MAX_PARAMS) && a->bmr_type == b->bmr_type &&
         same_array(&a->bmr, &b->bmr, 1) && same_array(a->x, b->x, G) &&
         same_array(a->nn, b->nn, G) && same_array(a->yb, b->yb, G) && same_array(a->s2, b->s2, G);
}

int bmd_fit_memo_get(const bmd_fit_memo *memo, const bmd_problem *p, double *best, double *nll,
                     int *status) {
  for (size_t i = 0; memo && i < MEMO_ENTRIES; i++) {
    const memo_entry *e = &memo->e[i];
    if (e->used && same_problem(&e->p, p)) {
      memcpy(best, e->best, sizeof(e->best));
      *nll = e->nll;
      *status = e->status;
      return 1;
    }
  }
  return 0;
}

void bmd_fit_memo_put(bmd_fit_memo *memo, const bmd_problem *p, const double *best, double nll,
                      int status) {
  if (!memo)
    return;
  memo_entry *e = &memo->e[memo->next];
  size_t G = p->n_groups;
  if (e->room < G) {
    double *d = realloc(e->data, 4 * G * sizeof(double));
    if (!d)
      return; /* not remembered: only a later fit is slower */
    e->data = d;
    e->room = G;
  }
  memo->next = (memo->next + 1) % MEMO_ENTRIES;
  e->p = *p;
  memcpy(e->data, p->x, G * sizeof(double));
  memcpy(e->data + G, p->nn, G * sizeof(double));
  memcpy(e->data + 2 * G, p->yb, G * sizeof(double));
  memcpy(e->data + 3 * G, p->s2, G * sizeof(double));
  e->p.x = e->data;
  e->p.lx = NULL; /* derived from x (compared instead), never read here */
  e->p.nn = e->data + G;
  e->p.yb = e->data + 2 * G;
  e->p.s2 = e->data + 3 * G;
  memcpy(e->best, best, sizeof(e->best));
  e->nll = nll;
  e->status = status;
  e->used = 1;
}

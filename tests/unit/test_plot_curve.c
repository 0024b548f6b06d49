/*
 * test_plot_curve.c - curve plots of the most sensitive probes: which
 * probes are chosen (the ids "probe/N" named curve_probe_N.svg), and that each SVG holds the group
 * means and SDs (recomputed here from the raw values), the fitted model and the BMD, BMDL and BMDU
 * markers; the lowest-BMD choice without categories; and that a fit rebuilt from its JSON (the
 * category stage's way) draws the same bytes as the fit in memory (`bmdstream analyze`'s way).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/bmd_export.h"
#include "bs/plot_curve.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = calloc((size_t)n + 1, 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  return buf;
}

static size_t count(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* Value of attribute name="..." after position p. */
static double attr(const char *p, const char *name) {
  char key[64];
  snprintf(key, sizeof(key), "%s=\"", name);
  const char *q = strstr(p, key);
  assert_non_null(q);
  return strtod(q + strlen(key), NULL);
}

static void test_sensitive_curves(void **state) {
  (void)state;
  static const double doses[] = {0, 1, 3, 10, 30};
  /* p0 steep (lowest BMD), p1 moderate, p2 shallow, p3 flat-ish */
  static const double slope[] = {0.5, 0.2, 0.08, 0.03};
  bmd_dataset *ds = bmd_dataset_new(4, 15);
  bmd_annotation *an = bmd_annotation_new();
  for (size_t s = 0; s < 15; s++)
    ds->doses[s] = doses[s / 3];
  for (size_t p = 0; p < 4; p++) {
    char id[16], gene[16];
    snprintf(id, sizeof(id), "probe/%zu", p);
    snprintf(gene, sizeof(gene), "G%zu", p);
    ds->probe_ids[p] = strdup(id);
    assert_int_equal(bmd_annotation_add_probe_gene(an, id, gene), 0);
    assert_int_equal(bmd_annotation_add_category_gene(an, "S", "set", gene), 0);
    for (size_t s = 0; s < 15; s++)
      ds->values[p * 15 + s] =
          8 + slope[p] * ds->doses[s] + 0.1 * ((double)((s * 5 + p) % 3) - 1.0);
  }
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  bmd_probes_options opt = bmd_probes_options_default();
  opt.model_mask = (1u << BMD_MODEL_LINEAR) | (1u << BMD_MODEL_POWER) | (1u << BMD_MODEL_HILL);
  bmd_probe_fit fits[4];
  memset(fits, 0, sizeof(fits));
  char err[256];
  assert_int_equal(bmd_probes_fit(ds, NULL, 4, &opt, fits, err, sizeof(err)), 0);
  bmd_cat_probe cp[4];
  for (size_t i = 0; i < 4; i++) {
    const bmd_fit_result *b = &fits[i].fits[fits[i].best.best];
    cp[i] = (bmd_cat_probe){ds->probe_ids[i],
                            fits[i].best.bmd,
                            fits[i].best.bmdl,
                            fits[i].best.bmdu,
                            b->fit_p,
                            0.9,
                            2.0,
                            1,
                            bmd_model_label(b->model),
                            0,
                            0};
  }
  bmd_category_options co = bmd_category_options_default();
  bmd_category_analysis *ca = bmd_category_run(an, cp, 4, NULL, 0, 30, 1, &co, err, sizeof(err));
  assert_non_null(ca);
  /* the two lowest BMDs among probes that passed (BMD <= 30) */
  size_t order[4] = {0, 1, 2, 3};
  for (size_t i = 0; i < 4; i++)
    for (size_t j = i + 1; j < 4; j++)
      if (fits[order[j]].best.bmd < fits[order[i]].best.bmd) {
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
  char dir[] = "/tmp/bs_curve_XXXXXX", path[256];
  assert_non_null(mkdtemp(dir));
  /* the two most sensitive probes that passed, drawn as the category step
   * draws them: dir/curve_<probe>.svg labelled with the gene */
  size_t sel[2];
  const char *genes[2];
  assert_int_equal(bs_plot_sensitive_probes(ca, cp, 2, sel, genes), 2);
  for (size_t q = 0; q < 2; q++) {
    char name[64];
    bs_plot_curve_name(ds->probe_ids[fits[sel[q]].probe], name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(bs_plot_curve_svg(f, ds, &fits[sel[q]], genes[q]), 0);
    assert_int_equal(fclose(f), 0);
  }
  for (size_t q = 0; q < 4; q++) {
    size_t p = order[q];
    snprintf(path, sizeof(path), "%s/curve_probe_%zu.svg", dir, p);
    char *svg = slurp(path);
    if (q >= 2) {
      assert_null(svg);
      continue;
    }
    assert_non_null(svg);
    assert_int_equal(count(svg, "<svg "), 1);
    assert_int_equal(count(svg, "</svg>"), 1);
    assert_int_equal(count(svg, "<circle class=\"mean\""), 5);
    assert_int_equal(count(svg, "<path class=\"model\""), 1);
    assert_int_equal(count(svg, "class=\"marker\""), 3);
    char gene[16];
    snprintf(gene, sizeof(gene), "(G%zu)", p);
    assert_non_null(strstr(svg, gene));
    /* means and SDs recomputed from the raw values */
    const char *c = svg;
    for (size_t g = 0; g < 5; g++) {
      c = strstr(c, "<circle class=\"mean\"");
      double m = 0, ss = 0;
      for (size_t r = 0; r < 3; r++)
        m += ds->values[p * 15 + g * 3 + r] / 3;
      for (size_t r = 0; r < 3; r++)
        ss += pow(ds->values[p * 15 + g * 3 + r] - m, 2);
      assert_true(attr(c, "data-dose") == doses[g]);
      assert_true(fabs(attr(c, "data-mean") - m) < 1e-12);
      assert_true(fabs(attr(c, "data-sd") - sqrt(ss / 2)) < 1e-12);
      c++;
    }
    const char *mk = strstr(svg, "data-kind=\"BMD\"");
    assert_non_null(mk);
    assert_true(attr(mk, "data-dose") == fits[p].best.bmd);
    free(svg);
    unlink(path);
  }
  rmdir(dir);
  bmd_category_analysis_destroy(ca);
  bmd_annotation_destroy(an);
  bmd_dataset_destroy(ds);
}

/* n probes over 6 dose groups of 3: rising, falling and curved shapes */
static bmd_dataset *shapes(size_t n) {
  static const double doses[] = {0, 0.3, 1, 3, 10, 30};
  bmd_dataset *ds = bmd_dataset_new(n, 18);
  for (size_t s = 0; s < 18; s++)
    ds->doses[s] = doses[s / 3];
  for (size_t p = 0; p < n; p++) {
    char id[32];
    snprintf(id, sizeof(id), "p%zu", p);
    ds->probe_ids[p] = strdup(id);
    double a = (p % 2 ? -1.0 : 1.0) * (0.3 + 0.4 * (double)p), k = 1.0 + (double)(p % 4) * 3;
    for (size_t s = 0; s < 18; s++) {
      double d = ds->doses[s];
      ds->values[p * 18 + s] = 7 + a * d / (k + d) + 0.05 * ((double)((s * 7 + p) % 5) - 2.0);
    }
  }
  ds->log_base = BMD_LOG_BASE2;
  assert_int_equal(bmd_dataset_group(ds), 0);
  return ds;
}

static char *render(const bmd_dataset *ds, const bmd_probe_fit *fit, const char *label) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  assert_int_equal(bs_plot_curve_svg(f, ds, fit, label), 0);
  fclose(f);
  return text;
}

static void test_json_round_trip(void **state) {
  (void)state;
  bmd_dataset *ds = shapes(6);
  char err[256];
  for (int variance = 0; variance < 2; variance++) {
    bmd_probes_options opt = bmd_probes_options_default();
    opt.fit.variance = variance ? BMD_VARIANCE_NONCONSTANT : BMD_VARIANCE_CONSTANT;
    opt.model_mask = (1u << BMD_MODEL_HILL) | (1u << BMD_MODEL_POWER) | (1u << BMD_MODEL_LINEAR) |
                     (1u << BMD_MODEL_POLY2) | (1u << BMD_MODEL_EXP3) | (1u << BMD_MODEL_EXP5);
    bmd_probe_fit fits[6], back;
    assert_int_equal(bmd_probes_fit(ds, NULL, 6, &opt, fits, err, sizeof(err)), 0);
    for (size_t i = 0; i < 6; i++) {
      /* through text, as the object store carries it */
      json_t *j = bs_bmd_probe_json(ds, &fits[i]);
      char *txt = json_dumps(j, JSON_COMPACT);
      json_decref(j);
      j = json_loads(txt, 0, NULL);
      free(txt);
      assert_int_equal(bs_bmd_probe_from_json(ds, j, &back, err, sizeof(err)), 0);
      json_decref(j);
      assert_int_equal(back.probe, fits[i].probe);
      assert_int_equal(back.n_models, fits[i].n_models);
      assert_int_equal(back.best.best, fits[i].best.best);
      for (size_t k = 0; k < back.n_models; k++) {
        const bmd_fit_result *a = &fits[i].fits[k], *b = &back.fits[k];
        assert_int_equal(b->model, a->model);
        assert_int_equal(b->variance, a->variance);
        assert_int_equal(b->increasing, a->increasing);
        assert_int_equal(b->n_params, a->n_params);
        for (size_t q = 0; q < a->n_params; q++)
          assert_true(memcmp(&a->params[q], &b->params[q], sizeof(double)) == 0);
        assert_true(a->bmd == b->bmd || (isnan(a->bmd) && isnan(b->bmd)));
      }
      if (fits[i].best.best < 0)
        continue;
      assert_true(back.best.bmd == fits[i].best.bmd);
      assert_true(back.best.bmdl == fits[i].best.bmdl || isnan(fits[i].best.bmdl));
      assert_true(back.best.bmdu == fits[i].best.bmdu || isnan(fits[i].best.bmdu));
      char *x = render(ds, &fits[i], "G"), *y = render(ds, &back, "G");
      assert_string_equal(x, y);
      free(x);
      free(y);
    }
  }
  /* a probe the experiment lacks is an error naming it */
  json_t *j = json_pack("{s:s, s:[], s:n}", "probe_id", "nope", "models", "best");
  bmd_probe_fit back;
  assert_int_equal(bs_bmd_probe_from_json(ds, j, &back, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "\"nope\" is not a probe"));
  json_decref(j);
  j = json_pack("{s:s, s:[{s:s, s:{}}], s:{s:s}}", "probe_id", "p1", "models", "model", "hill",
                "parameters", "best", "model", "power");
  assert_int_equal(bs_bmd_probe_from_json(ds, j, &back, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "best.model"));
  json_decref(j);
  bmd_dataset_destroy(ds);
}

static void test_lowest_bmd_fits(void **state) {
  (void)state;
  bmd_probe_fit fits[7];
  static const double bmd[7] = {5, 1, NAN, 3, 1, 0.5, 2};
  memset(fits, 0, sizeof(fits));
  for (size_t i = 0; i < 7; i++)
    fits[i].best.best = 0, fits[i].best.bmd = bmd[i];
  fits[5].best.best = -1; /* no best model: never chosen */
  size_t out[7];
  /* by BMD, ties (1 and 4) by index; NAN and no-best skipped */
  static const size_t want[5] = {1, 4, 6, 3, 0};
  assert_int_equal(bs_plot_lowest_bmd_fits(fits, 7, 4, out), 4);
  assert_memory_equal(out, want, 4 * sizeof(size_t));
  assert_int_equal(bs_plot_lowest_bmd_fits(fits, 7, 7, out), 5);
  assert_memory_equal(out, want, 5 * sizeof(size_t));
  assert_int_equal(bs_plot_lowest_bmd_fits(fits, 7, 0, out), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sensitive_curves),
                                     cmocka_unit_test(test_json_round_trip),
                                     cmocka_unit_test(test_lowest_bmd_fits)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_plot_curve.c - curve plots of the most sensitive probes: which
 * probes get a file, and that each SVG holds the group means and SDs
 * (recomputed here from the raw values), the fitted model and the BMD,
 * BMDL and BMDU markers.
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
                            bmd_model_label(b->model)};
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
  assert_int_equal(bs_plot_sensitive_curves(dir, ds, fits, ca, 2, err, sizeof(err)), 2);
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

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sensitive_curves)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}

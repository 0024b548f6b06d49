/*
 * analyze_config.c - `bmdstream analyze --config FILE.json`: a BMDExpress 3
 * analyze config (bs/bmdx_config.h) as settings (bs/settings_bmdx.h). The
 * first expression file, prefilter, BMDS analysis and category analysis
 * run; everything else in the file is named on stderr as not run. Flags on
 * the command line override the config.
 */
#include "analyze.h"

#include <stdio.h>
#include <sys/stat.h>

static void not_run(const char *path, const char *list, size_t n) {
  if (n > 1)
    fprintf(stderr, "bmdstream analyze: %s: not run: %s: %zu more after the first\n", path, list,
            n - 1);
}

int bs_analyze_config_apply(const char *path, json_t *sparse, bs_bmdx_analysis *a, char *errstr,
                            size_t errstr_size) {
  bs_bmdx_config *cfg = bs_bmdx_config_read(path, errstr, errstr_size);
  if (!cfg)
    return -1;
  for (size_t i = 0; i < cfg->n_unsupported; i++)
    fprintf(stderr, "bmdstream analyze: %s: not run: %s\n", path, cfg->unsupported[i]);
  int rc = bs_settings_from_bmdx(cfg, 0, cfg->n_prefilter ? 0 : BS_BMDX_NONE,
                                 cfg->n_bmds ? 0 : BS_BMDX_NONE, cfg->n_category ? 0 : BS_BMDX_NONE,
                                 sparse, a, errstr, errstr_size);
  struct stat st;
  if (rc == 0 && stat(a->matrix, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(errstr, errstr_size,
             "%s: expressionDataConfigs[0].inputFileName: %s is a directory; analyze runs one "
             "expression file (name it, or run once per file)",
             path, a->matrix);
    bs_bmdx_analysis_free(a);
    rc = -1;
  }
  if (rc == 0) {
    not_run(path, "expressionDataConfigs", cfg->n_expression);
    not_run(path, "preFilterConfigs", cfg->n_prefilter);
    not_run(path, "bmdsConfigs", cfg->n_bmds);
    not_run(path, "categoryAnalysisConfigs", cfg->n_category);
    if (a->notes[0])
      fprintf(stderr, "bmdstream analyze: %s: %s\n", path, a->notes);
  }
  bs_bmdx_config_destroy(cfg);
  return rc;
}

/*
 * bs/bmdx_config.h - BMDExpress 3 `analyze` config files (the JSON that
 * `bmdexpress3-cmd analyze --config-file` reads; notes/bmdexpress.md §5,
 * examples in reference/bmdexpress/analyze-configs/), so that existing
 * BMDExpress workflows run under `bmdstream analyze --config FILE.json`.
 *
 * The parser keeps BMDExpress's field names and values (with its defaults
 * filled in where a field is absent); category sections go through
 * bs_category_config_parse, so they hold bmd_category_options. Whole
 * analyses we do not run (model averaging, GCurveP, GO and pathway
 * category analyses, ORIOGEN prefilters, FUNL, the .bm2 and
 * JSON project exports) are never dropped silently: each is named in
 * `unsupported` (e.g. "maConfigs: ToxicR model averaging is not
 * supported"), as are category options that only add output we do not
 * write; the sections themselves are kept in `skipped` with their links
 * (bs/bmdx_plan.h names what BMDExpress would have computed from them). A
 * category section with an option that would change its result is
 * skipped the same way. Keys BMDExpress does not know and bad values are
 * errors naming the file and the key's path.
 */
#ifndef BS_BMDX_CONFIG_H
#define BS_BMDX_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "bmd/category.h"
#include "bmd/dataset.h"

/* expressionDataConfigs[] */
typedef struct bs_bmdx_expression {
  char *input_file_name; /* file or directory, relative to the config's basePath */
  int has_headers;       /* default 1 */
  bmd_log_base log_base; /* "logTransformation", default BASE2 */
  char *platform;        /* NULL when absent */
  char *output_name;     /* NULL when absent */
} bs_bmdx_expression;

/* preFilterConfigs[] of @type anova, williams or curvefit */
typedef struct bs_bmdx_prefilter {
  char type[16];                  /* "anova", "williams", "curvefit" */
  double p_value_cutoff;          /* default 0.05 */
  int use_multiple_testing;       /* useMultipleTestingCorrection, default 0 */
  int filter_out_control_genes;   /* default 1 */
  int use_fold_change;            /* default 1 */
  double fold_change;             /* default 2.0 */
  double fold_change_lotel;       /* default 1.5 */
  double p_value_lotel;           /* default 0.05 */
  int lotel_test;                 /* 1 = Dunnett, 2 = t-test (BMDExpress); default 1 */
  long number_of_permutations;    /* williams; default 1000 */
  int number_of_threads;          /* default 1 */
  char *input_name, *output_name; /* NULL when absent */
  /* curvefit (CurveFitPrefilterConfig) */
  char *input_category; /* "williams", "anova", "oriogen": on those results; NULL: data sets */
  size_t n_models;
  char models[16][8];      /* modelConfigs, as bs_bmdx_bmds.models; required */
  int constant_variance;   /* default 1 */
  double bmr_factor;       /* default 1.021 */
  double poly2_bmr_factor; /* default 1.021; NAN when null (the BMR factor) */
  char *name_suffix;       /* BMDExpress's default result name after the data set's */
} bs_bmdx_prefilter;

/* bmdsConfigs[] */
typedef struct bs_bmdx_bmds {
  size_t n_models;
  char models[16][8]; /* "hill", "power", "poly1".."poly4", "exp2".."exp5" */
  /* bmdsBestModelSelection */
  int best_poly_test;                  /* 1 nested chi-square, 2 lowest AIC; default 1 */
  double p_value_cutoff;               /* default 0.05 */
  int bmdl_bmdu_use;                   /* bmdlBMDUUse, default 1 */
  int flag_hill_with_k;                /* default 1 */
  int k_parameter_value;               /* 1, 2 (= 1/2), 3 (= 1/3); default 2 */
  int best_model_with_flagged_hill;    /* 1..5, default 5 */
  double modify_flagged_hill_fraction; /* default 0.5 */
  /* bmdsInputConfig */
  int constant_variance;          /* default 1 */
  int bmr_type;                   /* 1 SD, 2 relative deviation; default 1 */
  double bmr_factor;              /* default 1.021 */
  int bmdu_bmdl_method;           /* bmdUBmdLEstimationMethod: 1 profile, 2 Wald; default 1 */
  int restrict_poly_monotonic;    /* default 0 */
  double step_function_threshold; /* stepFunctionThreshold, 0.75 */
  int number_of_threads;          /* default 1 */
  char *input_category;           /* "anova", "williams", ... NULL = the expression data */
  char *input_name, *output_name;
} bs_bmdx_bmds;

/* categoryAnalysisConfigs[] of @type defined, gene, go (when it names
 * goOboFile and goAnnotationFile) or pathway (REACTOME, when it names
 * pathwayAnnotationFile), read by bs_category_config_parse
 * (bs/category_config.h) */
typedef struct bs_bmdx_category {
  char type[16];                  /* "defined", "gene", "go", "pathway" */
  char go_category[24];           /* go: biological_process .. universal */
  char *go_obo_file;              /* go: goOboFile, as written; NULL when absent */
  char *go_annotation_file;       /* go: goAnnotationFile */
  char *pathway_annotation_file;  /* pathway: pathwayAnnotationFile, as written */
  char *pathway_species;          /* pathway: pathwaySpecies; NULL when absent */
  char *probe_file;               /* probeFilePath (defined, go, pathway), as written */
  char *category_file;            /* categoryFilePath (defined) */
  bmd_category_options options;   /* its filters, BMDExpress defaults elsewhere */
  char *input_name, *output_name; /* NULL when absent */
  char *name_suffix;              /* BMDExpress's default result name after "<BMD result>_<chip>" */
} bs_bmdx_category;

/* A section of preFilterConfigs, maConfigs or categoryAnalysisConfigs
 * that we do not run, kept with its links so that what BMDExpress would
 * have fed from it can be named too (bs/bmdx_plan.h). */
typedef struct bs_bmdx_skipped {
  const char *list; /* "preFilterConfigs", "maConfigs", "categoryAnalysisConfigs" */
  size_t index;     /* its index in that list, as written */
  char type[24];    /* "@type" ("curvefit", "go", ...), "ma" for maConfigs */
  char *input_name, *output_name, *input_category; /* NULL when absent */
  char *reason;
  char *name_suffix; /* as in bs_bmdx_prefilter / bs_bmdx_category; "" for maConfigs */
} bs_bmdx_skipped;

typedef struct bs_bmdx_config {
  char *path;      /* the file read */
  char *base_path; /* "basePath", else the file's directory; relative names resolve here */
  char *bm2_file_name, *json_export_file_name; /* recorded, not written */
  int overwrite;
  size_t n_expression, n_prefilter, n_bmds, n_category;
  bs_bmdx_expression *expression;
  bs_bmdx_prefilter *prefilter;
  bs_bmdx_bmds *bmds;
  bs_bmdx_category *category;
  size_t n_unsupported;
  char **unsupported; /* one message per section or option we do not run */
  /* where each section we run stands in its list as written */
  size_t *prefilter_at, *category_at;
  size_t n_skipped;
  bs_bmdx_skipped *skipped; /* in the file's order, list by list */
} bs_bmdx_config;

/* Reads and checks FILE. Returns a new config, or NULL with errstr naming
 * the file and the offending key path / JSON line and column. */
bs_bmdx_config *bs_bmdx_config_read(const char *path, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

void bs_bmdx_config_destroy(bs_bmdx_config *cfg);

/* BMDExpress's default result names (bmdx_names.c): what follows the
 * input data set's name for a prefilter section, and what follows
 * "<BMD result>_<chip>" for a category section. New strings. */
char *bs_bmdx_prefilter_suffix(const json_t *section);
char *bs_bmdx_category_suffix(const json_t *section);

/* A name from the config resolved against base_path (absolute names kept);
 * new string, NULL when out of memory. */
char *bs_bmdx_config_resolve(const bs_bmdx_config *cfg, const char *name);

#endif

/*
 * bmd/category.h - functional category analysis as BMDExpress does it
 * (shared/notes/bmdexpress.md §4): probes of the BMD step are mapped to
 * genes, filtered, averaged per gene, and summarised per category (gene
 * set) with BMD statistics and Fisher's exact over-representation test.
 *
 * Two objects:
 *   bmd_annotation  probe -> gene map and category -> gene lists, built row
 *                   by row (the file readers in common/ fill it);
 *   bmd_category_analysis  the result of bmd_category_run: one gene table
 *                   (gene-level BMD, BMDL, BMDU of the genes whose probes
 *                   survived the filters) and one result per category.
 * Both are opaque handles with _new/_destroy; results are borrowed from
 * the analysis and live until it is destroyed.
 */
#ifndef BMD_CATEGORY_H
#define BMD_CATEGORY_H

#include <stddef.h>

/* ---- annotation ---------------------------------------------------- */

typedef struct bmd_annotation bmd_annotation;

/* New empty annotation; NULL when out of memory. */
bmd_annotation *bmd_annotation_new(void);
void bmd_annotation_destroy(bmd_annotation *a);

/* Adds one probe -> gene row (strings are copied; a repeated row is a
 * no-op). Returns 0, or -1 when out of memory. */
int bmd_annotation_add_probe_gene(bmd_annotation *a, const char *probe, const char *gene)
    __attribute__((warn_unused_result));

/* Adds one gene to category id (created on first sight with this name;
 * later rows keep the first name; a repeated gene is a no-op). */
int bmd_annotation_add_category_gene(bmd_annotation *a, const char *id, const char *name,
                                     const char *gene) __attribute__((warn_unused_result));

/* Gene-level analysis: replaces the categories by one per gene of the
 * probe map (id = name = gene id), in order of first appearance. */
int bmd_annotation_gene_level(bmd_annotation *a) __attribute__((warn_unused_result));

size_t bmd_annotation_n_probes(const bmd_annotation *a);
size_t bmd_annotation_n_genes(const bmd_annotation *a);
size_t bmd_annotation_n_categories(const bmd_annotation *a);
/* Borrowed strings, index < the counts above. */
const char *bmd_annotation_gene_id(const bmd_annotation *a, size_t gene);
const char *bmd_annotation_category_id(const bmd_annotation *a, size_t cat);
const char *bmd_annotation_category_name(const bmd_annotation *a, size_t cat);
size_t bmd_annotation_category_size(const bmd_annotation *a, size_t cat);
/* The genes of category cat, in the order they were added, into out (room
 * for bmd_annotation_category_size; NULL to count only); their number. */
size_t bmd_annotation_category_genes(const bmd_annotation *a, size_t cat, size_t *out);

/* ---- inputs and options -------------------------------------------- */

/* One probe of the BMD analysis, as the category step needs it. Strings
 * are borrowed for the duration of bmd_category_run. A probe without a
 * best model has bmd = NAN (it is always removed). */
typedef struct bmd_cat_probe {
  const char *id;
  double bmd, bmdl, bmdu; /* of the best model */
  double fit_p;           /* best model's goodness-of-fit p-value */
  double r_squared;       /* best model's R² */
  double max_fold_change; /* signed, from the prefilter / BMD step */
  int direction;          /* adverse direction: > 0 up, < 0 down, 0 unknown */
  const char *model;      /* best model name; NULL when none */
  /* the best model's step-function flags (bmd/metrics.h): 1 yes, 0 no,
   * -1 unknown (a table without them); a probe with an unknown flag is
   * refused by bmd_category_run when the filter on that flag is on */
  int step_function;       /* "Is Step Function" */
  int step_below_low_dose; /* "Is Step Function Less Than Lowest Dose" */
} bmd_cat_probe;

/* The probe filters of §4.2 that our inputs carry, in BMDExpress's order. */
typedef enum bmd_cat_filter {
  BMD_CAT_FILTER_HIGH_DOSE = 0, /* BMD > highest dose (strict) */
  BMD_CAT_FILTER_FIT_P,         /* fit p < fit_p_min */
  BMD_CAT_FILTER_R_SQUARED,     /* R² < r_squared_min */
  BMD_CAT_FILTER_BMD_BMDL,      /* BMD/BMDL > r or NaN */
  BMD_CAT_FILTER_BMDU_BMD,      /* BMDU/BMD > r or NaN */
  BMD_CAT_FILTER_BMDU_BMDL,     /* BMDU/BMDL > r or NaN */
  BMD_CAT_FILTER_LOW_DOSE,      /* lowest positive dose / BMD > N */
  BMD_CAT_FILTER_FOLD_CHANGE,   /* |max fold change| < c */
  BMD_CAT_FILTER_STEP,          /* the best model is a step function */
  BMD_CAT_FILTER_STEP_LOW_DOSE, /* ... whose step is the first interval, BMD < lowest dose */
  BMD_CAT_FILTER_DIRECTION,     /* adverse direction equals remove_direction */
  BMD_CAT_FILTER_COUNT
} bmd_cat_filter;

typedef struct bmd_category_options {
  int remove_promiscuous;              /* probes mapped to > 1 gene; default 1 */
  int filter_on[BMD_CAT_FILTER_COUNT]; /* default: only HIGH_DOSE */
  double fit_p_min;                    /* 0.1 */
  double r_squared_min;                /* 0.5 */
  double bmd_bmdl_max;                 /* 20 */
  double bmdu_bmd_max;                 /* 20 */
  double bmdu_bmdl_max;                /* 40 */
  double low_dose_fold;                /* 10 */
  double fold_change_min;              /* 1.2 */
  int remove_direction;                /* +1 remove UP probes, -1 DOWN; 1 */
  int min_genes_on, max_genes_on;      /* category size bounds; off */
  /* "Identify conflicting probe sets": flags (never removes) genes whose
   * probes' expression correlates below conflict_r_cutoff; computed by
   * bmd_category_conflicts, which needs the expression data */
  int identify_conflicting;    /* off */
  double conflict_r_cutoff;    /* 0.5 */
  int deduplicate;             /* "eliminate gene set redundancy"; off */
  size_t min_genes, max_genes; /* 20, 500 (on "All Genes (Platform)") */
} bmd_category_options;

/* BMDExpress's defaults (CLI CategoryConfig, GUI CategoryInput values). */
bmd_category_options bmd_category_options_default(void);

/* Column title of a filter's count column (§4.7), e.g. "Genes with BMD
 * <= Highest Dose"; static string. */
const char *bmd_cat_filter_title(bmd_cat_filter f);

/* ---- results ------------------------------------------------------- */

/* Gene-level values (§4.3): means over the gene's surviving probes. */
typedef struct bmd_cat_gene {
  size_t gene; /* annotation gene index */
  const char *id;
  double bmd, bmdl, bmdu;
  double weight;         /* mean fit p-value of its probes */
  int direction;         /* +1 probes up (none down), -1 down (none up), 0 conflict */
  size_t n_probes;       /* surviving probes */
  const size_t *probes;  /* their indices into the input probe array */
  const double *abs_fcs; /* |max fold change| of each of them */
  /* the lowest Pearson r between two of the gene's probes' expression
   * rows, rounded as BMDExpress does (bmd_category_conflicts); 1 for one
   * probe; NAN when not computed */
  double min_correlation;
} bmd_cat_gene;

/* Summary of one of BMD, BMDL, BMDU over a category's genes (§4.4). */
typedef struct bmd_cat_summary {
  double mean, median, min, sd; /* sd with n - 1; NAN for n < 2 */
  double wmean, wsd;            /* weighted by the genes' weights */
  double p5, p10;               /* "at 5th/10th percentile of Total Genes"; NAN when empty */
  double ci_lo, ci_hi;          /* mean -/+ 1.96 sd / sqrt(n) */
} bmd_cat_summary;

typedef struct bmd_cat_subset { /* the UP, DOWN or CONFLICT genes of a category */
  size_t n;
  double bmd_mean, bmd_median, bmd_sd;
  double bmdl_mean, bmdl_median, bmdl_sd;
  double bmdu_mean, bmdu_median, bmdu_sd;
} bmd_cat_subset;

typedef struct bmd_cat_model_count {
  const char *model; /* borrowed from the inputs' strings, copied by the analysis */
  size_t count;
} bmd_cat_model_count;

typedef struct bmd_category_result {
  size_t category; /* annotation category index */
  const char *id, *name;
  size_t n_expression;                  /* "All Genes (Expression Data)" */
  size_t n_platform;                    /* "All Genes (Platform)", A */
  size_t n_input;                       /* "Input Genes" */
  size_t n_after[BMD_CAT_FILTER_COUNT]; /* genes left after filters 0..f (enabled ones) */
  size_t n;                             /* genes that passed all filters */
  const size_t *genes;  /* n indices into the gene table, by ascending BMD (ties: gene id) */
  size_t n_probes;      /* surviving probes of these genes */
  const size_t *probes; /* their input indices, ascending */
  /* Fisher's exact test (§4.5): table [[a, b], [c, d]] */
  long fisher_a, fisher_b, fisher_c, fisher_d;
  double fisher_left, fisher_right, fisher_two;
  double percentage; /* 100 n / A rounded to 2 decimals */
  bmd_cat_summary bmd, bmdl, bmdu;
  double p5_index, p10_index; /* 0-based, x.5 when averaged; NAN when empty */
  /* |max fold change| over the surviving probes */
  double fc_geomean, fc_total, fc_min, fc_max, fc_sd, fc_median;
  size_t probes_up, probes_down;
  bmd_cat_subset up, down, conflict; /* conflict.n = genes with mixed probes */
  int overall_direction;             /* +1, -1, 0 (CONFLICT) */
  double frac_up, frac_down, frac_conflict;
  size_t n_models;
  const bmd_cat_model_count *models; /* by model name */
  size_t n_conflicting;              /* passed genes with min_correlation < the cut-off */
} bmd_category_result;

typedef struct bmd_category_analysis bmd_category_analysis;

/*
 * Runs the analysis. probes[0..n_probes) are the BMD step's probes;
 * expression_ids[0..n_expression) the experiment's probe ids ("All Genes
 * (Expression Data)"; NULL = the BMD probes). highest_dose and
 * lowest_positive_dose are the experiment's. Returns a new analysis, or
 * NULL with errstr filled (out of memory, bad options).
 */
bmd_category_analysis *bmd_category_run(const bmd_annotation *annot, const bmd_cat_probe *probes,
                                        size_t n_probes, const char *const *expression_ids,
                                        size_t n_expression, double highest_dose,
                                        double lowest_positive_dose,
                                        const bmd_category_options *opt, char *errstr,
                                        size_t errstr_size) __attribute__((warn_unused_result));

void bmd_category_analysis_destroy(bmd_category_analysis *ca);

/* Genes with at least one surviving probe (whatever their categories). */
size_t bmd_category_n_genes(const bmd_category_analysis *ca);
const bmd_cat_gene *bmd_category_gene(const bmd_category_analysis *ca, size_t i);

/* Categories kept (Input Genes >= 1 and within the size bounds), in
 * annotation order. */
size_t bmd_category_n_results(const bmd_category_analysis *ca);
const bmd_category_result *bmd_category_result_get(const bmd_category_analysis *ca, size_t i);

/* Universe sizes of the Fisher test: U (distinct platform genes over all
 * categories) and P (distinct genes that passed, over kept categories). */
size_t bmd_category_universe(const bmd_category_analysis *ca);
size_t bmd_category_n_passed(const bmd_category_analysis *ca);

/*
 * Conflicting probe sets (BMDExpress BMDStatatistics.computeCorrelation,
 * linearCorrelation, genesConfilt): for every gene of the gene table, the
 * probes of the experiment mapped to it (rows ids[0..n_rows) of values,
 * n_samples each, row-major; promiscuous probes left out when
 * remove_promiscuous, as for BMDExpress's GO/pathway annotation; its
 * probe-file analyses, defined and gene-level, keep them:
 * ProbeCategoryMaps.subGenesAllProbes takes every probe-map row of the
 * gene), the lowest Pearson r over all pairs of their rows
 * (each value first rounded to a 32-bit float, as BMDExpress stores
 * them; a pair whose r is NaN is skipped; 1 when fewer than two),
 * rounded by bmd_round_bmdx(r, 4). A gene is conflicting when that r <
 * cutoff; each result's n_conflicting counts its passed genes that are.
 * Returns 0, or -1 (errstr) when out of memory.
 */
int bmd_category_conflicts(bmd_category_analysis *ca, const bmd_annotation *an,
                           const char *const *ids, const double *values, size_t n_rows,
                           size_t n_samples, int remove_promiscuous, double cutoff, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));

/* Whether bmd_category_conflicts ran on ca, and its cut-off. */
int bmd_category_conflicts_done(const bmd_category_analysis *ca);
double bmd_category_conflict_cutoff(const bmd_category_analysis *ca);

/* ---- statistics helpers (exposed for tests and the tPOD) ----------- */

/* Median of x[0..n) (sorted copy; mean of the middle two for even n). */
double bmd_stat_median(const double *x, size_t n);

/* BMDExpress's "at percentile p of Total Genes": sorted[0..n) ascending
 * gene values of a category with total platform genes A. Sets *index
 * (0-based, x.5 when two genes are averaged) and returns the value; both
 * NAN when n / A < p. */
double bmd_stat_total_percentile(const double *sorted, size_t n, size_t total, double p,
                                 double *index);

/* Fisher's exact test on [[a, b], [c, d]] (hypergeometric, margins fixed):
 * left = P(X <= a), right = P(X >= a), two = sum of tables no more likely
 * than the observed one (x (1 + 1e-8)), capped at 1. Returns -1 when a
 * cell is negative. */
int bmd_fisher_exact(long a, long b, long c, long d, double *left, double *right, double *two);

/* Pearson's r of x[0..n) and y[0..n): sum (x-mx)(y-my) / sqrt(sum
 * (x-mx)^2 sum (y-my)^2); NAN when n < 2 or a row is constant. */
double bmd_stat_pearson(const double *x, const double *y, size_t n);

/* BMDExpress's NumberManager.numberFormat(decimals, x): x rounded half
 * even to `decimals` places, more for |x| < 0.1 (one more per leading
 * zero after the point: 0.0123456 -> 0.01235 with 4). */
double bmd_round_bmdx(double x, int decimals);

#endif

/*
 * settings_table.c - every analysis setting, once (bs/settings.h): its path
 * in the settings JSON, type, default, bounds, command-line flag and help.
 * The validator, the flag parser, --help, `bmdstream settings --table` and
 * the schema test all read this table; events carry the values under
 * data.parameters (schemas/envelope.schema.json, $defs/parameters).
 *
 * Defaults are BMDExpress 3's where it has one (notes/bmdexpress.md):
 * ANOVA at p < 0.05 with a 2-fold filter, AFFX controls dropped (not by
 * the curve fit, whose models, BMR 1.021 SD and constant variance are its
 * CurveFitPrefilterConfig's and CurveFitPrefilterInput's), NOTEL/LOTEL
 * by the t-test (its GUI's) at p 0.05 and fold 2, Williams with 10000 permutations and seed
 * 23524 (its command-line default and OriogenAnalysis' seed), BMR 1 SD,
 * constant variance, nested chi-square polynomial selection at p 0.05,
 * Hill flagged below 1/2 of the lowest positive dose and option 5; the
 * category probe filters of the pipeline since its first version (BMD >
 * highest dose, fit p >= 0.1, BMDU/BMDL <= 40, BMD/BMDL <= 20, promiscuous
 * probes removed).
 */
#include "bs/settings.h"

#include <float.h>
#include <string.h>

#define INF DBL_MAX

static const char *const mtc_choices[] = {"none", "bh", NULL};
static const char *const notel_test_choices[] = {"ttest", "dunnett", NULL};
static const char *const log_choices[] = {"2", "10", "e", "none", NULL};
static const char *const log_words[] = {"base2", "base10", "natural", "none", NULL};
static const char *const variance_choices[] = {"constant", "nonconstant", NULL};
static const char *const bmr_type_choices[] = {"sd", "rel", "abs", NULL};
static const char *const poly_fit_choices[] = {"bmdexpress3", "bmdexpress2", "pybmds", NULL};
static const char *const compat_choices[] = {"bmds3", "bmds2", NULL};
static const char *const poly_test_choices[] = {"nested_chi2", "lowest_aic", NULL};
static const char *const limits_choices[] = {"profile", "wald", NULL};
static const char *const category_choices[] = {"none", "gene",    "defined", "gmt",
                                               "go",   "pathway", NULL};
static const char *const go_aspect_choices[] = {"biological_process", "molecular_function",
                                                "cellular_component", "universal", NULL};
static const char *const direction_choices[] = {"up", "down", NULL};
static const char *const step_choices[] = {"prefilter", "bmd", "category", NULL};

#define MIN_OPEN BS_SETTING_MIN_OPEN
#define MAX_OPEN BS_SETTING_MAX_OPEN

/* {path, type, default, nullable, min, max, open, choices, flag, flag_sets,
 *  off_word, flag_words, when_path, when_json, then_json, help} */
const bs_setting bs_settings_table[] = {
    {"last_step", BS_SETTING_CHOICE, "\"category\"", 0, 0, 0, 0, step_choices, "no-bmd",
     "\"prefilter\"", NULL, NULL, NULL, NULL, NULL,
     "the last step to run: prefilter, bmd or category (--no-bmd: the prefilter only)"},

    /* prefilter */
    {"prefilter.method", BS_SETTING_METHOD, "\"anova\"", 0, 0, 0, 0, NULL, "prefilter", NULL, NULL,
     NULL, NULL, NULL, NULL, "the per-probe test"},
    {"prefilter.p_cutoff", BS_SETTING_NUMBER, "0.05", 1, 0, 1, MIN_OPEN, NULL, "p-cutoff", NULL,
     "none", NULL, NULL, NULL, NULL, "keep probes with p below this (none: no p cut-off)"},
    {"prefilter.mtc", BS_SETTING_CHOICE, "\"none\"", 0, 0, 0, 0, mtc_choices, "mtc", "\"bh\"", NULL,
     NULL, NULL, NULL, NULL, "compare the Benjamini-Hochberg adjusted p (bh) instead of the raw p"},
    {"prefilter.fold_filter", BS_SETTING_NUMBER, "2", 1, 1, INF, 0, NULL, "fold-filter", NULL, "0",
     NULL, "prefilter.method", "\"none\"", "null",
     "minimum |max fold change| of a dose group against control (0: off; off by default "
     "with --prefilter none)"},
    {"prefilter.filter_controls", BS_SETTING_BOOL, "true", 0, 0, 0, 0, NULL, "keep-controls",
     "false", NULL, NULL, "prefilter.method", "\"curvefit\"", "false",
     "drop the AFFX control probes (--keep-controls: keep; off by default with --prefilter "
     "curvefit, as BMDExpress)"},
    {"prefilter.notel_test", BS_SETTING_CHOICE, "\"ttest\"", 0, 0, 0, 0, notel_test_choices,
     "notel-test", NULL, NULL, NULL, NULL, NULL, NULL,
     "NOTEL/LOTEL test: ttest (Welch, each dose against the control) or dunnett (Dunnett's "
     "two-sided many-to-one test; BMDExpress lotelTest 1)"},
    {"prefilter.notel_p", BS_SETTING_NUMBER, "0.05", 0, 0, 1, MIN_OPEN, NULL, "notel-p", NULL, NULL,
     NULL, NULL, NULL, NULL, "NOTEL/LOTEL p threshold"},
    {"prefilter.notel_fc", BS_SETTING_NUMBER, "2", 0, 0, INF, 0, NULL, "notel-fc", NULL, NULL, NULL,
     NULL, NULL, NULL, "NOTEL/LOTEL fold-change threshold"},
    {"prefilter.permutations", BS_SETTING_INT, "10000", 0, 0, 100000000, 0, NULL, "permutations",
     NULL, NULL, NULL, NULL, NULL, NULL, "Williams trend test permutations"},
    {"prefilter.seed", BS_SETTING_INT, "23524", 0, 0, 9007199254740991.0, 0, NULL, "seed", NULL,
     NULL, NULL, NULL, NULL, NULL, "Williams random seed (0 .. 2^53 - 1)"},
    {"prefilter.log_base", BS_SETTING_CHOICE, "\"2\"", 0, 0, 0, 0, log_choices, "log", NULL, NULL,
     log_words, NULL, NULL, NULL, "log transformation of the expression values"},
    /* the curve-fit prefilter (BMDExpress CurveFitPrefilterConfig; docs/prefilter.md) */
    {"prefilter.curvefit.models", BS_SETTING_MODELS,
     "[\"hill\", \"power\", \"linear\", \"poly2\", \"exp3\", \"exp5\"]", 0, 0, 0, 0, NULL,
     "curvefit-models", NULL, NULL, NULL, NULL, NULL, NULL,
     "curve-fit prefilter: models to fit, comma-separated (names as --models)"},
    {"prefilter.curvefit.bmr_factor", BS_SETTING_NUMBER, "1.021", 0, 0, INF, MIN_OPEN, NULL,
     "curvefit-bmr", NULL, NULL, NULL, NULL, NULL, NULL,
     "curve-fit prefilter: BMR factor in standard deviations"},
    {"prefilter.curvefit.poly2_bmr_factor", BS_SETTING_NUMBER, "null", 1, 0, INF, MIN_OPEN, NULL,
     "curvefit-poly2-bmr", NULL, "none", NULL, NULL, NULL, NULL,
     "curve-fit prefilter: Poly 2's own BMR factor (none: the BMR factor)"},
    {"prefilter.curvefit.constant_variance", BS_SETTING_BOOL, "true", 0, 0, 0, 0, NULL,
     "curvefit-constant-variance", NULL, NULL, NULL, NULL, NULL, NULL,
     "curve-fit prefilter: constant variance (false: non-constant)"},

    /* bmd */
    {"bmd.models", BS_SETTING_MODELS,
     "[\"hill\", \"power\", \"linear\", \"poly2\", \"poly3\", "
     "\"exp3\", \"exp5\"]",
     0, 0, 0, 0, NULL, "models", NULL, NULL, NULL, NULL, NULL, NULL,
     "models to fit, comma-separated: hill, power, linear, poly2-4, exp2-5"},
    {"bmd.variance", BS_SETTING_CHOICE, "\"constant\"", 0, 0, 0, 0, variance_choices, "variance",
     NULL, NULL, NULL, NULL, NULL, NULL, "variance model"},
    {"bmd.bmr_type", BS_SETTING_CHOICE, "\"sd\"", 0, 0, 0, 0, bmr_type_choices, "bmr-type", NULL,
     NULL, NULL, NULL, NULL, NULL,
     "benchmark response: standard deviations, relative or absolute change"},
    {"bmd.bmr", BS_SETTING_NUMBER, "1", 0, 0, INF, MIN_OPEN, NULL, "bmr", NULL, NULL, NULL, NULL,
     NULL, NULL, "benchmark response factor"},
    {"bmd.confidence_level", BS_SETTING_NUMBER, "0.95", 0, 0.5, 1, MIN_OPEN | MAX_OPEN, NULL,
     "confidence-level", NULL, NULL, NULL, NULL, NULL, NULL,
     "one-sided confidence level of BMDL and BMDU"},
    {"bmd.limits", BS_SETTING_CHOICE, "\"profile\"", 0, 0, 0, 0, limits_choices, "limits", NULL,
     NULL, NULL, NULL, NULL, NULL,
     "BMDL/BMDU: profile likelihood, or wald (the delta method on ln BMD, BMDExpress 3's "
     "Wald; not computed at all with selection.limit_use 3)"},
    {"bmd.compat", BS_SETTING_CHOICE, "\"bmds3\"", 0, 0, 0, 0, compat_choices, "compat", NULL, NULL,
     NULL, NULL, NULL, NULL,
     "rules that differ between BMDS versions: bmds3 (BMDS 3, BMDExpress 3) or bmds2 (BMDS 2.x "
     "as BMDExpress 2 runs it: the exponential models' AIC parameter count, an unbounded BMDU "
     "reported as 1e10 or 1e7)"},
    {"bmd.poly.fit", BS_SETTING_CHOICE, "\"bmdexpress3\"", 0, 0, 0, 0, poly_fit_choices, "poly-fit",
     NULL, NULL, NULL, NULL, NULL, NULL,
     "polynomials of degree >= 2: bmdexpress3 fitted up and down, monotone above degree 2, "
     "lower BMD kept; bmdexpress2 unrestricted, lower BMD kept; pybmds one monotone fit"},
    {"bmd.poly.poly2_monotone", BS_SETTING_BOOL, "false", 0, 0, 0, 0, NULL, "poly2-monotone", NULL,
     NULL, NULL, NULL, NULL, NULL, "bmdexpress3: Poly 2 monotone too"},
    {"bmd.poly.poly2_bmr", BS_SETTING_NUMBER, "null", 1, 0, INF, MIN_OPEN, NULL, "poly2-bmr", NULL,
     "none", NULL, NULL, NULL, NULL, "Poly 2's own BMR factor (bmdexpress2/3; none: the BMR)"},
    {"bmd.restrict.power", BS_SETTING_BOOL, "true", 0, 0, 0, 0, NULL, "restrict-power", NULL, NULL,
     NULL, NULL, NULL, NULL, "Power exponent n >= 1"},
    {"bmd.restrict.hill", BS_SETTING_BOOL, "true", 0, 0, 0, 0, NULL, "restrict-hill", NULL, NULL,
     NULL, NULL, NULL, NULL, "Hill exponent n >= 1"},
    {"bmd.step_threshold", BS_SETTING_NUMBER, "0.75", 0, 0, 1, MIN_OPEN, NULL, "step-threshold",
     NULL, NULL, NULL, NULL, NULL, NULL,
     "a fit is a step function when one dose interval holds at least this fraction of its "
     "total change (BMDExpress's stepFunctionThreshold)"},
    {"bmd.selection.poly_test", BS_SETTING_CHOICE, "\"nested_chi2\"", 0, 0, 0, 0, poly_test_choices,
     "poly-test", NULL, NULL, NULL, NULL, NULL, NULL,
     "best polynomial: nested likelihood-ratio test or lowest AIC"},
    {"bmd.selection.poly_p", BS_SETTING_NUMBER, "0.05", 0, 0, 1, MIN_OPEN, NULL, "poly-p", NULL,
     NULL, NULL, NULL, NULL, NULL, "p cut-off of the nested polynomial test"},
    {"bmd.selection.limit_use", BS_SETTING_INT, "1", 0, 1, 4, 0, NULL, "limit-use", NULL, NULL,
     NULL, NULL, NULL, NULL,
     "BMDL/BMDU in the selection: 1 compute and use, 2 compute and ignore, 3 do not compute, "
     "4 use BMD and BMDL"},
    {"bmd.selection.flag_hill", BS_SETTING_BOOL, "true", 0, 0, 0, 0, NULL, "flag-hill", NULL, NULL,
     NULL, NULL, NULL, NULL, "flag a Hill fit whose k is below hill_k_fraction of the lowest dose"},
    {"bmd.selection.hill_k_fraction", BS_SETTING_NUMBER, "0.5", 0, 0, INF, 0, NULL,
     "hill-k-fraction", NULL, NULL, NULL, NULL, NULL, NULL,
     "fraction of the lowest positive dose below which Hill's k is flagged"},
    {"bmd.selection.flagged_hill", BS_SETTING_INT, "5", 0, 1, 5, 0, NULL, "flagged-hill", NULL,
     NULL, NULL, NULL, NULL, NULL,
     "a flagged Hill best model: 1 keep, 2 exclude, 3 next best, 4 fraction of the minimum BMD, "
     "5 next best with p above next_best_p"},
    {"bmd.selection.flagged_hill_fraction", BS_SETTING_NUMBER, "0.5", 0, 0, 1, MIN_OPEN, NULL,
     "flagged-hill-fraction", NULL, NULL, NULL, NULL, NULL, NULL,
     "option 4: the fraction of the minimum BMD"},
    {"bmd.selection.next_best_p", BS_SETTING_NUMBER, "0.05", 0, 0, 1, 0, NULL, "next-best-p", NULL,
     NULL, NULL, NULL, NULL, NULL, "option 5: the fit p-value the next best model needs"},

    /* category */
    {"category.type", BS_SETTING_CHOICE, "\"none\"", 0, 0, 0, 0, category_choices, "category-type",
     NULL, NULL, NULL, NULL, NULL, NULL,
     "categories: none, gene (each gene its own), defined (a category map), gmt (gene sets), "
     "go (GO terms: category.go.*) or pathway (Reactome: category.pathway.*); by default from "
     "the files given"},
    /* GO categories (docs/categories.md, "GO categories"); BMDExpress
     * filters no evidence code (GOTermMap reads prebuilt gene -> GO files) */
    {"category.go.obo", BS_SETTING_STRING, "null", 1, 0, 0, 0, NULL, "go-obo", NULL, NULL, NULL,
     NULL, NULL, NULL, "GO ontology, OBO 1.2 (go-basic.obo; gzip accepted)"},
    {"category.go.annotations", BS_SETTING_STRING, "null", 1, 0, 0, 0, NULL, "go-annotations", NULL,
     NULL, NULL, NULL, NULL, NULL,
     "GO gene annotations: a GAF 2.x or NCBI gene2go file (told from the content; gzip accepted)"},
    {"category.go.aspect", BS_SETTING_CHOICE, "\"biological_process\"", 0, 0, 0, 0,
     go_aspect_choices, "go-aspect", NULL, NULL, NULL, NULL, NULL, NULL,
     "GO categories of biological_process, molecular_function, cellular_component or universal "
     "(all three; BMDExpress goCategory)"},
    {"category.go.exclude_evidence", BS_SETTING_CODES, "[]", 0, 0, 0, 0, NULL,
     "go-exclude-evidence", NULL, NULL, NULL, NULL, NULL, NULL,
     "GO evidence codes whose annotations are dropped, comma-separated (e.g. IEA,ND; "
     "none: keep all)"},
    {"category.go.taxon", BS_SETTING_INT, "null", 1, 1, 1e9, 0, NULL, "go-taxon", NULL, "none",
     NULL, NULL, NULL, NULL, "keep only GO annotations of this NCBI taxon id (e.g. 9606)"},
    /* Reactome pathway categories (docs/categories.md, "Pathway categories");
     * BMDExpress takes the species from the chip */
    {"category.pathway.annotations", BS_SETTING_STRING, "null", 1, 0, 0, 0, NULL,
     "pathway-annotations", NULL, NULL, NULL, NULL, NULL, NULL,
     "Reactome gene -> pathway file: NCBI2Reactome.txt or NCBI2Reactome_All_Levels.txt (gzip "
     "accepted)"},
    {"category.pathway.species", BS_SETTING_STRING, "null", 1, 0, 0, 0, NULL, "pathway-species",
     NULL, "none", NULL, NULL, NULL, NULL,
     "keep only Reactome rows of this species (column 6, e.g. \"Homo sapiens\"; none: all)"},
    {"category.filters.remove_promiscuous", BS_SETTING_BOOL, "true", 0, 0, 0, 0, NULL,
     "keep-promiscuous", "false", NULL, NULL, NULL, NULL, NULL,
     "remove probes mapped to more than one gene (--keep-promiscuous: keep)"},
    {"category.filters.remove_bmd_above_highest_dose", BS_SETTING_BOOL, "true", 0, 0, 0, 0, NULL,
     "no-high-dose-filter", "false", NULL, NULL, NULL, NULL, NULL,
     "remove probes whose BMD is above the highest dose"},
    {"category.filters.fit_p_min", BS_SETTING_NUMBER, "0.1", 1, 0, 1, 0, NULL, "fit-p-min", NULL,
     "none", NULL, NULL, NULL, NULL, "remove probes whose best fit p-value is below this"},
    {"category.filters.r_squared_min", BS_SETTING_NUMBER, "null", 1, 0, 1, 0, NULL, "r-squared-min",
     NULL, "none", NULL, NULL, NULL, NULL, "remove probes whose best fit R-squared is below this"},
    {"category.filters.bmd_bmdl_ratio_max", BS_SETTING_NUMBER, "20", 1, 1, INF, 0, NULL,
     "bmd-bmdl-max", NULL, "none", NULL, NULL, NULL, NULL,
     "remove probes with BMD/BMDL above this"},
    {"category.filters.bmdu_bmd_ratio_max", BS_SETTING_NUMBER, "null", 1, 1, INF, 0, NULL,
     "bmdu-bmd-max", NULL, "none", NULL, NULL, NULL, NULL,
     "remove probes with BMDU/BMD above this"},
    {"category.filters.bmdu_bmdl_ratio_max", BS_SETTING_NUMBER, "40", 1, 1, INF, 0, NULL,
     "bmdu-bmdl-max", NULL, "none", NULL, NULL, NULL, NULL,
     "remove probes with BMDU/BMDL above this"},
    {"category.filters.low_dose_fold", BS_SETTING_NUMBER, "null", 1, 1, INF, 0, NULL,
     "low-dose-fold", NULL, "none", NULL, NULL, NULL, NULL,
     "remove probes whose BMD is more than this many times below the lowest positive dose"},
    {"category.filters.fold_change_min", BS_SETTING_NUMBER, "null", 1, 1, INF, 0, NULL,
     "fold-change-min", NULL, "none", NULL, NULL, NULL, NULL,
     "remove probes whose |max fold change| is below this"},
    {"category.filters.remove_step_function", BS_SETTING_BOOL, "false", 0, 0, 0, 0, NULL,
     "remove-step-function", "true", NULL, NULL, NULL, NULL, NULL,
     "remove probes whose best model is a step function (bmd.step_threshold; BMDExpress "
     "removeStepFunction)"},
    {"category.filters.remove_step_function_bmd_lower", BS_SETTING_BOOL, "false", 0, 0, 0, 0, NULL,
     "remove-step-function-bmd-lower", "true", NULL, NULL, NULL, NULL, NULL,
     "remove probes whose best model steps in the first dose interval with its BMD below the "
     "lowest positive dose (BMDExpress removeStepFunctionWithBMDLower)"},
    {"category.filters.remove_direction", BS_SETTING_CHOICE, "null", 1, 0, 0, 0, direction_choices,
     "remove-direction", NULL, "none", NULL, NULL, NULL, NULL,
     "remove probes whose adverse direction is up or down"},
    {"category.filters.conflicting_probe_r", BS_SETTING_NUMBER, "null", 1, -1, 1, 0, NULL,
     "conflicting-probe-r", NULL, "none", NULL, NULL, NULL, NULL,
     "list genes whose probes' expression rows correlate below this (lowest Pearson r over "
     "probe pairs) in \"Genes with Conflicting Probesets\"; removes nothing; needs the "
     "expression data"},
    {"category.filters.deduplicate_gene_sets", BS_SETTING_BOOL, "false", 0, 0, 0, 0, NULL,
     "deduplicate-gene-sets", "true", NULL, NULL, NULL, NULL, NULL,
     "eliminate gene-set redundancy: of categories with the same passed genes keep the first "
     "(and those tying with it on percentage and median BMD)"},
    {"category.filters.min_genes_in_set", BS_SETTING_INT, "null", 1, 1, 1e9, 0, NULL, "min-genes",
     NULL, "none", NULL, NULL, NULL, NULL, "report only categories with at least this many genes"},
    {"category.filters.max_genes_in_set", BS_SETTING_INT, "null", 1, 1, 1e9, 0, NULL, "max-genes",
     NULL, "none", NULL, NULL, NULL, NULL, "report only categories with at most this many genes"},

    /* tpod */
    {"tpod.min_set_genes", BS_SETTING_INT, "3", 0, 1, 1e9, 0, NULL, "tpod-min-set-genes", NULL,
     NULL, NULL, NULL, NULL, NULL, "an active gene set has at least this many genes with a BMD"},
    {"tpod.min_set_fraction", BS_SETTING_NUMBER, "0.05", 0, 0, 1, 0, NULL, "tpod-min-set-fraction",
     NULL, NULL, NULL, NULL, NULL, NULL, "... and at least this fraction of its genes"},
    {"tpod.rank", BS_SETTING_INT, "25", 0, 1, 1e9, 0, NULL, "tpod-rank", NULL, NULL, NULL, NULL,
     NULL, NULL, "the rank-th most sensitive gene's BMD"},
    {"tpod.percentile", BS_SETTING_NUMBER, "0.1", 0, 0, 1, MIN_OPEN | MAX_OPEN, NULL,
     "tpod-percentile", NULL, NULL, NULL, NULL, NULL, NULL, "this percentile of the gene BMDs"},

    /* plots */
    {"plots.curves", BS_SETTING_INT, "10", 0, 0, 100000, 0, NULL, "curve-plots", NULL, NULL, NULL,
     NULL, NULL, NULL, "curve plots of the most sensitive probes (0: none)"},
    {"plots.category_min_genes", BS_SETTING_INT, "3", 0, 1, 1e9, 0, NULL, "plot-min-genes", NULL,
     NULL, NULL, NULL, NULL, NULL, "categories with at least this many genes in the category plot"},
};
const size_t bs_settings_table_count = sizeof(bs_settings_table) / sizeof(bs_settings_table[0]);

unsigned bs_setting_section(const bs_setting *s) {
  static const struct {
    const char *prefix;
    unsigned section;
  } sections[] = {{"prefilter.", BS_SECTION_PREFILTER},
                  {"bmd.", BS_SECTION_BMD},
                  {"category.", BS_SECTION_CATEGORY},
                  {"tpod.", BS_SECTION_TPOD},
                  {"plots.", BS_SECTION_PLOTS}};
  for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
    if (strncmp(s->path, sections[i].prefix, strlen(sections[i].prefix)) == 0)
      return sections[i].section;
  return BS_SECTION_TOP;
}

const bs_setting *bs_setting_find(const char *path) {
  for (size_t i = 0; path && i < bs_settings_table_count; i++)
    if (strcmp(bs_settings_table[i].path, path) == 0)
      return &bs_settings_table[i];
  return NULL;
}

const bs_setting *bs_setting_find_flag(const char *flag) {
  for (size_t i = 0; flag && i < bs_settings_table_count; i++)
    if (bs_settings_table[i].flag && strcmp(bs_settings_table[i].flag, flag) == 0)
      return &bs_settings_table[i];
  return NULL;
}

/*
 * bs/settings.h - the one definition of the analysis settings (DESIGN §1):
 * one table of every setting (type, default, bounds, flag, help), one
 * validator, one conversion from the settings JSON to the core option
 * structs, and the ways into that JSON: command-line flags, "path=value"
 * assignments (replay --set) and BMDExpress 3 analyze configs
 * (settings_bmdx.c). Every front end goes through it: `bmdstream analyze`,
 * `bmdstream categories`, `bmdstream-import`, `bmdstream replay` and the
 * stage consumers.
 *
 * The settings JSON is what events carry as data.parameters
 * (schemas/envelope.schema.json, $defs/parameters):
 *
 *   { "last_step": "category",
 *     "prefilter": { "method", "p_cutoff", "mtc", "fold_filter", ... },
 *     "bmd":       { "models", "variance", "bmr_type", "bmr", ...,
 *                    "restrict": {...}, "selection": {...} },
 *     "category":  { "type", "filters": {...} },
 *     "tpod":      { "min_set_genes", "min_set_fraction", "rank", "percentile" },
 *     "plots":     { "curves", "category_min_genes" } }
 *
 * A front end builds a sparse object of what the user gave, and
 * bs_settings_normalize fills every default and checks every value: the
 * normalized object is what `--print-settings` prints, what events carry
 * and what the results' natural keys hash. Normalizing twice changes
 * nothing. The input files (matrix, probe map, category map, GMT) are not
 * settings: events carry them as object keys beside the parameters.
 */
#ifndef BS_SETTINGS_H
#define BS_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "bmd/category.h"
#include "bmd/dataset.h"
#include "bmd/prefilter.h"
#include "bmd/prefilter_method.h"
#include "bmd/probes.h"
#include "bmd/tpod.h"
#include "bs/error.h"

/* ---- the table ----------------------------------------------------- */

typedef enum bs_setting_type {
  BS_SETTING_BOOL,
  BS_SETTING_INT,    /* an integer in [min, max] */
  BS_SETTING_NUMBER, /* a number in [min, max] (or open ends, see bounds) */
  BS_SETTING_CHOICE, /* one of choices[] */
  BS_SETTING_METHOD, /* a prefilter method of core's table (bmd/prefilter_method.h) */
  BS_SETTING_MODELS, /* a non-empty, duplicate-free list of model names (bmd/fit.h) */
  BS_SETTING_STRING, /* a non-empty string (a file path) */
  BS_SETTING_CODES   /* a duplicate-free list of short codes (no ',' or space), e.g. ["IEA"] */
} bs_setting_type;

enum { BS_SETTING_MIN_OPEN = 1, BS_SETTING_MAX_OPEN = 2 };

typedef struct bs_setting {
  const char *path; /* "prefilter.p_cutoff" */
  bs_setting_type type;
  const char *default_json;      /* the default as JSON text: "0.05", "\"anova\"", "null" */
  int nullable;                  /* 1: null is allowed and means "off" */
  double min, max;               /* INT and NUMBER bounds */
  unsigned open;                 /* BS_SETTING_MIN_OPEN | BS_SETTING_MAX_OPEN */
  const char *const *choices;    /* CHOICE: NULL-terminated */
  const char *flag;              /* the command-line flag without "--"; NULL: none */
  const char *flag_sets;         /* a flag without a value: the JSON it sets; NULL: takes a value */
  const char *off_word;          /* a flag value that means null ("none", "0"); NULL: none */
  const char *const *flag_words; /* CHOICE: the flag's words for choices[i] when they differ */
  /* a default that depends on another setting: when `when_path` holds the
   * JSON `when_json`, the default is `then_json` */
  const char *when_path, *when_json, *then_json;
  const char *help;
} bs_setting;

extern const bs_setting bs_settings_table[];
extern const size_t bs_settings_table_count;

/* The sections of the settings object, for front ends that take only some
 * of the flags (`bmdstream categories`). */
enum {
  BS_SECTION_TOP = 1u << 0, /* last_step */
  BS_SECTION_PREFILTER = 1u << 1,
  BS_SECTION_BMD = 1u << 2,
  BS_SECTION_CATEGORY = 1u << 3,
  BS_SECTION_TPOD = 1u << 4,
  BS_SECTION_PLOTS = 1u << 5,
  BS_SECTION_ALL = 0x3f
};
unsigned bs_setting_section(const bs_setting *s);

const bs_setting *bs_setting_find(const char *path);
const bs_setting *bs_setting_find_flag(const char *flag);

/* ---- the JSON ------------------------------------------------------ */

/* The normalized settings (new reference in *out): every setting of the
 * table, defaults filled in where in (borrowed, may be NULL) has none;
 * PERMANENT with errstr naming the path ("parameters.bmd.bmr: expected a
 * number > 0, got -1") on a wrong value or a key the table does not know. */
bs_status bs_settings_normalize(const json_t *in, json_t **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Sets path in settings (a sparse object, created sections as needed) from
 * text as a flag gives it: numbers, true/false, the off word (null), a
 * choice or its flag word, models as "hill,power". -1 with errstr naming
 * what when the text does not fit the setting. */
int bs_settings_set_text(json_t *settings, const bs_setting *s, const char *text, char *errstr,
                         size_t errstr_size) __attribute__((warn_unused_result));

/* "path=value" (replay --set): value parsed as bs_settings_set_text does,
 * then the whole object normalized again. */
int bs_settings_assign(json_t *settings, const char *assignment, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The value at a dotted path (borrowed), NULL when absent. */
json_t *bs_settings_get(const json_t *settings, const char *path);

/* Prints settings as every front end's --print-settings does: indented,
 * in the table's order, one trailing newline. 0, or -1 on a write error. */
int bs_settings_print(FILE *out, const json_t *settings);

/* SHA-256 (hex) of the compact, key-sorted JSON text of value: equal
 * settings give equal hashes whatever their key order. */
int bs_settings_hash(const json_t *value, char out[65]);

/* "2", "10", "e" or "none", as the settings write a log base; "base2",
 * "base10", "natural" or "none", as the experiment rows store it. Parsing
 * takes either; -1 if unknown. */
const char *bs_settings_log_base_name(bmd_log_base base);
const char *bs_settings_log_base_word(bmd_log_base base);
int bs_settings_log_base_parse(const char *name);

/* ---- the command line ---------------------------------------------- */

/* The input files a front end names besides the settings. */
typedef struct bs_analysis_inputs {
  const char *probe_map, *category_map, *gmt; /* paths or object keys; NULL when absent */
} bs_analysis_inputs;

/* Takes every settings flag of the sections in `sections` out of argv
 * (--flag value, --flag=value, or --flag alone for flag_sets entries) into
 * the sparse object settings, leaving the other arguments in order in
 * argv[0..*argc) (argv[0] kept). -1 with errstr on a bad value. */
int bs_settings_take_flags(json_t *settings, unsigned sections, int *argc, char **argv,
                           char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* The front ends' shared last steps: the category type from the inputs
 * when no flag set it (gmt with a GMT file, defined with a category map,
 * gene with a probe map alone, else none), then bs_settings_normalize,
 * then the inputs checked against the type (a category map needs a probe
 * map; defined needs a category map, gmt a GMT; none takes no annotation
 * files). New reference in *out. */
int bs_settings_resolve(const json_t *sparse, const bs_analysis_inputs *in, json_t **out,
                        char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* The same check alone, on normalized settings (the consumers' side). */
int bs_settings_check_inputs(const json_t *settings, const bs_analysis_inputs *in, char *errstr,
                             size_t errstr_size) __attribute__((warn_unused_result));

/* The flags of the sections as --help lines (flag, value, default, help). */
void bs_settings_usage(FILE *out, unsigned sections);

/* The table as JSON (path, type, default, bounds, choices, flag, help):
 * `bmdstream settings --table`, and the schema test's input. */
json_t *bs_settings_table_json(void);

/* ---- the core options ---------------------------------------------- */

typedef enum bs_last_step { BS_STEP_PREFILTER = 0, BS_STEP_BMD, BS_STEP_CATEGORY } bs_last_step;

typedef enum bs_category_type {
  BS_CATEGORY_NONE = 0, /* no category analysis: the category step draws the curve plots only */
  BS_CATEGORY_GENE,     /* every gene its own category */
  BS_CATEGORY_DEFINED,  /* a BMDExpress category map */
  BS_CATEGORY_GMT,      /* gene sets in a GMT file */
  BS_CATEGORY_GO,       /* Gene Ontology terms from OBO + GAF / gene2go (bs/go.h) */
  BS_CATEGORY_PATHWAY   /* Reactome pathways from NCBI2Reactome.txt (bs/reactome.h) */
} bs_category_type;

/* category.go.*: the GO category analysis (docs/categories.md) */
#define BS_GO_MAX_EVIDENCE 32
typedef struct bs_go_settings {
  char obo[4096];         /* category.go.obo, "" when null */
  char annotations[4096]; /* category.go.annotations, "" when null */
  int aspect;             /* bs_go_aspect (bs/go.h) */
  char exclude_evidence[BS_GO_MAX_EVIDENCE][16];
  size_t n_exclude_evidence;
  long taxon; /* 0: any */
} bs_go_settings;

/* category.pathway.*: the Reactome pathway category analysis */
typedef struct bs_pathway_settings {
  char annotations[4096]; /* category.pathway.annotations, "" when null */
  char species[128];      /* category.pathway.species, "" when null (any) */
} bs_pathway_settings;

/* Everything a step needs to know, as core option structs. threads and
 * progress callbacks are the program's: they never change a result. */
typedef struct bs_settings {
  bs_last_step last_step;
  const bmd_prefilter_method *method;
  bmd_prefilter_test_options test; /* permutations, seed; threads 1 */
  bmd_prefilter_options prefilter;
  bmd_log_base log_base;
  bmd_probes_options bmd; /* fit.log_base = log_base; threads 1 */
  bs_category_type category_type;
  bmd_category_options category;
  bs_go_settings go;
  bs_pathway_settings pathway;
  bmd_tpod_options tpod;
  size_t curve_plots;
  size_t plot_category_min_genes;
} bs_settings;

/* The options of normalized settings (borrowed; normalizes first, so any
 * settings object is accepted). PERMANENT with errstr on a bad value. */
bs_status bs_settings_options(const json_t *settings, bs_settings *out, char *errstr,
                              size_t errstr_size) __attribute__((warn_unused_result));

#endif

/*
 * bs/steps.h - the analysis steps, shared by `bmdstream analyze` and the
 * pipeline's stage consumers (DESIGN §1): each takes the dataset and the
 * settings (bs/settings.h), runs the core calls, and writes its exports
 * through the object-store interface, so that `analyze --out DIR` (a
 * file:// store rooted at DIR) and the pipeline (S3) write the same files
 * byte for byte:
 *
 *   prefilter  prefilter.tsv
 *   bmd        bmd.tsv
 *   category   categories.tsv, results.csv (the same table as CSV),
 *              tpod.json, plots/gene_accumulation.svg,
 *              plots/category_accumulation.svg (with a category analysis)
 *              and plots/curve_<probe>.svg for the settings' plots.curves
 *              most sensitive probes, and report.html: all of it on one
 *              self-contained page with the settings (bs/report.h)
 *
 * A consumer's handler is then: load inputs -> step -> rows -> next event;
 * `analyze` is: import -> step -> step -> step.
 *
 * The steps compute with the settings' log base (s->log_base), whatever
 * log base ds was imported with: the results' natural keys name the
 * settings, so the settings decide. Files are rendered in memory and put
 * whole; a step that fails may have put some of its files already (a
 * re-run overwrites them with the same bytes).
 *
 * Errors: RETRIABLE when the store could not be written or memory ran
 * out, PERMANENT when the input cannot be analysed (errstr says why).
 */
#ifndef BS_STEPS_H
#define BS_STEPS_H

#include <jansson.h>
#include <stddef.h>

#include "bmd/category.h"
#include "bmd/dataset.h"
#include "bmd/prefilter.h"
#include "bmd/probes.h"
#include "bs/bmd_pieces.h"
#include "bs/error.h"
#include "bs/objstore.h"
#include "bs/settings.h"

/* Where a step writes: key prefix + "/" + name, or name alone when the
 * prefix is empty (the top of analyze's file:// store). Both borrowed. */
typedef struct bs_export_target {
  bs_objstore *store;
  const char *prefix;
} bs_export_target;

/* Puts buf[0..len) at the target's key for name (e.g. "plots/x.svg"). */
bs_status bs_export_put(const bs_export_target *to, const char *name, const void *buf, size_t len,
                        const char *content_type, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* ---- prefilter ------------------------------------------------------ */

typedef struct bs_prefilter_output {
  bmd_prefilter_result *result; /* owned: the flow's verdicts, fold changes, NOTEL/LOTEL */
  double *values;               /* owned: n_probes * method->n_columns test values */
  double *stat;                 /* owned: the method's statistic per probe; NULL without one */
  size_t *passed;               /* owned: the rows that passed, ascending */
  size_t n_passed;
} bs_prefilter_output;

/* The method's test (threads for Williams), the filter flow, prefilter.tsv.
 * *out new (bs_prefilter_output_destroy). */
bs_status bs_step_prefilter(const bs_settings *s, const bmd_dataset *ds, unsigned threads,
                            const bs_export_target *to, bs_prefilter_output **out, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));
void bs_prefilter_output_destroy(bs_prefilter_output *o);

/* The same on rows[0..n_rows) of ds only (ascending; NULL: every row, as
 * bs_step_prefilter): a curve fit on the probes another prefilter passed
 * (bs/bmdx_plan.h). prefilter.tsv lists those rows; (*out)->result,
 * values and stat are indexed by position in rows, (*out)->passed holds
 * rows of ds. */
bs_status bs_step_prefilter_rows(const bs_settings *s, const bmd_dataset *ds, const size_t *rows,
                                 size_t n_rows, unsigned threads, const bs_export_target *to,
                                 bs_prefilter_output **out, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* ---- BMD ------------------------------------------------------------ */

typedef void (*bs_step_progress_cb)(void *opaque, size_t done, size_t total);

/* Every model of the settings fitted to rows[0..n) of ds, the best one
 * selected (bmd_probes_fit on `threads` threads, progress as probes are
 * done; may be NULL), then bmd.tsv. *fits new (free), n entries. */
bs_status bs_step_bmd(const bs_settings *s, const bmd_dataset *ds, const size_t *rows, size_t n,
                      unsigned threads, bs_step_progress_cb progress, void *progress_opaque,
                      const bs_export_target *to, bmd_probe_fit **fits, char *errstr,
                      size_t errstr_size) __attribute__((warn_unused_result));

/* The BMD step in chunks (one experiment spread over many workers,
 * docs/architecture.md): bs_step_bmd_chunk fits rows[0..n) as bs_step_bmd
 * does but leaves out the steps that look across probes and writes no
 * export; bs_step_bmd_gather takes the fits of every chunk, concatenated
 * in the order of the whole rows array (fits[0..n), changed in place),
 * runs those steps (bmd_probes_finish), renders each of pieces[0..count)
 * (bs/bmd_pieces.h: probes [first, first + len) of fits) not rendered yet
 * from the fits so finished, and puts bmd.tsv joined from the pieces (a
 * chunk renders its piece when fitted, unless a probe of it awaits those
 * steps). The two give exactly what bs_step_bmd gives for the whole
 * array. */
bs_status bs_step_bmd_chunk(const bs_settings *s, const bmd_dataset *ds, const size_t *rows,
                            size_t n, unsigned threads, bs_step_progress_cb progress,
                            void *progress_opaque, bmd_probe_fit **fits, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));
bs_status bs_step_bmd_gather(const bs_settings *s, const bmd_dataset *ds, bmd_probe_fit *fits,
                             size_t n, bs_bmd_piece *pieces, size_t count,
                             const bs_export_target *to, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* ---- category ------------------------------------------------------- */

/* How the category step's files are made, for `bmdstream categories`,
 * whose probes come from a bmd.tsv instead of fits in memory:
 * categories.tsv, results.csv, tpod.json and the two accumulation plots of
 * ca (probes: the inputs it ran with; tpod: tpod.json's object; all
 * borrowed), and one fit's plots/curve_<probe>.svg, labelled with label
 * (may be NULL). */
bs_status bs_category_exports_put(const bs_settings *s, const bmd_category_analysis *ca,
                                  const bmd_cat_probe *probes, const json_t *tpod,
                                  const bs_export_target *to, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
bs_status bs_curve_plot_put(const bs_export_target *to, const bmd_dataset *ds,
                            const bmd_probe_fit *fit, const char *label, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));

/* The annotation the settings ask for from local files: NULL in *out for
 * category type none; with no probe map each probe id of ds is its own
 * gene. Paths as bs_settings_check_inputs accepted them. */
bs_status bs_step_annotation_load(const bs_settings *s, const bs_analysis_inputs *files,
                                  const bmd_dataset *ds, bmd_annotation **out, char *errstr,
                                  size_t errstr_size) __attribute__((warn_unused_result));

typedef struct bs_category_output {
  bmd_category_analysis *ca; /* owned; NULL for category type none */
  json_t *tpod;              /* owned: tpod.json's object; NULL for type none */
  bmd_tpod tpod_values;      /* its values (strings borrowed from ca) */
  size_t n_curves;           /* curve plots written */
} bs_category_output;

/* The category analysis of fits[0..n) (the BMD step's results for the
 * probes that passed the prefilter, in its order: the pipeline rebuilds
 * them from probe_stats.json.gz with bs_bmd_probes_from_json) with annot
 * (borrowed; NULL for type none), the tPOD, the plots and report.html.
 * For category type none only the curve plots and the report are made (ca
 * and tpod stay NULL). settings (borrowed) is the normalized settings JSON
 * s was made from, listed in the report (NULL: "not recorded").
 * *out new (bs_category_output_destroy). */
bs_status bs_step_category(const bs_settings *s, const json_t *settings, const bmd_dataset *ds,
                           const bmd_probe_fit *fits, size_t n, const bmd_annotation *annot,
                           const bs_export_target *to, bs_category_output **out, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));
void bs_category_output_destroy(bs_category_output *o);

#endif

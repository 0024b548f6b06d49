/*
 * bs/rerun.h - re-running an experiment's analysis: a new job and a new
 * experiment-imported event made from the experiment's last job, with
 * optional setting overrides. The same settings name the same results
 * (natural keys), so a plain re-run changes no result; new settings make a
 * new result version beside the old.
 *
 * The importer stores each job's experiment-imported `data` (without the
 * job id) in jobs.parameters; that is what a re-run starts from.
 */
#ifndef BS_RERUN_H
#define BS_RERUN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bs/bus.h"
#include "bs/db.h"
#include "bs/signature.h"

/* Applies "path=value" (e.g. "bmd.bmr=1.349", "prefilter.method=anova",
 * "bmd.models=hill,exp5") to data.parameters through the settings module
 * (bs_settings_assign: the value read as the setting's flag reads it, the
 * whole object validated again). PERMANENT naming the path when it is not
 * a setting or the value does not fit. */
bs_status bs_rerun_override(json_t *data, const char *assignment, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Several assignments separated by commas ("bmd.bmr=2,bmd.models=hill,exp5"):
 * a comma starts the next one only where "path=" follows it. */
bs_status bs_rerun_override_list(json_t *data, const char *list, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The data of the experiment's last job (new reference), NOT_FOUND if the
 * experiment never had one: the whole stored data, so a chained run's
 * input_parameters and the annotation keys (GO and Reactome copies too)
 * go into the new job unchanged; --set overrides data.parameters only. */
bs_status bs_rerun_last_data(bs_db *db, int64_t project_id, int64_t experiment_id, json_t **data,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Experiment ids of a project, ascending (*ids new). */
bs_status bs_rerun_project_experiments(bs_db *db, int64_t project_id, int64_t **ids, size_t *n,
                                       char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Creates the job (QUEUED, type job_type) and publishes experiment-imported
 * for data (borrowed; job_id is set on a copy), signed by signer (borrowed;
 * bs/signature.h: the first stage refuses an unsigned event, so NULL only
 * for tests of that refusal). job_id_out receives the new job id. */
bs_status bs_rerun_submit(bs_db *db, bs_producer *producer, const char *topic_prefix,
                          const char *source, const bs_signer *signer, const json_t *data,
                          const char *job_type, char job_id_out[37], char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));

#endif

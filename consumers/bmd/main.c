/*
 * bmdstream-bmd - the BMD stage: prefilter-done -> model fits -> bmd-done,
 * one experiment spread over every instance of the stage
 * (docs/architecture.md, "One experiment over many BMD workers").
 *
 * On prefilter-done (settings and annotation keys carried on as they
 * came; an event whose last_step is "prefilter" is acknowledged and
 * nothing more): check that data.prefilter_result_id is a result of the
 * event's experiment and project, take the probes that prefilter result
 * passed in the experiment's matrix.bin, then
 *   1. upsert the bmd_results row (natural key: experiment, prefilter
 *      result, method, name = "bmd-" + hash of parameters.bmd) for its id;
 *   2. plan its chunks (bs/bmd_chunks.h: about chunk_size probes each, a
 *      multiple of the work topic's partitions) and publish each chunk not
 *      yet done to bmd-chunks. A plan already done (a rerun, a redelivered
 *      event) is gathered at once (4).
 * On a bmd-chunks event (any instance, the same group):
 *   3. fit the chunk's probes (bs_step_bmd_chunk, as `bmdstream analyze`
 *      fits them, on this program's threads), store its fits as one object
 *      with its piece of bmd.tsv and probe_stats.json.gz rendered
 *      (bs/bmd_pieces.h) and, in one transaction that counts the chunks
 *      left, mark the chunk
 *      done and write the probe_stat_results rows of its probes that the
 *      steps across probes cannot change (every probe but those awaiting
 *      flagged-Hill option 4 or 5's values; ON CONFLICT DO NOTHING); the
 *      one that marks the last gathers. A chunk already done is not fitted
 *      again (redelivery): it gathers when none is left.
 *   4. gather: every chunk's fits in probe order, the steps across probes,
 *      bmd.tsv under projects/{p}/exports/bmd/{id}/, the fits as held
 *      here for the category stage (projects/{p}/results/{id}/fits.bin,
 *      bs/bmd_fits_object.h), then
 *      projects/{p}/results/{id}/probe_stats.json.gz, it and bmd.tsv joined from
 *      the pieces the chunks rendered when fitted (bs/bmd_pieces.h; a
 *      chunk with a probe awaiting the steps across probes renders none:
 *      the gather does, after them), and the rows the chunks left, the
 *      result's key and count in one transaction (ON CONFLICT DO NOTHING):
 *      byte for byte what fitting the whole experiment at once gives.
 *      Then step 5 and bmd-done, its id derived from the result id. With
 *      last_step "bmd" this stage ends the job.
 *   5. once the result is complete (its last transaction committed), the
 *      chunk objects are garbage: deleted before bmd-done. A gather asked
 *      for again (a late or redelivered chunk, a redelivered
 *      prefilter-done, a re-run) finds the result complete, reads no
 *      chunk, deletes what a late chunk left and emits bmd-done again: for
 *      a prefilter-done always, for a chunk only when it is the one marked
 *      done last and its job is not finished (its gatherer may have died
 *      before emitting it).
 * With chunk_size 0 the prefilter-done handler fits the whole experiment
 * itself (1, then 3 and 4 over every probe, 4 writing every row). Progress
 * goes to job-events as chunks are done.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bs/bmd_chunks.h"
#include "bs/bmd_fits_object.h"
#include "bs/event_data.h"
#include "bs/experiments.h"
#include "bs/jobs.h"
#include "bs/log.h"
#include "bs/results.h"
#include "bs/stage.h"
#include "bs/stages.h"
#include "bs/steps.h"

static const bs_config_param bmd_params[] = {
    {"threads", BS_CFG_INT, "2", "threads fitting probes", 0},
    {"chunk_size", BS_CFG_INT, "500",
     "probes per chunk of an experiment shared by the stage's instances (about: the chunks are "
     "a multiple of the work topic's partitions); 0: each experiment whole in one instance",
     0},
};

/* The experiment's matrix and the rows its prefilter result passed, kept
 * from one event to the next: the chunks of one experiment need the
 * same (a matrix and a prefilter result never change once stored). */
typedef struct probe_cache {
  int64_t project_id, experiment_id, prefilter_id;
  bmd_dataset *ds;
  size_t *rows, nrows;
} probe_cache;

static probe_cache cache;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bs_status load_probes(bs_stage *stage, const bs_envelope *in, int64_t prefilter_id,
                             char *errstr, size_t errstr_size) {
  if (cache.ds && cache.project_id == in->project_id && cache.experiment_id == in->experiment_id &&
      cache.prefilter_id == prefilter_id)
    return BS_OK;
  bmd_dataset_destroy(cache.ds);
  free(cache.rows);
  cache = (probe_cache){0};
  bs_db *db = bs_stage_db(stage);
  bmd_dataset *ds = NULL;
  size_t *rows = NULL, nrows = 0;
  bs_status st = bs_experiment_load_matrix(db, bs_stage_objstore(stage), in->project_id,
                                           in->experiment_id, &ds, errstr, errstr_size);
  if (st == BS_OK)
    st = bs_results_passed_probes(db, prefilter_id, ds, &rows, &nrows, errstr, errstr_size);
  if (st != BS_OK) {
    bmd_dataset_destroy(ds);
    return st;
  }
  cache = (probe_cache){in->project_id, in->experiment_id, prefilter_id, ds, rows, nrows};
  return BS_OK;
}

typedef struct progress_ctx {
  bs_stage *stage;
  const bs_envelope *in;
  size_t chunks_done, chunks; /* before this one; of the result */
} progress_ctx;

/* fraction = (chunks done + done / total of this chunk's probes) / chunks */
static void on_progress(void *opaque, size_t done, size_t total) {
  progress_ctx *p = opaque;
  char msg[128];
  double part = (double)done / (double)(total ? total : 1);
  snprintf(msg, sizeof(msg), "fitting chunk %zu of %zu: %zu of %zu probes", p->chunks_done + 1,
           p->chunks, done, total);
  bs_stage_progress(p->stage, p->in, ((double)p->chunks_done + part) / (double)p->chunks, msg);
}

/* The job stays RUNNING: chunks_left of chunks to fit. */
static void partial(bs_stage_output *out, size_t chunks, size_t chunks_left, const char *what) {
  out->partial = 1;
  out->fraction = (double)(chunks - chunks_left) / (double)(chunks ? chunks : 1);
  snprintf(out->message, sizeof(out->message), "%s; %zu of %zu chunks fitted", what,
           chunks - chunks_left, chunks);
}

/* bmd-done for result_id of nrows probes. */
static bs_status done_event(const bs_envelope *in, const bs_event_inputs *ev, int64_t prefilter_id,
                            int64_t result_id, size_t nrows, bs_stage_output *out, char *errstr,
                            size_t errstr_size) {
  out->data = bs_event_data_next(in, ev->settings, ev->annotation);
  if (!out->data ||
      json_object_set_new(out->data, "prefilter_result_id", json_integer(prefilter_id)) != 0 ||
      json_object_set_new(out->data, "bmd_result_id", json_integer(result_id)) != 0 ||
      json_object_set_new(out->data, "num_results", json_integer((json_int_t)nrows)) != 0) {
    snprintf(errstr, errstr_size, "out of memory building bmd-done");
    return BS_ERR_RETRIABLE;
  }
  snprintf(out->event_key, sizeof(out->event_key), "bmd_result=%" PRId64, result_id);
  out->result_id = result_id;
  out->job_completed = ev->s.last_step == BS_STEP_BMD;
  snprintf(out->message, sizeof(out->message), "BMD analysis done: %zu probes fitted%s", nrows,
           out->job_completed ? "; completed (last step: bmd)" : "");
  return BS_OK;
}

/* Step 4 on fits[0..cache.nrows) and pieces[0..count) (both taken: freed
 * here), then bmd-done. from_chunks: the chunks wrote the rows that were
 * final when fitted (bs_bmd_chunk_store); only the others are written
 * here. */
static bs_status gather(bs_stage *stage, const bs_envelope *in, const bs_event_inputs *ev,
                        int64_t prefilter_id, int64_t result_id, bmd_probe_fit *fits,
                        bs_bmd_piece *pieces, size_t count, int from_chunks, bs_stage_output *out,
                        char *errstr, size_t errstr_size) {
  bs_objstore *store = bs_stage_objstore(stage);
  char prefix[128], key[256];
  bs_stage_export_prefix(bs_stage_info_find("bmd"), in->project_id, result_id, prefix,
                         sizeof(prefix));
  bs_export_target to = {store, prefix};
  /* which rows to write, told before the steps across probes clear the
   * mark they go by */
  unsigned char *rows = NULL;
  size_t nwrite = cache.nrows, rendered = 0;
  if (from_chunks) {
    rows = malloc(cache.nrows ? cache.nrows : 1);
    if (!rows) {
      free(fits);
      bs_bmd_pieces_destroy(pieces, count);
      snprintf(errstr, errstr_size, "out of memory for %zu probes' rows", cache.nrows);
      return BS_ERR_RETRIABLE;
    }
    nwrite = 0;
    for (size_t i = 0; i < cache.nrows; i++) {
      rows[i] = (unsigned char)!bs_results_probe_row_final(&fits[i]);
      nwrite += rows[i];
    }
  }
  for (size_t i = 0; i < count; i++)
    rendered += pieces[i].rendered ? pieces[i].len : 0;
  double t0 = now_s();
  bs_status st = bs_step_bmd_gather(&ev->s, cache.ds, fits, cache.nrows, pieces, count, &to, errstr,
                                    errstr_size);
  double t1 = now_s();
  if (st == BS_OK && bs_stage_stopping(stage)) {
    snprintf(errstr, errstr_size, "shutting down before the results were stored");
    st = BS_ERR_RETRIABLE;
  }
  /* the fits as held here, for the category stage, before the result is
   * complete (bs/bmd_fits_object.h) */
  bs_bmd_fits_object_key(in->project_id, result_id, key, sizeof(key));
  if (st == BS_OK)
    st = bs_bmd_fits_object_put(store, key, fits, cache.nrows, errstr, errstr_size);
  double t2 = now_s();
  snprintf(key, sizeof(key), "projects/%" PRId64 "/results/%" PRId64 "/probe_stats.json.gz",
           in->project_id, result_id);
  if (st == BS_OK)
    st = bs_results_store_probe_stats(bs_stage_db(stage), store, key, result_id, cache.ds, fits,
                                      cache.nrows, rows, pieces, count, errstr, errstr_size);
  free(fits);
  free(rows);
  bs_bmd_pieces_destroy(pieces, count);
  if (st == BS_OK)
    bs_info("BMD result %" PRId64 ": %zu probes gathered (%zu rendered by their chunks): bmd.tsv "
            "in %.2f s, the fits object in %.2f s, probe statistics and %zu rows in %.2f s",
            result_id, cache.nrows, rendered, t1 - t0, t2 - t1, nwrite, now_s() - t2);
  if (st == BS_OK)
    st = done_event(in, ev, prefilter_id, result_id, cache.nrows, out, errstr, errstr_size);
  return st;
}

/* Step 5: the chunk objects of result_id, complete, deleted (any left:
 * the gather's own, or one a late chunk stored again). */
static bs_status delete_chunks(bs_stage *stage, const bs_envelope *in, int64_t result_id,
                               char *errstr, size_t errstr_size) {
  size_t deleted = 0;
  double t0 = now_s();
  bs_status st = bs_bmd_chunks_delete(bs_stage_objstore(stage), in->project_id, result_id, &deleted,
                                      errstr, errstr_size);
  if (st == BS_OK && deleted)
    bs_info("BMD result %" PRId64 ": %zu chunk objects deleted in %.2f s", result_id, deleted,
            now_s() - t0);
  return st;
}

/* Step 4 for a result already complete: nothing is read or written
 * again but leftover chunk objects deleted. For a prefilter-done (chunk
 * NULL: a redelivery, a re-run with the same settings, a group moved back
 * to re-process its input, docs/runbook.md) bmd-done again, as every
 * stage answers its input. For a chunk's event nothing more, unless the
 * chunk is the one marked done last, whose event's handler gathered and
 * emitted bmd-done, and its job is not finished (COMPLETED or FAILED):
 * that handler may have died between its last transaction and bmd-done,
 * so bmd-done again (the same event id). Every other chunk's event after
 * the gather (a work item published twice, a dead worker's chunks done
 * but not committed, a late one) is answered by nothing. */
static bs_status gathered_before(bs_stage *stage, const bs_envelope *in, const bs_event_inputs *ev,
                                 int64_t prefilter_id, int64_t result_id, const bs_bmd_chunk *chunk,
                                 bs_stage_output *out, char *errstr, size_t errstr_size) {
  bs_status st = delete_chunks(stage, in, result_id, errstr, errstr_size);
  bs_job_row job = {0};
  int finished = 0;
  if (st == BS_OK && chunk && chunk->marked_last && in->job_id && in->job_id[0]) {
    st = bs_job_get(bs_stage_db(stage), in->job_id, &job, errstr, errstr_size);
    finished = st == BS_OK && (job.status == BS_JOB_COMPLETED || job.status == BS_JOB_FAILED);
  }
  if (st != BS_OK)
    return st;
  if (!chunk || (chunk->marked_last && !finished)) {
    bs_info("BMD result %" PRId64 ": complete before: bmd-done again, no chunk read", result_id);
    return done_event(in, ev, prefilter_id, result_id, cache.nrows, out, errstr, errstr_size);
  }
  bs_info("BMD result %" PRId64 ": complete before%s%s: nothing to do for chunk %zu", result_id,
          finished ? ", its job " : "", finished ? bs_job_status_name(job.status) : "",
          chunk->index);
  out->partial = 1;
  out->fraction = 1;
  snprintf(out->message, sizeof(out->message), "BMD result complete before: nothing to do");
  return BS_OK;
}

/* Step 4 from the stored chunks, then step 5; a result complete before
 * is not gathered again. chunk: the event's (NULL for a prefilter-done). */
static bs_status gather_chunks(bs_stage *stage, const bs_envelope *in, const bs_event_inputs *ev,
                               int64_t prefilter_id, int64_t result_id, const bs_bmd_chunk *chunk,
                               bs_stage_output *out, char *errstr, size_t errstr_size) {
  bs_db *db = bs_stage_db(stage);
  bmd_probe_fit *fits = NULL;
  bs_bmd_piece *pieces = NULL;
  size_t count = 0;
  int complete = 0;
  bs_status st = bs_results_bmd_complete(db, result_id, &complete, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  if (complete)
    return gathered_before(stage, in, ev, prefilter_id, result_id, chunk, out, errstr, errstr_size);
  double t0 = now_s();
  st = bs_bmd_chunks_load(db, bs_stage_objstore(stage), result_id, cache.rows, cache.nrows, &fits,
                          &pieces, &count, errstr, errstr_size);
  if (st != BS_OK) {
    /* a gather of the same result may have completed it meanwhile and
     * deleted the objects this one was reading */
    char cerr[512];
    if (bs_results_bmd_complete(db, result_id, &complete, cerr, sizeof(cerr)) == BS_OK && complete)
      return gathered_before(stage, in, ev, prefilter_id, result_id, chunk, out, errstr,
                             errstr_size);
    return st;
  }
  bs_info("BMD result %" PRId64 ": every chunk's fits loaded in %.2f s", result_id, now_s() - t0);
  st = gather(stage, in, ev, prefilter_id, result_id, fits, pieces, count, 1, out, errstr,
              errstr_size);
  if (st == BS_OK) /* the result is complete: its chunk objects are garbage */
    st = delete_chunks(stage, in, result_id, errstr, errstr_size);
  return st;
}

/* Steps 3 and 4 on every probe at once (chunk_size 0). */
static bs_status fit_whole(bs_stage *stage, const bs_envelope *in, const bs_event_inputs *ev,
                           int64_t prefilter_id, int64_t result_id, bs_stage_output *out,
                           char *errstr, size_t errstr_size) {
  bmd_probe_fit *fits = NULL;
  progress_ctx pc = {stage, in, 0, 1};
  unsigned threads = (unsigned)bs_config_get_int(bs_stage_config(stage), "threads");
  bs_status st = bs_step_bmd_chunk(&ev->s, cache.ds, cache.rows, cache.nrows, threads, on_progress,
                                   &pc, &fits, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  bs_bmd_piece *whole = calloc(1, sizeof(*whole)); /* rendered by the gather */
  if (!whole) {
    free(fits);
    snprintf(errstr, errstr_size, "out of memory");
    return BS_ERR_RETRIABLE;
  }
  whole->len = cache.nrows;
  return gather(stage, in, ev, prefilter_id, result_id, fits, whole, 1, 0, out, errstr,
                errstr_size);
}

/* Step 2. */
static bs_status plan(bs_stage *stage, const bs_envelope *in, const bs_event_inputs *ev,
                      int64_t prefilter_id, int64_t result_id, size_t chunk_size,
                      bs_stage_output *out, char *errstr, size_t errstr_size) {
  bs_db *db = bs_stage_db(stage);
  int partitions = 0;
  bs_status st = bs_stage_work_partitions(stage, &partitions, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  size_t count = bs_bmd_chunk_count(cache.nrows, chunk_size, (size_t)partitions), left = 0;
  st = bs_bmd_chunks_plan(db, result_id, cache.nrows, &count, &left, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  if (left == 0)
    return gather_chunks(stage, in, ev, prefilter_id, result_id, NULL, out, errstr, errstr_size);
  for (size_t i = 0; i < count && st == BS_OK; i++) {
    bs_bmd_chunk chunk;
    st = bs_bmd_chunk_get(db, result_id, i, &chunk, errstr, errstr_size);
    if (st != BS_OK || chunk.done)
      continue;
    char event_key[128];
    snprintf(event_key, sizeof(event_key), "bmd_result=%" PRId64 "/chunk=%zu", result_id, i);
    json_t *data = bs_event_data_next(in, ev->settings, ev->annotation);
    if (!data || json_object_set_new(data, "prefilter_result_id", json_integer(prefilter_id)) ||
        json_object_set_new(data, "bmd_result_id", json_integer(result_id)) ||
        json_object_set_new(data, "chunk_index", json_integer((json_int_t)i)) ||
        json_object_set_new(data, "chunk_count", json_integer((json_int_t)count))) {
      json_decref(data);
      snprintf(errstr, errstr_size, "out of memory building chunk %zu", i);
      return BS_ERR_RETRIABLE;
    }
    st = bs_stage_publish_work(stage, in, event_key, i, data, errstr, errstr_size);
  }
  /* every chunk published, delivered at once (also after a failure: none
   * is left pending for the next event) */
  char werr[512];
  bs_status wst = bs_stage_publish_work_wait(stage, werr, sizeof(werr));
  if (st == BS_OK && wst != BS_OK) {
    snprintf(errstr, errstr_size, "%s", werr);
    st = wst;
  }
  if (st == BS_OK) {
    char what[128];
    snprintf(what, sizeof(what), "%zu probes in %zu chunks", cache.nrows, count);
    partial(out, count, left, what);
  }
  return st;
}

/* Step 3 (and 4 for the last chunk). */
static bs_status fit_chunk(bs_stage *stage, const bs_envelope *in, const bs_event_inputs *ev,
                           int64_t prefilter_id, bs_stage_output *out, char *errstr,
                           size_t errstr_size) {
  bs_db *db = bs_stage_db(stage);
  int64_t result_id = json_integer_value(json_object_get(in->data, "bmd_result_id"));
  json_int_t index = json_integer_value(json_object_get(in->data, "chunk_index"));
  bs_status st = bs_results_check_bmd(db, result_id, prefilter_id, in->project_id,
                                      in->experiment_id, errstr, errstr_size);
  bs_bmd_chunk chunk;
  if (st == BS_OK && index < 0) {
    snprintf(errstr, errstr_size, "data.chunk_index %lld is negative", (long long)index);
    st = BS_ERR_PERMANENT;
  }
  if (st == BS_OK)
    st = bs_bmd_chunk_get(db, result_id, (size_t)index, &chunk, errstr, errstr_size);
  if (st == BS_ERR_NOT_FOUND)
    st = BS_ERR_PERMANENT;
  if (st == BS_OK && chunk.first + chunk.len > cache.nrows) {
    snprintf(errstr, errstr_size, "chunk %zu of BMD result %" PRId64 " is beyond its %zu probes",
             chunk.index, result_id, cache.nrows);
    st = BS_ERR_PERMANENT;
  }
  size_t left = 0;
  if (st == BS_OK)
    st = bs_bmd_chunks_remaining(db, result_id, &left, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  if (chunk.done) { /* redelivered: gather if nothing is left (the gatherer may have died) */
    if (left == 0)
      return gather_chunks(stage, in, ev, prefilter_id, result_id, &chunk, out, errstr,
                           errstr_size);
    partial(out, chunk.count, left, "chunk fitted before");
    return BS_OK;
  }
  bmd_probe_fit *fits = NULL;
  progress_ctx pc = {stage, in, chunk.count - left, chunk.count};
  unsigned threads = (unsigned)bs_config_get_int(bs_stage_config(stage), "threads");
  double t0 = now_s();
  st = bs_step_bmd_chunk(&ev->s, cache.ds, cache.rows + chunk.first, chunk.len, threads,
                         on_progress, &pc, &fits, errstr, errstr_size);
  double t1 = now_s();
  if (st == BS_OK && bs_stage_stopping(stage)) {
    snprintf(errstr, errstr_size, "shutting down before chunk %zu was stored", chunk.index);
    st = BS_ERR_RETRIABLE;
  }
  int last = 0, complete = 0;
  if (st == BS_OK)
    st = bs_bmd_chunk_store(db, bs_stage_objstore(stage), in->project_id, result_id, cache.ds,
                            &chunk, fits, &last, &complete, errstr, errstr_size);
  free(fits);
  if (st != BS_OK)
    return st;
  bs_info("BMD result %" PRId64
          ": chunk %zu of %zu, %zu probes, fitted in %.3f s, stored in %.3f s",
          result_id, chunk.index, chunk.count, chunk.len, t1 - t0, now_s() - t1);
  chunk.marked_last = last;
  if (last)
    return gather_chunks(stage, in, ev, prefilter_id, result_id, &chunk, out, errstr, errstr_size);
  if (complete) /* fitted again after the gather: its object is garbage */
    return gathered_before(stage, in, ev, prefilter_id, result_id, &chunk, out, errstr,
                           errstr_size);
  if ((st = bs_bmd_chunks_remaining(db, result_id, &left, errstr, errstr_size)) != BS_OK)
    return st;
  char what[96];
  snprintf(what, sizeof(what), "fitted chunk %zu (%zu probes)", chunk.index, chunk.len);
  partial(out, chunk.count, left, what);
  return BS_OK;
}

static bs_status handle(void *opaque, bs_stage *stage, const bs_envelope *in, bs_stage_output *out,
                        char *errstr, size_t errstr_size) {
  (void)opaque;
  bs_db *db = bs_stage_db(stage);
  bs_event_inputs ev = {0};
  int64_t prefilter_id = json_integer_value(json_object_get(in->data, "prefilter_result_id"));
  bs_status st = bs_event_inputs_read(in, &ev, errstr, errstr_size);
  if (st != BS_OK || ev.s.last_step == BS_STEP_PREFILTER) {
    if (st == BS_OK)
      snprintf(out->message, sizeof(out->message), "nothing to do: the last step is the prefilter");
    goto done;
  }
  st = bs_results_check_prefilter(db, prefilter_id, in->project_id, in->experiment_id, errstr,
                                  errstr_size);
  if (st == BS_OK)
    st = load_probes(stage, in, prefilter_id, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  if (in->topic == BS_TOPIC_BMD_CHUNKS) {
    st = fit_chunk(stage, in, &ev, prefilter_id, out, errstr, errstr_size);
    goto done;
  }

  const json_t *bmd_settings = json_object_get(ev.settings, "bmd");
  char hash[65], name[80];
  if (bs_settings_hash(bmd_settings, hash) != 0) {
    snprintf(errstr, errstr_size, "out of memory hashing the BMD settings");
    st = BS_ERR_RETRIABLE;
    goto done;
  }
  snprintf(name, sizeof(name), "bmd-%.16s", hash);
  int64_t result_id = 0;
  st = bs_results_upsert_bmd(db, in->project_id, in->experiment_id, prefilter_id, name,
                             bmd_settings, &result_id, errstr, errstr_size);
  if (st != BS_OK)
    goto done;
  long chunk_size = bs_config_get_int(bs_stage_config(stage), "chunk_size");
  if (chunk_size > 0)
    st =
        plan(stage, in, &ev, prefilter_id, result_id, (size_t)chunk_size, out, errstr, errstr_size);
  else
    st = fit_whole(stage, in, &ev, prefilter_id, result_id, out, errstr, errstr_size);
done:
  bs_event_inputs_clear(&ev);
  return st;
}

int main(int argc, char **argv) {
  int rc = bs_stage_main(argc, argv, "bmd", handle, bmd_params,
                         sizeof(bmd_params) / sizeof(bmd_params[0]));
  bmd_dataset_destroy(cache.ds);
  free(cache.rows);
  return rc;
}

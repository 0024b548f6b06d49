/*
 * bs/bmd_chunks.h - the chunks of a BMD result fitted by many workers
 * (docs/architecture.md, "One experiment over many BMD workers";
 * sql/0006_bmd_chunks.sql).
 *
 * A result's probes -- the rows its prefilter passed, ascending, n of
 * them -- are split into `count` chunks, chunk i the rows
 * [first, first + len) of that array. Its fits are stored once as an
 * object (projects/{p}/results/{id}/chunks/{i}.fits), with its piece of
 * the result's files rendered (bs/bmd_pieces.h), and the chunk marked
 * done in the database with the probe_stat_results rows the steps across
 * probes cannot change; the gather loads every chunk's fits and piece
 * back, in the order of the whole array, joins the pieces and writes the
 * other rows. Once that has made the result complete, the chunk objects
 * are deleted (bs_bmd_chunks_delete); the plan's rows stay.
 */
#ifndef BS_BMD_CHUNKS_H
#define BS_BMD_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

#include "bmd/probes.h"
#include "bs/bmd_pieces.h"
#include "bs/db.h"
#include "bs/error.h"
#include "bs/objstore.h"

typedef struct bs_bmd_chunk {
  size_t index; /* 0 .. count - 1 */
  size_t count; /* chunks of the result */
  size_t first; /* the chunk's rows: [first, first + len) of the result's */
  size_t len;
  int done;        /* 1 once its fits are stored */
  int marked_last; /* 1: the last of the result marked done (its event's
                      handler gathers and emits bmd-done) */
} bs_bmd_chunk;

/* How many chunks n rows make with chunks of about `size` rows over
 * `partitions` partitions of the work topic: the least multiple of
 * partitions that is at least ceil(n / size), so that every partition
 * holds as many chunks as another and the workers, which share the
 * partitions evenly, share the chunks evenly; 1 when n is 0. size and
 * partitions of 0 count as 1. */
size_t bs_bmd_chunk_count(size_t n, size_t size, size_t partitions);

/* Chunk index of count over n rows: first = floor(index * n / count),
 * len = floor((index + 1) * n / count) - first (lengths differ by one at
 * most). */
void bs_bmd_chunk_range(size_t n, size_t count, size_t index, size_t *first, size_t *len);

/* Records the plan of result_id: count chunks over n rows (inserted
 * where missing). A plan already recorded wins (a redelivered event, a
 * rerun): *count receives the recorded count, *remaining how many of its
 * chunks are not done. */
bs_status bs_bmd_chunks_plan(bs_db *db, int64_t result_id, size_t n, size_t *count,
                             size_t *remaining, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Chunk index of result_id as recorded. NOT_FOUND when there is none. */
bs_status bs_bmd_chunk_get(bs_db *db, int64_t result_id, size_t index, bs_bmd_chunk *chunk,
                           char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* How many chunks of result_id are not done. */
bs_status bs_bmd_chunks_remaining(bs_db *db, int64_t result_id, size_t *remaining, char *errstr,
                                  size_t errstr_size) __attribute__((warn_unused_result));

/* Stores the chunk's fits[0..chunk->len) (of rows of ds) as its object,
 * with its piece of the result's files when every row of it is final,
 * then in one transaction, the result's row locked (so that the chunks of
 * one result are recorded one at a time): marks the chunk done unless it
 * is and, when it marks it, writes the probe_stat_results rows of its
 * probes whose rows are final (bs_results_probe_row_final; the others
 * are the gather's), then counts the chunks left. *last is 1 for the one
 * call whose chunk was the last not done: its caller gathers.
 * *result_complete is 1 when the gather had already committed the result
 * (a chunk fitted again after the result was whole: a late or redelivered
 * event): the object just stored is garbage that the gather's deletion of
 * the chunk objects (bs_bmd_chunks_delete) may have missed, and the caller
 * deletes it. */
bs_status bs_bmd_chunk_store(bs_db *db, bs_objstore *store, int64_t project_id, int64_t result_id,
                             const bmd_dataset *ds, const bs_bmd_chunk *chunk,
                             const bmd_probe_fit *fits, int *last, int *result_complete,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Deletes every chunk object of result_id (every key under
 * projects/{p}/results/{id}/chunks/, listed first), counting them in
 * *deleted; none left is fine. Only once the result is complete
 * (bs_results_bmd_complete): until then a gather, or a re-run that
 * resumes the plan, needs them. The objects are fits and pieces of
 * files already written whole, so nothing reads them afterwards. */
bs_status bs_bmd_chunks_delete(bs_objstore *store, int64_t project_id, int64_t result_id,
                               size_t *deleted, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Every chunk's fits of result_id, all done, into a new array *fits of n
 * (free), in the order of rows[0..n), the result's rows: each fit's probe
 * must be its row; and the chunks' pieces of the result's files
 * (bs/bmd_pieces.h), in the same order, into a new array *pieces of
 * *count (bs_bmd_pieces_destroy), a piece its chunk did not render
 * (a probe of it awaited the steps across probes) with rendered 0.
 * PERMANENT when a chunk is not done or its object is missing, malformed
 * or of another build (the size of a fit differs). */
bs_status bs_bmd_chunks_load(bs_db *db, bs_objstore *store, int64_t result_id, const size_t *rows,
                             size_t n, bmd_probe_fit **fits, bs_bmd_piece **pieces, size_t *count,
                             char *errstr, size_t errstr_size) __attribute__((warn_unused_result));

/* Frees pieces[0..count) and what each holds. NULL is safe. */
void bs_bmd_pieces_destroy(bs_bmd_piece *pieces, size_t count);

#endif

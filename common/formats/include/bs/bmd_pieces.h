/*
 * bs/bmd_pieces.h - a BMD result's two files, probe_stats.json.gz and
 * bmd.tsv, rendered in pieces: each chunk of the result renders its
 * probes' part while it is fitted, on the worker that fitted it, and the
 * gather only joins the parts (docs/architecture.md, "One experiment over
 * many BMD workers").
 *
 * The files joined are byte for byte the files rendered whole:
 *   probe_stats.json = "[" p_0 "," p_1 "," ... "," p_{n-1} "]"
 *     (p_i the compact JSON of bs_bmd_probe_json; "[]" when n is 0), the
 *     piece of the probes [first, first + len) holding
 *     (first == 0 ? "[" : ",") p_first "," ... "," p_{first+len-1}
 *     as one gzip member (RFC 1952 §2.2: members one after another are
 *     one file to every gzip reader; zlib level 1); the gather appends a
 *     member "]";
 *   bmd.tsv = the header (bs_bmd_tsv_write_header) then each piece's
 *     rows (bs_bmd_tsv_write_rows of its probes).
 * A piece with no probe holds nothing.
 */
#ifndef BS_BMD_PIECES_H
#define BS_BMD_PIECES_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "bmd/probes.h"

typedef struct bs_bmd_piece {
  size_t first, len; /* the probes [first, first + len) of the result's array */
  int rendered;      /* 1 once json_gz and tsv hold the probes' parts */
  void *json_gz;     /* owned; NULL when json_gz_len is 0 */
  size_t json_gz_len;
  char *tsv; /* owned; NULL when tsv_len is 0 */
  size_t tsv_len;
} bs_bmd_piece;

/* Renders piece->len probes' parts into piece (cleared first; first and
 * len kept), from fits[0..len), the fits of probes first .. first+len-1
 * of ds. probes: NULL, or a JSON array of their bs_bmd_probe_json objects
 * already built (borrowed), taken in place of building them again.
 * 0, or -1 when out of memory. */
int bs_bmd_piece_render(const bmd_dataset *ds, const bmd_probe_fit *fits, const json_t *probes,
                        bs_bmd_piece *piece) __attribute__((warn_unused_result));

/* Frees what piece holds; rendered 0, first and len kept. NULL is safe. */
void bs_bmd_piece_clear(bs_bmd_piece *piece);

/* probe_stats.json.gz of n probes from pieces[0..count), each rendered,
 * in the order of the result's array: their members, then "]" (or "[]"
 * when n is 0), into a new buffer *out (free). 0, or -1 when out of
 * memory. */
int bs_bmd_pieces_json_gz(const bs_bmd_piece *pieces, size_t count, size_t n, void **out,
                          size_t *out_len) __attribute__((warn_unused_result));

/* bmd.tsv from pieces[0..count), each rendered: the header, then their
 * rows. 0, or -1 on a write error. */
int bs_bmd_pieces_tsv_write(FILE *out, const bmd_dataset *ds, const bs_bmd_piece *pieces,
                            size_t count, unsigned model_mask, bmd_variance variance);

#endif

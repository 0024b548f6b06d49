/*
 * bmd_pieces.c - probe_stats.json.gz and bmd.tsv rendered in pieces and
 * joined (see bs/bmd_pieces.h).
 */
#include "bs/bmd_pieces.h"

#include <stdlib.h>
#include <string.h>

#include "bs/bmd_export.h"
#include "bs/objstore.h"

void bs_bmd_piece_clear(bs_bmd_piece *piece) {
  if (!piece)
    return;
  free(piece->json_gz);
  free(piece->tsv);
  piece->json_gz = NULL;
  piece->tsv = NULL;
  piece->json_gz_len = piece->tsv_len = 0;
  piece->rendered = 0;
}

/* (first == 0 ? "[" : ",") p_first "," ... "," p_last into out. */
static int write_json(FILE *out, const bmd_dataset *ds, const bmd_probe_fit *fits,
                      const json_t *probes, const bs_bmd_piece *piece) {
  if (fputc(piece->first == 0 ? '[' : ',', out) == EOF)
    return -1;
  for (size_t i = 0; i < piece->len; i++) {
    json_t *own = probes ? NULL : bs_bmd_probe_json(ds, &fits[i]);
    const json_t *o = probes ? json_array_get(probes, i) : own;
    int rc = o ? json_dumpf(o, out, JSON_COMPACT) : -1;
    json_decref(own);
    if (rc != 0 || (i + 1 < piece->len && fputc(',', out) == EOF))
      return -1;
  }
  return 0;
}

int bs_bmd_piece_render(const bmd_dataset *ds, const bmd_probe_fit *fits, const json_t *probes,
                        bs_bmd_piece *piece) {
  bs_bmd_piece_clear(piece);
  if (piece->len == 0) {
    piece->rendered = 1;
    return 0;
  }
  char *text = NULL, *tsv = NULL;
  size_t len = 0, tsv_len = 0;
  FILE *f = open_memstream(&text, &len);
  int rc = f ? write_json(f, ds, fits, probes, piece) : -1;
  if (f && fclose(f) != 0)
    rc = -1;
  /* level 1: a third of level 6's time for a sixth more bytes (24 MB of a
   * 5,000-probe result's JSON: 6.7 MB against 5.7 MB), in every chunk */
  if (rc == 0 && bs_gzip_compress_level(text, len, 1, &piece->json_gz, &piece->json_gz_len) != 0)
    rc = -1;
  free(text);
  if (rc == 0) {
    f = open_memstream(&tsv, &tsv_len);
    rc = f ? bs_bmd_tsv_write_rows(f, ds, fits, piece->len) : -1;
    if (f && fclose(f) != 0)
      rc = -1;
  }
  if (rc != 0) {
    free(tsv);
    bs_bmd_piece_clear(piece);
    return -1;
  }
  piece->tsv = tsv;
  piece->tsv_len = tsv_len;
  piece->rendered = 1;
  return 0;
}

int bs_bmd_pieces_json_gz(const bs_bmd_piece *pieces, size_t count, size_t n, void **out,
                          size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  /* the closing member: "]" after the pieces, "[]" when there is none */
  void *tail = NULL;
  size_t tail_len = 0;
  const char *close = n ? "]" : "[]";
  if (bs_gzip_compress(close, strlen(close), &tail, &tail_len) != 0)
    return -1;
  size_t total = tail_len;
  for (size_t i = 0; i < count; i++)
    total += pieces[i].json_gz_len;
  unsigned char *buf = malloc(total);
  if (!buf) {
    free(tail);
    return -1;
  }
  size_t at = 0;
  for (size_t i = 0; i < count; i++) {
    if (pieces[i].json_gz_len)
      memcpy(buf + at, pieces[i].json_gz, pieces[i].json_gz_len);
    at += pieces[i].json_gz_len;
  }
  memcpy(buf + at, tail, tail_len);
  free(tail);
  *out = buf;
  *out_len = total;
  return 0;
}

int bs_bmd_pieces_tsv_write(FILE *out, const bmd_dataset *ds, const bs_bmd_piece *pieces,
                            size_t count, unsigned model_mask, bmd_variance variance) {
  bs_bmd_tsv_write_header(out, ds, model_mask, variance);
  for (size_t i = 0; i < count; i++)
    if (pieces[i].tsv_len && fwrite(pieces[i].tsv, 1, pieces[i].tsv_len, out) != pieces[i].tsv_len)
      return -1;
  return ferror(out) ? -1 : 0;
}

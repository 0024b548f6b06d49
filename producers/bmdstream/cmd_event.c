/*
 * cmd_event.c - `bmdstream event canonical|sign`: the canonical form an
 * event is signed over, and signing, for upstream systems written in shell
 * or checking their own signer (docs/security.md, "Signed upstream
 * events"; bs/jcs.h, bs/signature.h).
 *
 *   bmdstream event canonical < events.jsonl    one JSON value per line in,
 *                                               its RFC 8785 form out
 *   bmdstream event sign --signing-key ana.key < events.jsonl
 *                                               each envelope with bskeyid
 *                                               and bssignature added
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/envelope.h"
#include "bs/jcs.h"
#include "bs/signature.h"
#include "cli.h"

static const bs_config_param event_params[] = {
    {"signing_key", BS_CFG_STRING, NULL, "sign: the private key file (PEM, mode 0600)", 0},
};

/* One line: its canonical text (sign: of the signed envelope) on stdout.
 * -1 with errstr. */
static int one(const char *line, size_t len, const bs_signer *signer, char *errstr,
               size_t errstr_size) {
  json_error_t jerr;
  json_t *v = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (!v) {
    snprintf(errstr, errstr_size, "invalid JSON at column %d: %s", jerr.column, jerr.text);
    return -1;
  }
  bs_envelope env;
  char *text = NULL;
  if (signer && (bs_envelope_validate(v, BS_TOPIC_ANY, &env, errstr, errstr_size) != BS_OK ||
                 bs_signer_sign(signer, v, errstr, errstr_size) != BS_OK)) {
    json_decref(v);
    return -1;
  }
  text = bs_jcs_dumps(v, NULL, errstr, errstr_size);
  json_decref(v);
  if (!text)
    return -1;
  puts(text);
  free(text);
  return 0;
}

int bs_cmd_event(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg =
      bs_cli_config("event", "canonical|sign [options]  (JSON lines on stdin)", event_params,
                    sizeof(event_params) / sizeof(event_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  const char *action = argc == 2 ? argv[1] : "";
  int sign = strcmp(action, "sign") == 0;
  bs_signer *signer = NULL;
  char errstr[1024], *line = NULL;
  size_t cap = 0;
  rc = 2;
  if (!sign && strcmp(action, "canonical") != 0) {
    fprintf(stderr, "bmdstream event: expected 'canonical' or 'sign' (see --help)\n");
    goto done;
  }
  if (sign &&
      bs_signer_new(bs_config_get(cfg, "signing_key"), &signer, errstr, sizeof(errstr)) != BS_OK) {
    fprintf(stderr, "bmdstream event sign: %s (--signing-key FILE)\n", errstr);
    goto done;
  }
  rc = 0;
  ssize_t n;
  for (long lineno = 1; (n = getline(&line, &cap, stdin)) >= 0; lineno++) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      n--;
    if (n == 0)
      continue;
    if (one(line, (size_t)n, signer, errstr, sizeof(errstr)) != 0) {
      fprintf(stderr, "bmdstream event %s: stdin line %ld: %s\n", action, lineno, errstr);
      rc = 1;
    }
  }
done:
  free(line);
  bs_signer_destroy(signer);
  bs_config_destroy(cfg);
  return rc;
}

/*
 * cmd_topics.c - `bmdstream topics`: create the pipeline's six topics
 * (prefix applied) through the Kafka Admin API; a topic that exists is
 * left alone, so it is safe to run any number of times.
 *
 * `--print-example <topic>` (for the schema tests and for upstream
 * engineers) prints an example event of that topic, made by our encoder,
 * on stdout; `--check-event <topic|any>` decodes one event from stdin with
 * our strict decoder and prints "ok" or the error (exit 0 or 1);
 * `--event-id <topic> <key>` prints the deterministic id of the event
 * announcing <key>. None of them touches a broker.
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bus.h"
#include "bs/envelope.h"
#include "bs/signature.h"
#include "cli.h"
#include "examples.h"

static const bs_config_param topics_params[] = {
    {"partitions", BS_CFG_INT, "3", "partitions of each new topic", 0},
    {"replication_factor", BS_CFG_INT, "1", "replication factor of each new topic", 0},
    {"timeout_ms", BS_CFG_INT, "30000", "Admin API request timeout", 0},
};

static int print_example(const char *name) {
  int t = bs_topic_from_name(name);
  char err[512];
  json_t *data = t < 0 ? NULL : bs_example_data((bs_topic)t);
  if (!data) {
    fprintf(stderr,
            "bmdstream topics: no example for topic '%s' (one of experiment-imported, "
            "prefilter-done, bmd-done, category-done, job-events)\n",
            name);
    return 2;
  }
  json_t *ev = NULL;
  if (bs_envelope_new((bs_topic)t, "/bmdstream/example", NULL, NULL, data, &ev, err, sizeof(err)) !=
      BS_OK) {
    fprintf(stderr, "bmdstream topics: %s\n", err);
    return 1;
  }
  /* experiment-imported is signed (docs/security.md): here with the
   * published example key, RFC 8032 §7.1 TEST 1, which no user may own */
  bs_signer *signer = NULL;
  if (t == BS_TOPIC_EXPERIMENT_IMPORTED &&
      (bs_signer_from_pem(BS_EXAMPLE_SIGNING_KEY, &signer, err, sizeof(err)) != BS_OK ||
       bs_signer_sign(signer, ev, err, sizeof(err)) != BS_OK)) {
    fprintf(stderr, "bmdstream topics: %s\n", err);
    bs_signer_destroy(signer);
    json_decref(ev);
    return 1;
  }
  /* a signed example in 17 significant digits: every double reads back as
   * itself, so the signature still verifies */
  int digits = signer ? 17 : 15;
  bs_signer_destroy(signer);
  char *text = json_dumps(ev, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(digits));
  printf("%s\n", text ? text : "");
  free(text);
  json_decref(ev);
  return 0;
}

static int check_event(const char *name) {
  int t = strcmp(name, "any") == 0 ? BS_TOPIC_ANY : bs_topic_from_name(name);
  if (t != BS_TOPIC_ANY && (t < 0 || t == BS_TOPIC_DEAD_LETTER)) {
    fprintf(stderr, "bmdstream topics: '%s' is not an event topic\n", name);
    return 2;
  }
  size_t cap = BS_ENVELOPE_MAX_BYTES + 2, len = 0;
  char *buf = malloc(cap);
  if (!buf)
    return 1;
  size_t n;
  while (len < cap && (n = fread(buf + len, 1, cap - len, stdin)) > 0)
    len += n;
  bs_envelope env;
  char err[1024];
  bs_status st = bs_envelope_decode(buf, len, t, &env, err, sizeof(err));
  free(buf);
  if (st != BS_OK) {
    printf("%s\n", err);
    return 1;
  }
  printf("ok %s\n", env.id);
  bs_envelope_clear(&env);
  return 0;
}

/* Takes `--name VALUE` or `--name=VALUE` at argv[*i]; advances *i. */
static const char *flag_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) != 0)
    return NULL;
  if (argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (argv[*i][n] == '\0' && *i + 1 < argc)
    return argv[++*i];
  return NULL;
}

int bs_cmd_topics(int argc, char **argv) {
  int rc = 1;
  bs_config *cfg = bs_cli_config(
      "topics",
      "[--bootstrap HOST:PORT] [--prefix P] [--partitions N] [--replication-factor N]\n"
      "       bmdstream topics --print-example TOPIC\n"
      "       bmdstream topics --check-event TOPIC|any < event.json\n"
      "       bmdstream topics --event-id TOPIC KEY",
      topics_params, sizeof(topics_params) / sizeof(topics_params[0]), &argc, argv, &rc);
  if (!cfg)
    return rc;
  const char *bootstrap = bs_config_get(cfg, "kafka_bootstrap");
  const char *prefix = bs_config_get(cfg, "topic_prefix");
  char err[1024];
  rc = 2;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if ((v = flag_value(argc, argv, &i, "--bootstrap"))) {
      bootstrap = v;
    } else if ((v = flag_value(argc, argv, &i, "--prefix"))) {
      prefix = v;
    } else if ((v = flag_value(argc, argv, &i, "--print-example"))) {
      rc = print_example(v);
      goto done;
    } else if ((v = flag_value(argc, argv, &i, "--event-id"))) {
      /* --event-id TOPIC KEY: the deterministic id of that event */
      int t = bs_topic_from_name(v);
      if (t < 0 || t == BS_TOPIC_DEAD_LETTER || i + 1 >= argc) {
        fprintf(stderr, "bmdstream topics: usage: --event-id TOPIC KEY\n");
        goto done;
      }
      char id[37];
      bs_event_id((bs_topic)t, argv[++i], id);
      printf("%s\n", id);
      rc = 0;
      goto done;
    } else if ((v = flag_value(argc, argv, &i, "--check-event"))) {
      rc = check_event(v);
      goto done;
    } else {
      fprintf(stderr, "bmdstream topics: unexpected argument '%s'\n", argv[i]);
      goto done;
    }
  }
  bs_bus_properties props;
  bs_bus_options opt;
  int created[BS_TOPIC_COUNT] = {0};
  rc = 1;
  if (bs_bus_options_from_config(cfg, "bmdstream-topics", NULL, &props, &opt, err, sizeof(err)) !=
      BS_OK) {
    fprintf(stderr, "bmdstream topics: %s\n", err);
    goto done;
  }
  opt.bootstrap = bootstrap; /* --bootstrap and --prefix win */
  opt.topic_prefix = prefix;
  if (bs_bus_create_pipeline_topics(&opt, (int)bs_config_get_int(cfg, "partitions"),
                                    (int)bs_config_get_int(cfg, "replication_factor"),
                                    (int)bs_config_get_int(cfg, "timeout_ms"), created, err,
                                    sizeof(err)) != BS_OK) {
    fprintf(stderr, "bmdstream topics: %s\n", err);
    goto done;
  }
  for (int t = 0; t < BS_TOPIC_COUNT; t++)
    printf("%s%s\t%s\n", prefix ? prefix : "", bs_topic_name((bs_topic)t),
           created[t] ? "created" : "exists");
  rc = 0;
done:
  bs_config_destroy(cfg);
  return rc;
}

/*
 * bmdx_plan.c - a BMDExpress 3 analyze config as the list of analyses
 * BMDExpress would run (bs/bmdx_plan.h). The config's results are built
 * as BMDExpress's project lists are, section by section, then every path
 * that ends where nothing runnable continues it becomes one run.
 */
#define _DEFAULT_SOURCE /* strdup, strcasecmp */
#include "bs/bmdx_plan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bs/settings_bmdx.h"

#define NONE BS_BMDX_NONE

enum { K_DATASET, K_PREFILTER, K_BMD, K_CATEGORY, K_UNMATCHED };

/* One result of the config, runnable or not. */
typedef struct node {
  int kind;
  char group[24];   /* the list it is unique in: "expression", "anova", ..., "bmd", "category" */
  char *name;       /* as BMDExpress names it */
  size_t parent;    /* node it is computed from, NONE for a data set */
  size_t index;     /* cfg->prefilter/bmds/category index; expression index; NONE: skipped */
  char section[48]; /* "preFilterConfigs[2]" */
  char *skip;       /* why it is not run, NULL when it is */
  char *matrix;     /* data sets: the file */
  int continued;    /* a runnable result is computed from it */
} node;

typedef struct plan_ctx {
  const bs_bmdx_config *cfg;
  node *nodes;
  size_t n, cap;
  char *errstr;
  size_t errstr_size;
  int failed;
} plan_ctx;

static void oom(plan_ctx *c) {
  if (!c->failed)
    snprintf(c->errstr, c->errstr_size, "out of memory");
  c->failed = 1;
}

static char *joined(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *s = malloc(n);
  if (s)
    snprintf(s, n, "%s%s", a, b);
  return s;
}

/* BMDProject.giveBMDAnalysisUniqueName: when the name is taken in its
 * list, the first of name_1, name_2, ... that is not. Takes `name`. */
static char *unique(plan_ctx *c, const char *group, char *name) {
  int taken = 0;
  for (size_t i = 0; name && i < c->n && !taken; i++)
    taken = strcmp(c->nodes[i].group, group) == 0 && strcmp(c->nodes[i].name, name) == 0;
  if (!taken)
    return name;
  for (unsigned k = 1;; k++) {
    char tail[16];
    snprintf(tail, sizeof tail, "_%u", k);
    char *next = joined(name, tail);
    if (!next) {
      free(name);
      return NULL;
    }
    int used = 0;
    for (size_t i = 0; i < c->n && !used; i++)
      used = strcmp(c->nodes[i].group, group) == 0 && strcmp(c->nodes[i].name, next) == 0;
    if (!used) {
      free(name);
      return next;
    }
    free(next);
  }
}

/* Appends a result; name is taken; outputName (given) is kept as is,
 * as BMDExpress's setName does, else the default name is made unique. */
static node *add(plan_ctx *c, int kind, const char *group, size_t parent, const char *given,
                 char *name) {
  if (given) {
    free(name);
    name = strdup(given);
  } else if (kind != K_DATASET) {
    name = unique(c, group, name);
  }
  if (!name) {
    oom(c);
    return NULL;
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 16;
    node *grown = realloc(c->nodes, cap * sizeof *grown);
    if (!grown) {
      free(name);
      oom(c);
      return NULL;
    }
    c->nodes = grown;
    c->cap = cap;
  }
  node *n = &c->nodes[c->n++];
  memset(n, 0, sizeof *n);
  n->kind = kind;
  snprintf(n->group, sizeof n->group, "%s", group);
  n->name = name;
  n->parent = parent;
  n->index = NONE;
  return n;
}

/* The node's skip reason: its own section's, else its input's. */
static int set_skip(plan_ctx *c, node *n, const char *own) {
  const node *in = n->parent == NONE ? NULL : &c->nodes[n->parent];
  char buf[1024];
  if (own)
    snprintf(buf, sizeof buf, "%s", own);
  else if (in && in->skip)
    snprintf(buf, sizeof buf, "its input %s is not run", in->name);
  else
    return 0;
  if (!(n->skip = strdup(buf)))
    oom(c);
  return 1;
}

/* A section that matched no input: BMDExpress runs it on nothing; we say
 * so as a skip without a result name. */
static void unmatched(plan_ctx *c, const char *section, const char *input,
                      const char *input_category) {
  char why[512];
  snprintf(why, sizeof why, "matches no result (%s%s%s%s%s)",
           input_category ? "inputCategory " : "", input_category ? input_category : "",
           input_category && input ? ", " : "", input ? "inputName " : "", input ? input : "");
  node *n = add(c, K_UNMATCHED, "unmatched", NONE, "", strdup(""));
  if (n) {
    snprintf(n->section, sizeof n->section, "%s", section);
    set_skip(c, n, why);
  }
}

/* ---- data sets ---------------------------------------------------------- */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FilenameUtils.removeExtension(name): up to the last '.' */
static char *without_extension(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot ? strndup(name, (size_t)(dot - name)) : strdup(name);
}

static void add_dataset(plan_ctx *c, size_t e, const char *file, const char *output_name) {
  const char *slash = strrchr(file, '/');
  node *n = add(c, K_DATASET, "expression", NONE, output_name,
                without_extension(slash ? slash + 1 : file));
  if (n && !(n->matrix = strdup(file)))
    oom(c);
  if (n) {
    n->index = e;
    snprintf(n->section, sizeof n->section, "expressionDataConfigs[%zu]", e);
  }
}

static void datasets(plan_ctx *c, size_t e) {
  const bs_bmdx_expression *x = &c->cfg->expression[e];
  char *path = bs_bmdx_config_resolve(c->cfg, x->input_file_name);
  struct stat st;
  if (!path) {
    oom(c);
    return;
  }
  for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
    path[n - 1] = '\0'; /* "data/" names files data/NAME */
  if (stat(path, &st) != 0) {
    snprintf(c->errstr, c->errstr_size, "%s: expressionDataConfigs[%zu].inputFileName: %s: %s",
             c->cfg->path, e, path, strerror(errno));
    c->failed = 1;
  } else if (!S_ISDIR(st.st_mode)) {
    add_dataset(c, e, path, x->output_name);
  } else {
    DIR *d = opendir(path);
    char **files = NULL;
    size_t n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
      char *file = malloc(strlen(path) + strlen(de->d_name) + 2);
      char **more = realloc(files, (n + 1) * sizeof *files);
      if (!file || !more) {
        free(file);
        if (more)
          files = more;
        oom(c);
        break;
      }
      files = more;
      sprintf(file, "%s/%s", path, de->d_name);
      if (stat(file, &st) == 0 && !S_ISDIR(st.st_mode))
        files[n++] = file; /* AnalyzeRunner skips only directories */
      else
        free(file);
    }
    if (!d) {
      snprintf(c->errstr, c->errstr_size, "%s: expressionDataConfigs[%zu].inputFileName: %s: %s",
               c->cfg->path, e, path, strerror(errno));
      c->failed = 1;
    } else if (n == 0 && !c->failed) {
      snprintf(c->errstr, c->errstr_size,
               "%s: expressionDataConfigs[%zu].inputFileName: directory %s holds no expression "
               "files",
               c->cfg->path, e, path);
      c->failed = 1;
    }
    if (d)
      closedir(d);
    qsort(files, n, sizeof *files, by_name);
    for (size_t i = 0; i < n; i++) {
      if (!c->failed)
        add_dataset(c, e, files[i], NULL);
      free(files[i]);
    }
    free(files);
  }
  free(path);
}

/* ---- the steps ---------------------------------------------------------- */

static int named(const char *input_name, const node *n) {
  return !input_name || strcasecmp(input_name, n->name) == 0;
}

/* AnalyzeRunner.doPrefilter: the section on every data set it names; a
 * curve fit with an inputCategory (from: williams, anova, oriogen) on
 * every result of that prefilter it names instead, fitting the probes
 * that passed it (PrefilterService.curveFitPrefilterAnalysis takes
 * getProcessableProbeResponses) and named after the data set all the
 * same (it names the result after getProcessableDoseResponseExperiment). */
static void prefilter(plan_ctx *c, const char *type, const char *from, size_t index, size_t at,
                      const char *input, const char *output, const char *suffix, const char *skip) {
  /* the project list the result joins (and its name is unique in) */
  int curvefit = strcmp(type, "curvefit") == 0;
  const char *group = curvefit ? "curvefit_prefilter" : type;
  if (!curvefit || (from && (!*from || strcasecmp(from, "expression") == 0)))
    from = NULL;
  size_t before = c->n;
  for (size_t i = 0; i < before && !c->failed; i++) {
    const node *in = &c->nodes[i];
    if (!(from ? in->kind == K_PREFILTER && strcasecmp(in->group, from) == 0
               : in->kind == K_DATASET) ||
        !named(input, in))
      continue;
    size_t d = i;
    while (c->nodes[d].parent != NONE)
      d = c->nodes[d].parent;
    node *n = add(c, K_PREFILTER, group, i, output, joined(c->nodes[d].name, suffix));
    if (!n)
      return;
    n->index = index;
    snprintf(n->section, sizeof n->section, "preFilterConfigs[%zu]", at);
    set_skip(c, n, skip);
  }
  char section[48];
  snprintf(section, sizeof section, "preFilterConfigs[%zu]", at);
  if (c->n == before && !c->failed)
    unmatched(c, section, input, from);
}

/* AnalyzeRunner.doBMDSAnalysis / doMaAnalysis: the section on every result
 * of its inputCategory it names, in the order of BMDExpress's lists. */
static void bmd(plan_ctx *c, const char *input_category, const char *input, const char *output,
                size_t index, const char *section, const char *suffix, const char *skip) {
  static const char *const order[] = {"anova", "williams", "oriogen", "curvefit_prefilter",
                                      "expression"};
  size_t before = c->n;
  for (size_t g = 0; g < sizeof order / sizeof order[0]; g++) {
    if (!input_category || strcasecmp(input_category, order[g]) != 0)
      continue;
    for (size_t i = 0; i < before && !c->failed; i++) {
      if (strcmp(c->nodes[i].group, order[g]) != 0 || !named(input, &c->nodes[i]))
        continue;
      node *n = add(c, K_BMD, "bmd", i, output, joined(c->nodes[i].name, suffix));
      if (!n)
        return;
      n->index = index;
      snprintf(n->section, sizeof n->section, "%s", section);
      set_skip(c, n, skip);
    }
  }
  if (c->n == before && !c->failed)
    unmatched(c, section, input, input_category);
}

/* AnalyzeRunner.doCatAnalysis: the section on every BMD result it names;
 * CategoryMapTool names it <BMD result>_<chip><suffix>. */
static void category(plan_ctx *c, size_t index, size_t at, const char *input, const char *output,
                     const char *suffix, const char *skip) {
  size_t before = c->n;
  for (size_t i = 0; i < before && !c->failed; i++) {
    if (c->nodes[i].kind != K_BMD || !named(input, &c->nodes[i]))
      continue;
    size_t d = i;
    while (c->nodes[d].parent != NONE)
      d = c->nodes[d].parent;
    const char *platform = c->cfg->expression[c->nodes[d].index].platform;
    char head[512];
    snprintf(head, sizeof head, "%s_%s", c->nodes[i].name, platform ? platform : "Generic");
    node *n = add(c, K_CATEGORY, "category", i, output, joined(head, suffix));
    if (!n)
      return;
    n->index = index;
    snprintf(n->section, sizeof n->section, "categoryAnalysisConfigs[%zu]", at);
    set_skip(c, n, skip);
  }
  char section[48];
  snprintf(section, sizeof section, "categoryAnalysisConfigs[%zu]", at);
  if (c->n == before && !c->failed)
    unmatched(c, section, input, NULL);
}

/* ---- runs ------------------------------------------------------------- */

static void add_run(plan_ctx *c, bs_bmdx_plan *p, size_t leaf) {
  bs_bmdx_run *grown = realloc(p->runs, (p->n_runs + 1) * sizeof *grown);
  if (!grown) {
    oom(c);
    return;
  }
  p->runs = grown;
  bs_bmdx_run *r = &p->runs[p->n_runs++];
  memset(r, 0, sizeof *r);
  r->prefilter = r->input_prefilter = r->bmds = r->category = NONE;
  char chain[2048] = "";
  for (size_t i = leaf; i != NONE; i = c->nodes[i].parent) {
    const node *n = &c->nodes[i];
    char was[2048];
    snprintf(was, sizeof was, "%s", chain);
    /* a chain longer than the buffer (names of 2 KiB) is cut: it only labels the run */
    int len = snprintf(chain, sizeof chain, "%s%s%s", n->name, was[0] ? " > " : "", was);
    if (len < 0 || (size_t)len >= sizeof chain)
      chain[sizeof chain - 1] = '\0';
    if (n->kind == K_DATASET) {
      r->expression = n->index;
      r->dataset = strdup(n->name);
      r->matrix = strdup(n->matrix);
    } else if (n->kind == K_PREFILTER && r->prefilter == NONE) {
      r->prefilter = n->index;
    } else if (n->kind == K_PREFILTER) { /* the prefilter a curve fit took */
      r->input_prefilter = n->index;
    } else if (n->kind == K_BMD) {
      r->bmds = n->index;
    } else {
      r->category = n->index;
    }
  }
  /* the run's directory: the last result's name, unique among the runs */
  char *name = strdup(c->nodes[leaf].name);
  for (unsigned k = 1; name; k++) {
    int taken = 0;
    for (size_t i = 0; i + 1 < p->n_runs && !taken; i++)
      taken = strcmp(p->runs[i].name, name) == 0;
    if (!taken)
      break;
    char tail[16];
    snprintf(tail, sizeof tail, "_%u", k);
    free(name);
    name = joined(c->nodes[leaf].name, tail);
  }
  r->name = name;
  r->chain = strdup(chain);
  if (!r->name || !r->chain || !r->dataset || !r->matrix)
    oom(c);
}

static void add_skip(plan_ctx *c, bs_bmdx_plan *p, const node *n) {
  bs_bmdx_skip *grown = realloc(p->skips, (p->n_skips + 1) * sizeof *grown);
  if (!grown) {
    oom(c);
    return;
  }
  p->skips = grown;
  bs_bmdx_skip *s = &p->skips[p->n_skips++];
  s->name = strdup(n->name);
  s->section = strdup(n->section);
  s->reason = strdup(n->skip);
  if (!s->name || !s->section || !s->reason)
    oom(c);
}

static void add_dataset_out(plan_ctx *c, bs_bmdx_plan *p, const node *n) {
  bs_bmdx_dataset *grown = realloc(p->datasets, (p->n_datasets + 1) * sizeof *grown);
  if (!grown) {
    oom(c);
    return;
  }
  p->datasets = grown;
  bs_bmdx_dataset *d = &p->datasets[p->n_datasets++];
  d->expression = n->index;
  d->name = strdup(n->name);
  d->matrix = strdup(n->matrix);
  if (!d->name || !d->matrix)
    oom(c);
}

bs_bmdx_plan *bs_bmdx_plan_make(const bs_bmdx_config *cfg, char *errstr, size_t errstr_size) {
  plan_ctx c = {cfg, NULL, 0, 0, errstr, errstr_size, 0};
  bs_bmdx_plan *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
  }
  for (size_t e = 0; e < cfg->n_expression && !c.failed; e++)
    datasets(&c, e);

  /* the lists in the file's order, runnable and skipped sections merged */
  size_t r = 0, s = 0;
  for (size_t at = 0; !c.failed; at++) {
    if (r < cfg->n_prefilter && cfg->prefilter_at[r] == at) {
      const bs_bmdx_prefilter *x = &cfg->prefilter[r];
      prefilter(&c, x->type, x->input_category, r, at, x->input_name, x->output_name,
                x->name_suffix, NULL);
      r++;
    } else {
      while (s < cfg->n_skipped && strcmp(cfg->skipped[s].list, "preFilterConfigs") != 0)
        s++;
      if (s == cfg->n_skipped || cfg->skipped[s].index != at)
        break;
      const bs_bmdx_skipped *k = &cfg->skipped[s++];
      prefilter(&c, k->type, k->input_category, NONE, at, k->input_name, k->output_name,
                k->name_suffix, k->reason);
    }
  }
  char section[48];
  for (size_t b = 0; b < cfg->n_bmds && !c.failed; b++) {
    const bs_bmdx_bmds *x = &cfg->bmds[b];
    snprintf(section, sizeof section, "bmdsConfigs[%zu]", b);
    bmd(&c, x->input_category, x->input_name, x->output_name, b, section, "_BMD", NULL);
  }
  for (size_t i = 0; i < cfg->n_skipped && !c.failed; i++) {
    const bs_bmdx_skipped *k = &cfg->skipped[i];
    if (strcmp(k->list, "maConfigs") != 0)
      continue;
    snprintf(section, sizeof section, "maConfigs[%zu]", k->index);
    /* BMDSMATool names them <input>_BMD too */
    bmd(&c, k->input_category, k->input_name, k->output_name, NONE, section, "_BMD", k->reason);
  }
  r = s = 0;
  for (size_t at = 0; !c.failed; at++) {
    if (r < cfg->n_category && cfg->category_at[r] == at) {
      const bs_bmdx_category *x = &cfg->category[r];
      category(&c, r, at, x->input_name, x->output_name, x->name_suffix, NULL);
      r++;
    } else {
      while (s < cfg->n_skipped && strcmp(cfg->skipped[s].list, "categoryAnalysisConfigs") != 0)
        s++;
      if (s == cfg->n_skipped || cfg->skipped[s].index != at)
        break;
      const bs_bmdx_skipped *k = &cfg->skipped[s++];
      category(&c, NONE, at, k->input_name, k->output_name, k->name_suffix, k->reason);
    }
  }

  for (size_t i = 0; i < c.n; i++)
    if (!c.nodes[i].skip && c.nodes[i].parent != NONE)
      c.nodes[c.nodes[i].parent].continued = 1;
  for (size_t i = 0; i < c.n && !c.failed; i++) {
    const node *n = &c.nodes[i];
    if (n->kind == K_DATASET)
      add_dataset_out(&c, p, n);
    if (n->skip)
      add_skip(&c, p, n);
    else if (n->kind != K_DATASET && !n->continued)
      add_run(&c, p, i);
  }
  for (size_t i = 0; i < c.n; i++) {
    free(c.nodes[i].name);
    free(c.nodes[i].skip);
    free(c.nodes[i].matrix);
  }
  free(c.nodes);
  if (c.failed) {
    bs_bmdx_plan_destroy(p);
    return NULL;
  }
  return p;
}

void bs_bmdx_plan_destroy(bs_bmdx_plan *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->n_runs; i++) {
    free(p->runs[i].name);
    free(p->runs[i].dataset);
    free(p->runs[i].matrix);
    free(p->runs[i].chain);
  }
  for (size_t i = 0; i < p->n_skips; i++) {
    free(p->skips[i].name);
    free(p->skips[i].section);
    free(p->skips[i].reason);
  }
  for (size_t i = 0; i < p->n_datasets; i++) {
    free(p->datasets[i].name);
    free(p->datasets[i].matrix);
  }
  free(p->datasets);
  free(p->runs);
  free(p->skips);
  free(p);
}

/*
 * go_ontology.c - an OBO 1.2 ontology (go-basic.obo style) as terms and
 * their is_a / part_of parents (bs/go.h).
 *
 * Lines: blank and '!' lines are comments; "[Name]" opens a stanza; any
 * other line must be "tag: value". In [Term] stanzas the tags read are
 * id, name, namespace, alt_id, is_a, relationship (part_of only) and
 * is_obsolete; a value's trailing "! comment" is dropped from the
 * references (is_a, relationship, alt_id). Other stanzas ([Typedef],
 * [Instance]) and other tags are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "bs/error.h"
#include "bs/go.h"
#include "go_internal.h"

typedef struct go_term {
  char *id, *name;
  int aspect; /* bs_go_aspect, -1 unknown */
  int obsolete;
  size_t line; /* of its [Term] header */
} go_term;

typedef struct go_edge {
  size_t child;
  char *parent; /* id as written, resolved after the file */
  size_t line;
} go_edge;

typedef struct go_alt {
  size_t term;
  char *id;
  size_t line;
} go_alt;

struct bs_go_ontology {
  go_term *terms;
  size_t n_terms, cap_terms;
  go_edge *edges;
  size_t n_edges, cap_edges;
  go_alt *alts;
  size_t n_alts, cap_alts;
  go_map ids;            /* id and alt_id -> term */
  size_t *parent_start;  /* CSR: parents of t are parents[parent_start[t] .. [t + 1]) */
  size_t *parents;       /* resolved, live terms only */
  unsigned *level;       /* bs_go_term_level */
  unsigned *mark, stamp; /* ancestor walks */
};

static const char *const aspect_names[] = {"biological_process", "molecular_function",
                                           "cellular_component", "universal"};

const char *bs_go_aspect_name(bs_go_aspect aspect) {
  return (unsigned)aspect < 4 ? aspect_names[aspect] : "?";
}

int bs_go_aspect_parse(const char *name) {
  for (int i = 0; name && i < 4; i++)
    if (strcmp(name, aspect_names[i]) == 0)
      return i;
  return -1;
}

/* Grows *items (of size each) to hold one more; -1 when out of memory. */
static int reserve(void **items, size_t n, size_t *cap, size_t size) {
  if (n < *cap)
    return 0;
  size_t c = *cap ? 2 * *cap : 256;
  void *p = realloc(*items, c * size);
  if (!p)
    return -1;
  *items = p;
  *cap = c;
  return 0;
}

/* The first whitespace-delimited token of v, NUL-terminated in place. */
static char *token(char *v) {
  v += strspn(v, " \t");
  v[strcspn(v, " \t")] = '\0';
  return v;
}

static char *trim(char *v) {
  v += strspn(v, " \t");
  size_t n = strlen(v);
  while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    v[--n] = '\0';
  return v;
}

typedef struct parse_state {
  bs_go_ontology *o;
  go_lines r;
  int in_term; /* inside a [Term] stanza */
  char *errstr;
  size_t errstr_size;
} parse_state;

static int oom(parse_state *p) {
  bs_set_err(p->errstr, p->errstr_size, "%s: out of memory", p->r.path);
  return -1;
}

/* Checks the [Term] just ended. */
static int term_end(parse_state *p) {
  if (!p->in_term)
    return 0;
  go_term *t = &p->o->terms[p->o->n_terms - 1];
  p->in_term = 0;
  if (!t->id) {
    bs_set_err(p->errstr, p->errstr_size, "%s:%zu: [Term] without an id", p->r.path, t->line);
    return -1;
  }
  if (!t->obsolete && t->aspect < 0) {
    bs_set_err(p->errstr, p->errstr_size,
               "%s:%zu: term %s: no namespace (biological_process, molecular_function or "
               "cellular_component)",
               p->r.path, t->line, t->id);
    return -1;
  }
  if (!t->name && !(t->name = strdup(t->id)))
    return oom(p);
  return 0;
}

static int add_edge(parse_state *p, const char *parent) {
  bs_go_ontology *o = p->o;
  if (!*parent) {
    bs_set_err(p->errstr, p->errstr_size, "%s:%zu: no term named", p->r.path, p->r.lineno);
    return -1;
  }
  if (reserve((void **)&o->edges, o->n_edges, &o->cap_edges, sizeof(*o->edges)) != 0)
    return oom(p);
  go_edge *e = &o->edges[o->n_edges];
  if (!(e->parent = strdup(parent)))
    return oom(p);
  e->child = o->n_terms - 1;
  e->line = p->r.lineno;
  o->n_edges++;
  return 0;
}

/* One "tag: value" line of a [Term]. */
static int term_tag(parse_state *p, const char *tag, char *value) {
  bs_go_ontology *o = p->o;
  go_term *t = &o->terms[o->n_terms - 1];
  const char *path = p->r.path;
  size_t line = p->r.lineno;
  if (strcmp(tag, "id") == 0) {
    char *id = token(value);
    if (t->id || !*id) {
      bs_set_err(p->errstr, p->errstr_size, "%s:%zu: %s", path, line,
                 t->id ? "a second id in one [Term]" : "empty id");
      return -1;
    }
    return (t->id = strdup(id)) ? 0 : oom(p);
  }
  if (strcmp(tag, "name") == 0) {
    free(t->name);
    return (t->name = strdup(trim(value))) ? 0 : oom(p);
  }
  if (strcmp(tag, "namespace") == 0) {
    char *ns = token(value);
    t->aspect = bs_go_aspect_parse(ns);
    if (t->aspect < 0 || t->aspect == BS_GO_UNIVERSAL) {
      bs_set_err(p->errstr, p->errstr_size,
                 "%s:%zu: unknown namespace '%s' (expected biological_process, "
                 "molecular_function or cellular_component)",
                 path, line, ns);
      return -1;
    }
    return 0;
  }
  if (strcmp(tag, "is_obsolete") == 0) {
    t->obsolete = strcmp(token(value), "true") == 0;
    return 0;
  }
  if (strcmp(tag, "alt_id") == 0) {
    char *id = token(value);
    if (!*id) {
      bs_set_err(p->errstr, p->errstr_size, "%s:%zu: empty alt_id", path, line);
      return -1;
    }
    if (reserve((void **)&o->alts, o->n_alts, &o->cap_alts, sizeof(*o->alts)) != 0)
      return oom(p);
    go_alt *a = &o->alts[o->n_alts];
    if (!(a->id = strdup(id)))
      return oom(p);
    a->term = o->n_terms - 1;
    a->line = line;
    o->n_alts++;
    return 0;
  }
  if (strcmp(tag, "is_a") == 0)
    return add_edge(p, token(value));
  if (strcmp(tag, "relationship") == 0) {
    /* "relationship: part_of GO:0000001 ! name": only part_of is followed */
    value += strspn(value, " \t");
    size_t n = strcspn(value, " \t");
    if (n == 7 && strncmp(value, "part_of", 7) == 0)
      return add_edge(p, token(value + n));
    return 0;
  }
  return 0;
}

static int parse_line(parse_state *p, char *line) {
  bs_go_ontology *o = p->o;
  char *s = line + strspn(line, " \t");
  if (!*s || *s == '!')
    return 0;
  if (*s == '[') {
    char *end = strchr(s, ']');
    if (!end || *trim(end + 1)) {
      bs_set_err(p->errstr, p->errstr_size, "%s:%zu: malformed stanza header '%s'", p->r.path,
                 p->r.lineno, s);
      return -1;
    }
    if (term_end(p) != 0)
      return -1;
    *end = '\0';
    if (strcmp(s + 1, "Term") == 0) {
      if (reserve((void **)&o->terms, o->n_terms, &o->cap_terms, sizeof(*o->terms)) != 0)
        return oom(p);
      o->terms[o->n_terms++] = (go_term){NULL, NULL, -1, 0, p->r.lineno};
      p->in_term = 1;
    }
    return 0;
  }
  char *colon = strchr(s, ':');
  if (!colon || colon == s || memchr(s, ' ', (size_t)(colon - s)) ||
      memchr(s, '\t', (size_t)(colon - s))) {
    bs_set_err(p->errstr, p->errstr_size, "%s:%zu: expected 'tag: value', got '%.60s'", p->r.path,
               p->r.lineno, s);
    return -1;
  }
  *colon = '\0';
  return p->in_term ? term_tag(p, s, colon + 1) : 0;
}

/* Resolves ids, alt_ids and edges into the CSR parents (edges from or to
 * obsolete terms are dropped). */
static int resolve(parse_state *p) {
  bs_go_ontology *o = p->o;
  const char *path = p->r.path;
  for (size_t t = 0; t < o->n_terms; t++) {
    size_t old;
    if (go_map_put(&o->ids, o->terms[t].id, t, &old) != 0)
      return oom(p);
    if (old != (size_t)-1) {
      bs_set_err(p->errstr, p->errstr_size, "%s:%zu: duplicate term %s (first at line %zu)", path,
                 o->terms[t].line, o->terms[t].id, o->terms[old].line);
      return -1;
    }
  }
  for (size_t i = 0; i < o->n_alts; i++) {
    size_t old;
    if (go_map_put(&o->ids, o->alts[i].id, o->alts[i].term, &old) != 0)
      return oom(p);
    if (old != (size_t)-1 && old != o->alts[i].term) {
      bs_set_err(p->errstr, p->errstr_size, "%s:%zu: alt_id %s is already term %s", path,
                 o->alts[i].line, o->alts[i].id, o->terms[old].id);
      return -1;
    }
  }
  o->parent_start = calloc(o->n_terms + 1, sizeof(size_t));
  o->parents = malloc((o->n_edges ? o->n_edges : 1) * sizeof(size_t));
  o->level = calloc(o->n_terms ? o->n_terms : 1, sizeof(unsigned));
  o->mark = calloc(o->n_terms ? o->n_terms : 1, sizeof(unsigned));
  if (!o->parent_start || !o->parents || !o->level || !o->mark)
    return oom(p);
  size_t *target = malloc((o->n_edges ? o->n_edges : 1) * sizeof(size_t));
  if (!target)
    return oom(p);
  for (size_t i = 0; i < o->n_edges; i++) {
    const go_edge *e = &o->edges[i];
    target[i] = go_map_get(&o->ids, e->parent);
    if (target[i] == (size_t)-1) {
      bs_set_err(p->errstr, p->errstr_size, "%s:%zu: term %s: parent %s is not in the ontology",
                 path, e->line, o->terms[e->child].id, e->parent);
      free(target);
      return -1;
    }
    if (!o->terms[e->child].obsolete && !o->terms[target[i]].obsolete && target[i] != e->child)
      o->parent_start[e->child + 1]++;
  }
  for (size_t t = 0; t < o->n_terms; t++)
    o->parent_start[t + 1] += o->parent_start[t];
  size_t *fill = calloc(o->n_terms ? o->n_terms : 1, sizeof(size_t));
  if (!fill) {
    free(target);
    return oom(p);
  }
  for (size_t i = 0; i < o->n_edges; i++) {
    size_t c = o->edges[i].child;
    if (!o->terms[c].obsolete && !o->terms[target[i]].obsolete && target[i] != c)
      o->parents[o->parent_start[c] + fill[c]++] = target[i];
  }
  free(fill);
  free(target);
  return 0;
}

/* Levels by relaxation (Bellman-Ford on unit weights):
 *   level(root) = 1,  level(t) = 1 + min over parents p of level(p),
 * repeated until nothing changes; a term no root reaches keeps 0. Each
 * pass either lowers a level or ends, and shortest paths have at most
 * n_terms edges, so it stops after at most n_terms + 1 passes. */
static void compute_levels(bs_go_ontology *o) {
  for (size_t t = 0; t < o->n_terms; t++)
    o->level[t] = !o->terms[t].obsolete && o->parent_start[t] == o->parent_start[t + 1];
  int changed = 1;
  for (size_t pass = 0; changed && pass <= o->n_terms; pass++) {
    changed = 0;
    for (size_t t = 0; t < o->n_terms; t++)
      for (size_t k = o->parent_start[t]; k < o->parent_start[t + 1]; k++) {
        unsigned lp = o->level[o->parents[k]];
        if (lp && (!o->level[t] || lp + 1 < o->level[t])) {
          o->level[t] = lp + 1;
          changed = 1;
        }
      }
  }
}

bs_go_ontology *bs_go_ontology_read(const char *path, char *errstr, size_t errstr_size) {
  parse_state p = {calloc(1, sizeof(bs_go_ontology)), {0}, 0, errstr, errstr_size};
  if (!p.o) {
    bs_set_err(errstr, errstr_size, "%s: out of memory", path);
    return NULL;
  }
  if (go_lines_open(&p.r, path, errstr, errstr_size) != 0)
    goto fail;
  int rc;
  while ((rc = go_lines_next(&p.r, errstr, errstr_size)) == 1)
    if (parse_line(&p, p.r.buf) != 0)
      goto fail;
  if (rc < 0 || term_end(&p) != 0)
    goto fail;
  if (p.o->n_terms == 0) {
    bs_set_err(errstr, errstr_size, "%s: no [Term] stanza; not an OBO ontology", path);
    goto fail;
  }
  if (resolve(&p) != 0)
    goto fail;
  compute_levels(p.o);
  go_lines_close(&p.r);
  return p.o;
fail:
  go_lines_close(&p.r);
  bs_go_ontology_destroy(p.o);
  return NULL;
}

void bs_go_ontology_destroy(bs_go_ontology *o) {
  if (!o)
    return;
  for (size_t t = 0; t < o->n_terms; t++) {
    free(o->terms[t].id);
    free(o->terms[t].name);
  }
  for (size_t i = 0; i < o->n_edges; i++)
    free(o->edges[i].parent);
  for (size_t i = 0; i < o->n_alts; i++)
    free(o->alts[i].id);
  free(o->terms);
  free(o->edges);
  free(o->alts);
  go_map_free(&o->ids);
  free(o->parent_start);
  free(o->parents);
  free(o->level);
  free(o->mark);
  free(o);
}

size_t bs_go_ontology_n_terms(const bs_go_ontology *o) {
  return o->n_terms;
}

size_t bs_go_term_find(const bs_go_ontology *o, const char *id) {
  return go_map_get(&o->ids, id);
}

const char *bs_go_term_id(const bs_go_ontology *o, size_t t) {
  return o->terms[t].id;
}

const char *bs_go_term_name(const bs_go_ontology *o, size_t t) {
  return o->terms[t].name;
}

int bs_go_term_obsolete(const bs_go_ontology *o, size_t t) {
  return o->terms[t].obsolete;
}

bs_go_aspect bs_go_term_aspect(const bs_go_ontology *o, size_t t) {
  return o->terms[t].aspect < 0 ? BS_GO_UNIVERSAL : (bs_go_aspect)o->terms[t].aspect;
}

unsigned bs_go_term_level(const bs_go_ontology *o, size_t t) {
  return o->level[t];
}

size_t bs_go_term_ancestors(bs_go_ontology *o, const size_t *terms, size_t n_terms, size_t *out) {
  if (++o->stamp == 0) { /* wrapped: clear the marks */
    memset(o->mark, 0, o->n_terms * sizeof(*o->mark));
    o->stamp = 1;
  }
  size_t n = 0;
  for (size_t i = 0; i < n_terms; i++)
    if (o->mark[terms[i]] != o->stamp) {
      o->mark[terms[i]] = o->stamp;
      out[n++] = terms[i];
    }
  for (size_t i = 0; i < n; i++) /* out[] is the queue */
    for (size_t k = o->parent_start[out[i]]; k < o->parent_start[out[i] + 1]; k++) {
      size_t q = o->parents[k];
      if (o->mark[q] != o->stamp) {
        o->mark[q] = o->stamp;
        out[n++] = q;
      }
    }
  return n;
}

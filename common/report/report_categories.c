/*
 * report_categories.c - the report's category table (bs/report.h): one
 * row per category result, in categories.tsv's order, with the columns a
 * reader ranks by. Each cell carries its sort key (data-value: the
 * number with %.17g, empty when not estimable; text cells sort by their
 * text); report_assets.c's script sorts on a heading's click and filters
 * by the text and minimum-genes inputs. The "n of m shown" line is
 * written here too, so it is right before any script runs.
 */
#include <math.h>

#include "report_internal.h"

typedef enum column_kind { COL_TEXT, COL_COUNT, COL_NUMBER } column_kind;

typedef struct column {
  const char *key, *heading, *tsv; /* data-key, what the page shows, categories.tsv's column */
  column_kind kind;
} column;

static const column COLUMNS[] = {
    {"id", "ID", "GO/Pathway/Gene Set/Gene ID", COL_TEXT},
    {"name", "Name", "GO/Pathway/Gene Set/Gene Name", COL_TEXT},
    {"genes", "Genes passed", "Genes That Passed All Filters", COL_COUNT},
    {"platform", "Genes on platform", "All Genes (Platform)", COL_COUNT},
    {"percentage", "%", "Percentage", COL_NUMBER},
    {"fisher_two", "Fisher 2-tail p", "Fisher's Exact Two Tail", COL_NUMBER},
    {"bmd_median", "BMD median", "BMD Median", COL_NUMBER},
    {"bmdl_median", "BMDL median", "BMDL Median", COL_NUMBER},
    {"bmdu_median", "BMDU median", "BMDU Median", COL_NUMBER},
    {"bmd_mean", "BMD mean", "BMD Mean", COL_NUMBER},
    {"bmd_min", "BMD min", "BMD Minimum", COL_NUMBER},
    {"direction", "Direction", "Overall Direction", COL_TEXT},
};
enum { N_COLUMNS = sizeof(COLUMNS) / sizeof(COLUMNS[0]) };

static void text_cell(FILE *out, const char *s) {
  fputs("<td>", out);
  bs_html_put(out, s);
  fputs("</td>", out);
}

static void count_cell(FILE *out, size_t n) {
  fprintf(out, "<td class=\"num\" data-value=\"%zu\">%zu</td>", n, n);
}

static void number_cell(FILE *out, double v) {
  fputs("<td class=\"num\"", out);
  bs_html_attr_num(out, "data-value", v);
  fputs(">", out);
  bs_html_num(out, v);
  fputs("</td>", out);
}

static void row(FILE *out, size_t index, const bmd_category_result *c) {
  fprintf(out, "<tr data-index=\"%zu\" data-category=\"", index);
  bs_html_put(out, c->id);
  fputs("\">", out);
  text_cell(out, c->id);
  text_cell(out, c->name);
  count_cell(out, c->n);
  count_cell(out, c->n_platform);
  number_cell(out, c->percentage);
  number_cell(out, c->fisher_two);
  number_cell(out, c->bmd.median);
  number_cell(out, c->bmdl.median);
  number_cell(out, c->bmdu.median);
  number_cell(out, c->bmd.mean);
  number_cell(out, c->bmd.min);
  /* as categories.tsv: no direction for a category without genes */
  text_cell(out, !c->n                      ? ""
                 : c->overall_direction > 0 ? "UP"
                 : c->overall_direction < 0 ? "DOWN"
                                            : "CONFLICT");
  fputs("</tr>\n", out);
}

int bs_report_categories(FILE *out, const bs_report *r) {
  if (!r->ca) {
    fputs("<p>No category analysis (category type none).</p>\n", out);
    return 0;
  }
  size_t n = bmd_category_n_results(r->ca);
  fprintf(out,
          "<p>Every category of categories.tsv. Click a heading to sort by it (again to "
          "reverse; values that are not estimable go last); type to keep the categories whose "
          "id or name contains the text.</p>\n<div class=\"controls\">"
          "<label>Filter <input type=\"search\" id=\"category-filter\" "
          "placeholder=\"id or name\" autocomplete=\"off\"></label>"
          "<label>Minimum genes passed <input type=\"number\" id=\"category-min-genes\" "
          "min=\"0\" step=\"1\" value=\"0\"></label>"
          "<span id=\"category-count\" data-shown=\"%zu\" data-total=\"%zu\">%zu of %zu "
          "categories shown</span></div>\n"
          "<div class=\"scroll\"><table id=\"category-table\" class=\"sortable\">\n<thead><tr>",
          n, n, n, n);
  for (int k = 0; k < N_COLUMNS; k++)
    fprintf(out,
            "<th scope=\"col\" data-key=\"%s\" data-type=\"%s\" title=\"categories.tsv: %s\">"
            "<button type=\"button\">%s</button></th>",
            COLUMNS[k].key, COLUMNS[k].kind == COL_TEXT ? "text" : "number", COLUMNS[k].tsv,
            COLUMNS[k].heading);
  fputs("</tr></thead>\n<tbody>\n", out);
  for (size_t i = 0; i < n; i++)
    row(out, i, bmd_category_result_get(r->ca, i));
  fputs("</tbody>\n</table></div>\n", out);
  return 0;
}

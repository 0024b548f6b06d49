/*
 * objstore_s3_answer.c - the XML that S3 answers with, read by libxml2: a
 * ListObjectsV2 page (each Contents' Key and Size, IsTruncated,
 * NextContinuationToken) and an error document (Code, Message).
 *
 * Answers come off the network, so the parser never goes to it
 * (XML_PARSE_NONET) and never substitutes entities (no XML_PARSE_NOENT).
 * S3 sends no DTD: a document that declares one is stopped at its
 * <!DOCTYPE, before any entity it declares is read, fetched or expanded.
 * Predefined entities (&amp;) and character references (&#233;) are
 * plain XML and come back decoded.
 */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objstore_internal.h"

/* SAX hook called at <!DOCTYPE: refuse the document there. */
static void refuse_dtd_cb(void *ctx, const xmlChar *name, const xmlChar *external_id,
                          const xmlChar *system_id) {
  (void)name;
  (void)external_id;
  (void)system_id;
  xmlStopParser((xmlParserCtxtPtr)ctx);
}

/* Parses xml[0..len) into *doc; its root element must be named root. */
static bs_status answer_read(const char *xml, size_t len, const char *root, xmlDocPtr *doc,
                             char *errstr, size_t errstr_size) {
  *doc = NULL;
  if (len > BS_S3_ANSWER_MAX) {
    bs_set_err(errstr, errstr_size, "S3 answer of %zu bytes is larger than the limit of %d", len,
               BS_S3_ANSWER_MAX);
    return BS_ERR_PERMANENT;
  }
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) {
    bs_set_err(errstr, errstr_size, "S3 answer: out of memory");
    return BS_ERR_RETRIABLE;
  }
  ctxt->sax->internalSubset = refuse_dtd_cb;
  *doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  bs_status st = BS_OK;
  if (ctxt->errNo == XML_ERR_USER_STOP) {
    /* A stopped parse may still hand back the document begun so far. */
    xmlFreeDoc(*doc);
    *doc = NULL;
    bs_set_err(errstr, errstr_size, "S3 answer declares a DTD (<!DOCTYPE): refused");
    st = BS_ERR_PERMANENT;
  } else if (!*doc) {
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    char msg[256] = "";
    if (e && e->message) {
      snprintf(msg, sizeof(msg), "%s", e->message);
      msg[strcspn(msg, "\r\n")] = '\0';
    }
    bs_set_err(errstr, errstr_size, "S3 answer is not well-formed XML (line %d: %s)",
               e ? e->line : 0, msg[0] ? msg : "unknown error");
    st = ctxt->errNo == XML_ERR_NO_MEMORY ? BS_ERR_RETRIABLE : BS_ERR_PERMANENT;
  } else {
    xmlNodePtr r = xmlDocGetRootElement(*doc);
    if (!r || strcmp((const char *)r->name, root) != 0) {
      bs_set_err(errstr, errstr_size, "S3 answer: expected <%s>, got <%s>", root,
                 r ? (const char *)r->name : "");
      xmlFreeDoc(*doc);
      *doc = NULL;
      st = BS_ERR_PERMANENT;
    }
  }
  xmlFreeParserCtxt(ctxt);
  return st;
}

static int is_element(xmlNodePtr n, const char *name) {
  return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The first child element called name, or NULL. */
static xmlNodePtr child(xmlNodePtr parent, const char *name) {
  for (xmlNodePtr n = parent->children; n; n = n->next)
    if (is_element(n, name))
      return n;
  return NULL;
}

/* Copies the text of parent's first <name> into out ("" if absent);
 * -1 when it does not fit. */
static int child_text(xmlNodePtr parent, const char *name, char *out, size_t out_size) {
  out[0] = '\0';
  xmlNodePtr n = child(parent, name);
  if (!n)
    return 0;
  xmlChar *text = xmlNodeGetContent(n);
  int rc = snprintf(out, out_size, "%s", text ? (const char *)text : "");
  xmlFree(text);
  return rc < 0 || (size_t)rc >= out_size ? -1 : 0;
}

/* A decimal byte count; an absent <Size> ("") counts as 0. */
static int parse_size(const char *text, uint64_t *size) {
  *size = 0;
  if (!text[0])
    return 0;
  if (text[0] < '0' || text[0] > '9')
    return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (*end || errno)
    return -1;
  *size = (uint64_t)v;
  return 0;
}

bs_status bs_objstore_s3_parse_error(const char *xml, size_t len, char *code, size_t code_size,
                                     char *message, size_t message_size, char *errstr,
                                     size_t errstr_size) {
  code[0] = message[0] = '\0';
  xmlDocPtr doc = NULL;
  bs_status st = answer_read(xml, len, "Error", &doc, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  /* Text too long for code or message is cut: S3's codes are short. */
  xmlNodePtr root = xmlDocGetRootElement(doc);
  (void)child_text(root, "Code", code, code_size);
  (void)child_text(root, "Message", message, message_size);
  xmlFreeDoc(doc);
  return st;
}

bs_status bs_objstore_s3_parse_list(const char *xml, size_t len, bs_objstore_list_cb cb,
                                    void *opaque, int *stopped, char *token, size_t token_size,
                                    char *errstr, size_t errstr_size) {
  *stopped = 0;
  token[0] = '\0';
  xmlDocPtr doc = NULL;
  bs_status st = answer_read(xml, len, "ListBucketResult", &doc, errstr, errstr_size);
  if (st != BS_OK)
    return st;
  xmlNodePtr root = xmlDocGetRootElement(doc);
  for (xmlNodePtr n = root->children; n && !*stopped; n = n->next) {
    if (!is_element(n, "Contents"))
      continue;
    xmlNodePtr key_node = child(n, "Key");
    if (!key_node) {
      bs_set_err(errstr, errstr_size, "S3 list answer: <Contents> without <Key>");
      st = BS_ERR_PERMANENT;
      goto done;
    }
    char size_text[32];
    uint64_t size = 0;
    if (child_text(n, "Size", size_text, sizeof(size_text)) != 0 ||
        parse_size(size_text, &size) != 0) {
      bs_set_err(errstr, errstr_size, "S3 list answer: bad <Size> '%s'", size_text);
      st = BS_ERR_PERMANENT;
      goto done;
    }
    xmlChar *key = xmlNodeGetContent(key_node);
    if (!key) {
      bs_set_err(errstr, errstr_size, "S3 list answer: out of memory");
      st = BS_ERR_RETRIABLE;
      goto done;
    }
    *stopped = cb(opaque, (const char *)key, size) != 0;
    xmlFree(key);
  }
  char more[16];
  if (child_text(root, "IsTruncated", more, sizeof(more)) == 0 && strcmp(more, "true") == 0) {
    if (child_text(root, "NextContinuationToken", token, token_size) != 0 || !token[0]) {
      bs_set_err(errstr, errstr_size,
                 "S3 list answer: truncated without a usable <NextContinuationToken>");
      token[0] = '\0';
      st = BS_ERR_PERMANENT;
    }
  }
done:
  xmlFreeDoc(doc);
  return st;
}

/*
 * fuzz_input.h - what the harnesses share: the libFuzzer entry point's
 * prototype, a scratch file for the parsers that read a path, and the
 * check that every refusal says why.
 */
#ifndef BS_FUZZ_INPUT_H
#define BS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data[0..size) to this process's scratch file (created on first
 * use under $TMPDIR or /tmp, removed at exit) and returns its path, or
 * NULL when it cannot be written. The file is rewritten on every call. */
const char *bs_fuzz_scratch_file(const uint8_t *data, size_t size, const char *suffix);

/* Aborts (a finding) when a parser refused its input with an empty
 * message: every refusal must name what is wrong. */
void bs_fuzz_require_reason(const char *errstr, const char *parser);

#endif

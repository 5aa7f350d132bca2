/*
 * parser.h - DRL tokens to rules: the file structure, rule headers,
 * metadata and attributes, the Map(...) pattern and its constraints, and
 * the actions of the subset.
 */
#ifndef DRL_PARSER_H
#define DRL_PARSER_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "rule.h"

/*
 * Parse one file.  Every syntax error is reported through diag (the
 * parser resynchronises and goes on, so all errors of a file are
 * reported); the rules that parsed are in out, allocated in arena.
 * Returns 0, or -ENOMEM.
 */
int	drl_parse(const char *path, const char *src, size_t len,
	    struct drl_arena *arena, struct drl_diag *diag, struct drl_file *out);

#endif /* DRL_PARSER_H */

/*
 * diag.c - located diagnostics for rule files, held and sent in order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define DIAG_MAX	1024

struct drl_diag_entry {
	enum ce_log_level	 level;
	const char		*file;
	unsigned		 line, col;
	size_t			 seq;		/* keeps equal positions in order */
	char			*msg;
};

static void
send(struct drl_diag *d, enum ce_log_level level, const char *file,
    unsigned line, unsigned col, const char *msg)
{
	d->host->diag(d->self, level, file, line, col, "%s", msg);
}

static void
diag_emit(struct drl_diag *d, enum ce_log_level level, unsigned line,
    unsigned col, const char *fmt, va_list ap)
{
	struct drl_diag_entry *e;
	char msg[DIAG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (level == CE_LOG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->npending == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		e = realloc(d->pending, cap * sizeof(*e));
		if (e == NULL) {
			send(d, level, d->file, line, col, msg);
			return;
		}
		d->pending = e;
		d->cap = cap;
	}
	e = &d->pending[d->npending];
	if ((e->msg = strdup(msg)) == NULL) {
		send(d, level, d->file, line, col, msg);
		return;
	}
	e->level = level;
	e->file = d->file;
	e->line = line;
	e->col = col;
	e->seq = d->npending++;
}

void
drl_error(struct drl_diag *d, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit(d, CE_LOG_ERROR, line, col, fmt, ap);
	va_end(ap);
}

void
drl_warning(struct drl_diag *d, unsigned line, unsigned col,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit(d, CE_LOG_WARNING, line, col, fmt, ap);
	va_end(ap);
}

static int
by_position(const void *a, const void *b)
{
	const struct drl_diag_entry *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
drl_diag_flush(struct drl_diag *d)
{
	size_t i;

	if (d->npending > 1)
		qsort(d->pending, d->npending, sizeof(*d->pending), by_position);
	for (i = 0; i < d->npending; i++) {
		send(d, d->pending[i].level, d->pending[i].file,
		    d->pending[i].line, d->pending[i].col, d->pending[i].msg);
		free(d->pending[i].msg);
	}
	free(d->pending);
	d->pending = NULL;
	d->npending = d->cap = 0;
}

/*
 * diag.c - located diagnostics ("FILE:LINE:COL: error: MESSAGE") collected
 * in order, counted, printed together and optionally echoed to the log.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "log.h"

/* Diagnostics are rare: one lock for every ce_diag keeps the struct plain. */
static pthread_mutex_t diag_lock = PTHREAD_MUTEX_INITIALIZER;

void
ce_diag_init(struct ce_diag *d)
{
	d->head = NULL;
	d->tail = &d->head;
	d->errors = 0;
	d->warnings = 0;
	d->echo = 0;
}

void
ce_diag_free(struct ce_diag *d)
{
	struct ce_diag_entry *e, *next;
	int echo = d->echo;

	for (e = d->head; e != NULL; e = next) {
		next = e->next;
		free(e->text);
		free(e);
	}
	ce_diag_init(d);
	d->echo = echo;
}

/* "file:line:col: level: " with the parts that are known. */
static void
put_location(struct ce_buf *b, enum ce_log_level level, const char *file,
    unsigned line, unsigned col)
{
	const char *what = level <= CE_LOG_ERROR ? "error" : "warning";

	ce_buf_puts(b, file != NULL ? file : "cloudengine");
	if (file != NULL && line > 0) {
		ce_buf_printf(b, ":%u", line);
		if (col > 0)
			ce_buf_printf(b, ":%u", col);
	}
	ce_buf_printf(b, ": %s: ", what);
}

/* The whole line, escaped so a value quoted from a file stays on it. */
static char *
format_entry(enum ce_log_level level, const char *file, unsigned line,
    unsigned col, const char *fmt, va_list ap)
{
	struct ce_buf raw = CE_BUF_INIT, text = CE_BUF_INIT;
	char *s = NULL;

	put_location(&raw, level, file, line, col);
	ce_buf_vprintf(&raw, fmt, ap);
	if (raw.oom)
		goto out;
	ce_log_escape(&text, raw.data, raw.len);
	if (!text.oom)
		s = ce_buf_steal(&text, NULL);
out:
	ce_buf_free(&raw);
	ce_buf_free(&text);
	return s;
}

void
ce_diag_addv(struct ce_diag *d, enum ce_log_level level, const char *file,
    unsigned line, unsigned col, const char *fmt, va_list ap)
{
	struct ce_diag_entry *e;
	char *text;

	if (level > CE_LOG_ERROR)
		level = CE_LOG_WARNING;
	else
		level = CE_LOG_ERROR;
	text = format_entry(level, file, line, col, fmt, ap);
	e = text != NULL ? calloc(1, sizeof(*e)) : NULL;
	pthread_mutex_lock(&diag_lock);
	/* Counted even when out of memory, so the caller still fails. */
	if (level == CE_LOG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (e != NULL) {
		e->level = level;
		e->text = text;
		*d->tail = e;
		d->tail = &e->next;
	}
	pthread_mutex_unlock(&diag_lock);
	if (e == NULL) {
		free(text);
		return;
	}
	if (d->echo)
		ce_log(level, NULL, "%s", text);
}

void
ce_diag_add(struct ce_diag *d, enum ce_log_level level, const char *file,
    unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ce_diag_addv(d, level, file, line, col, fmt, ap);
	va_end(ap);
}

void
ce_diag_print(const struct ce_diag *d, FILE *fp)
{
	const struct ce_diag_entry *e;

	pthread_mutex_lock(&diag_lock);
	for (e = d->head; e != NULL; e = e->next)
		fprintf(fp, "%s\n", e->text);
	pthread_mutex_unlock(&diag_lock);
	fflush(fp);
}

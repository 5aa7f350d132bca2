/*
 * log.h - the process's logger: levels, text or JSON lines, to stderr.
 */
#ifndef CE_LOG_H
#define CE_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "cloudengine/plugin.h"

struct ce_buf;

enum ce_log_format {
	CE_LOG_TEXT = 0,	/* "2026-11-26T22:00:00.123Z error [output:sns:alerts] msg" */
	CE_LOG_JSON = 1		/* {"time":...,"level":"error","component":"output:sns:alerts","msg":"..."} */
};

/* Safe to call before ce_log_setup(): defaults are info, text, stderr. */
void	ce_log_setup(enum ce_log_level level, enum ce_log_format format);
enum ce_log_level ce_log_get_level(void);
/* Parse "error" / "warning" / "notice" / "info" / "debug"; -1 if unknown. */
int	ce_log_level_parse(const char *name);
const char *ce_log_level_name(enum ce_log_level level);
/* Redirect log lines (tests); NULL restores stderr.  The sink gets each
 * message that passes the level filter, as formatted (not escaped), one
 * call at a time; it must not log. */
void	ce_log_set_sink(void (*fn)(void *arg, enum ce_log_level level,
	    const char *component, const char *msg), void *arg);

/* component may be NULL (the core itself).  Thread-safe: one line is
 * written with a single write(2).  Newlines and control characters in the
 * message are escaped, so a value from an event cannot forge a line. */
void	ce_log(enum ce_log_level level, const char *component,
	    const char *fmt, ...) CE_PRINTF(3, 4);
void	ce_logv(enum ce_log_level level, const char *component,
	    const char *fmt, va_list ap);

/* Append s[0..n) with newlines, control characters (C0, DEL, C1,
 * U+2028/9) and bytes that are not UTF-8 escaped (\n, \xHH, \u0085), as
 * text log lines and diagnostics are written. */
void	ce_log_escape(struct ce_buf *b, const char *s, size_t n);

#define ce_error(...)	ce_log(CE_LOG_ERROR, NULL, __VA_ARGS__)
#define ce_warn(...)	ce_log(CE_LOG_WARNING, NULL, __VA_ARGS__)
#define ce_notice(...)	ce_log(CE_LOG_NOTICE, NULL, __VA_ARGS__)
#define ce_info(...)	ce_log(CE_LOG_INFO, NULL, __VA_ARGS__)
#define ce_debug(...)	ce_log(CE_LOG_DEBUG, NULL, __VA_ARGS__)

#endif /* CE_LOG_H */

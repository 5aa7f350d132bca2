/*
 * buf.h - growable byte buffer and JSON string writer used all over the core.
 */
#ifndef CE_BUF_H
#define CE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "cloudengine/plugin.h"

/*
 * A buffer owns data (malloc'd).  After an allocation failure every
 * further append is a no-op and oom stays set: callers check it once at
 * the end instead of after every append.  data is always NUL-terminated
 * when len > 0 or after ce_buf_cstr().
 */
struct ce_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

#define CE_BUF_INIT	{ NULL, 0, 0, 0 }

void	 ce_buf_init(struct ce_buf *b);
void	 ce_buf_free(struct ce_buf *b);
void	 ce_buf_reset(struct ce_buf *b);		/* len = 0, keeps memory */
int	 ce_buf_reserve(struct ce_buf *b, size_t extra);	/* 0 or -ENOMEM */
void	 ce_buf_append(struct ce_buf *b, const void *p, size_t n);
void	 ce_buf_puts(struct ce_buf *b, const char *s);
void	 ce_buf_putc(struct ce_buf *b, char c);
void	 ce_buf_printf(struct ce_buf *b, const char *fmt, ...) CE_PRINTF(2, 3);
void	 ce_buf_vprintf(struct ce_buf *b, const char *fmt, va_list ap);
const char *ce_buf_cstr(struct ce_buf *b);		/* "" when empty */
/* Hand the bytes to the caller (who frees them); the buffer is reset. */
char	*ce_buf_steal(struct ce_buf *b, size_t *len);

/*
 * Append s[0..n) as a JSON string literal, quotes included.  '/' is not
 * escaped; control characters, '"' and '\\' are; invalid UTF-8 sequences
 * become U+FFFD, so the output is always valid UTF-8 and valid JSON.
 */
void	 ce_buf_json_string(struct ce_buf *b, const char *s, size_t n);

/* Length of the longest prefix of s[0..n) that holds at most max
 * characters and ends on a UTF-8 character boundary. */
size_t	 ce_utf8_prefix(const char *s, size_t n, size_t max_chars);

/*
 * Non-zero when s is a name of the kind plugins, their options and
 * metrics have: one or more of [a-z0-9_].  (Plugin names become parts of
 * metric names and option names keys of the configuration, so they all
 * follow the Prometheus-safe rule.)  NULL is not a name.
 */
int	 ce_name_ok(const char *s);

#endif /* CE_BUF_H */

/*
 * json.h - a JSON writer for output payloads that is always valid JSON and
 * valid UTF-8, with strings cut at a character boundary behind a marker.
 *
 * Part of plugins/common, linked into each output plugin (hidden
 * symbols).  Usage:
 *
 *	struct oc_json j = OC_JSON_INIT;
 *	oc_json_begin(&j, '{');
 *	oc_json_key(&j, "title");
 *	oc_json_str(&j, title, strlen(title), 200);
 *	oc_json_key(&j, "tags");
 *	oc_json_begin(&j, '[');
 *	oc_json_cstr(&j, "env:prod");
 *	oc_json_end(&j, ']');
 *	oc_json_end(&j, '}');
 *	if (j.oom) ...;		(checked once, at the end)
 *	send(j.data, j.len);
 *	oc_json_free(&j);
 *
 * Commas are automatic: a key or a value written after a complete value
 * is preceded by ','.  The buffer also serves as a plain byte buffer
 * (oc_json_raw) for text that is later written as one string.
 */
#ifndef OC_JSON_H
#define OC_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"

/* Ends a string cut by oc_json_str(): U+2026 and " [truncated]". */
#define OC_JSON_MARKER		"\xe2\x80\xa6 [truncated]"
#define OC_JSON_MARKER_CHARS	13

/*
 * A growing buffer, owned by whoever declared it.  After an allocation
 * failure oom stays set and every append does nothing.  data is
 * NUL-terminated whenever len > 0.
 */
struct oc_json {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

#define OC_JSON_INIT	{ NULL, 0, 0, 0 }

void	oc_json_reset(struct oc_json *j);	/* empty, oom cleared; keeps memory */
void	oc_json_free(struct oc_json *j);

/* Bytes as they are (JSON text known to be valid, or plain text). */
void	oc_json_raw(struct oc_json *j, const void *p, size_t n);
void	oc_json_rawz(struct oc_json *j, const char *s);

/* '{' or '[' (with the comma before it when one is due), and the closer. */
void	oc_json_begin(struct oc_json *j, char open);
void	oc_json_end(struct oc_json *j, char close);

/* "name": -- name is escaped like any string. */
void	oc_json_key(struct oc_json *j, const char *name);

/*
 * s[0..n) as a string literal.  '/' is not escaped; '"', '\\', control
 * characters, U+2028 and U+2029 are; each byte that does not start a
 * valid UTF-8 sequence becomes U+FFFD.  When max_chars > 0 and the
 * string holds more characters than that (an invalid byte counting as
 * one), it is cut at a character boundary so that, with OC_JSON_MARKER
 * appended, it holds exactly max_chars characters.
 */
void	oc_json_str(struct oc_json *j, const char *s, size_t n,
	    size_t max_chars);
void	oc_json_cstr(struct oc_json *j, const char *s);	/* NULL = null */
void	oc_json_int(struct oc_json *j, int64_t v);
void	oc_json_null(struct oc_json *j);

/* An event value (ce_value) as JSON: numbers keep their lexeme; strings
 * as oc_json_str() with max_chars; a missing value is null. */
void	oc_json_value(struct oc_json *j, const struct ce_value *v,
	    size_t max_chars);

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 when
 * the bytes there are not one (ASCII counts as a sequence of 1). */
size_t	oc_utf8_seq(const unsigned char *s, size_t n);

/* Characters in s[0..n), counting each invalid byte as one, but counting
 * no further than limit (returns at most limit). */
size_t	oc_utf8_chars(const char *s, size_t n, size_t limit);

/* Bytes taken by the first k characters of s[0..n) (n when fewer). */
size_t	oc_utf8_offset(const char *s, size_t n, size_t k);

#endif /* OC_JSON_H */

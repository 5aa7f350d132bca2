/*
 * reader.c - from a byte stream to JSON texts: gzip sniffing and inflation,
 * NDJSON / whole-document / concatenated splitting, and CloudTrail log
 * files streamed one Records element at a time.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

#include "cloudengine/plugin.h"
#include "document.h"

#define RD_CHUNK	65536		/* bytes asked of the stream at a time */
#define RD_SNIFF	4096		/* bytes looked at for binary content */
/* Inflated bytes before the gzip ratio is enforced: the header and the
 * first block make tiny legitimate members look badly compressed. */
#define RD_RATIO_FLOOR	((uint64_t)1 << 20)
#define RD_MSG		512
#define RD_MAX_DEPTH	10000		/* clamp for max_depth */

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

void
ce_doc_limits_default(struct ce_doc_limits *l)
{
	l->max_record_bytes = 8u << 20;
	l->max_depth = 64;
	l->max_gzip_ratio = 1000;
	l->max_flat_bytes = (size_t)64 << 20;
}

void
ce_doc_limits_normalise(struct ce_doc_limits *out,
    const struct ce_doc_limits *in)
{
	struct ce_doc_limits def;

	ce_doc_limits_default(&def);
	*out = in != NULL ? *in : def;
	if (out->max_record_bytes == 0)
		out->max_record_bytes = def.max_record_bytes;
	/* json-c takes lengths as an int. */
	if (out->max_record_bytes > INT_MAX - 16)
		out->max_record_bytes = INT_MAX - 16;
	if (out->max_depth == 0)
		out->max_depth = def.max_depth;
	/* json-c allocates its parse stack for the whole depth up front. */
	if (out->max_depth > RD_MAX_DEPTH)
		out->max_depth = RD_MAX_DEPTH;
	if (out->max_gzip_ratio == 0)
		out->max_gzip_ratio = def.max_gzip_ratio;
	if (out->max_flat_bytes == 0)
		out->max_flat_bytes = def.max_flat_bytes;
}

/* ------------------------------------------------------------------ */
/* Memory and descriptor streams                                       */
/* ------------------------------------------------------------------ */

static ssize_t
mem_read(void *ctx, void *buf, size_t cap)
{
	struct ce_memstream *m = ctx;
	size_t n = m->len - m->off;

	if (n > cap)
		n = cap;
	if (n == 0)
		return 0;
	memcpy(buf, m->data + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

void
ce_stream_memory(struct ce_stream *s, struct ce_memstream *m, const void *data,
    size_t len)
{
	m->data = data;
	m->len = data != NULL ? len : 0;
	m->off = 0;
	s->read = mem_read;
	s->close = NULL;
	s->ctx = m;
}

ssize_t
ce_stream_fd_read(void *ctx, void *buf, size_t cap)
{
	ssize_t n;

	do
		n = read((int)(intptr_t)ctx, buf, cap);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* ------------------------------------------------------------------ */
/* Byte source: the stream, inflated when it starts with the gzip magic */
/* ------------------------------------------------------------------ */

struct source {
	struct ce_stream	*s;
	const char		*origin;
	uint64_t		 max_ratio;
	unsigned char		*raw;		/* RD_CHUNK bytes from the stream */
	size_t			 raw_len;
	int			 raw_eof;
	int			 gzip;
	int			 zinit;
	int			 member_done;	/* the last member ended */
	unsigned		 members;
	z_stream		 z;
	uint64_t		 zin;		/* compressed bytes consumed */
	uint64_t		 zout;		/* bytes inflated */
	int			 pending;	/* error held until the bytes
						 * before it are scanned */
	char			 pending_msg[256];
	char			*err;
	size_t			 errlen;
};

static void CE_PRINTF(3, 4)
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Read what the stream gives into buf.  Returns bytes read, 0 at the end,
 * or a negative errno. */
static ssize_t
stream_read(struct source *src, unsigned char *buf, size_t cap)
{
	ssize_t n;

	do
		n = src->s->read(src->s->ctx, buf, cap);
	while (n == -EINTR);
	if (n < 0) {
		set_err(src->err, src->errlen, "%s: read error: %s",
		    src->origin, strerror((int)-n));
		return n;
	}
	if ((size_t)n > cap) {
		set_err(src->err, src->errlen,
		    "%s: read error: the stream returned more bytes than asked",
		    src->origin);
		return -EIO;
	}
	if (n == 0)
		src->raw_eof = 1;
	return n;
}

/* Append what the stream gives to raw[raw_len..]. */
static ssize_t
raw_read(struct source *src)
{
	ssize_t n = stream_read(src, src->raw + src->raw_len,
	    RD_CHUNK - src->raw_len);

	if (n > 0)
		src->raw_len += (size_t)n;
	return n;
}

/* Look at the first two bytes for the gzip magic (1f 8b). */
static int
source_open(struct source *src)
{
	ssize_t n;
	int zr;

	while (src->raw_len < 2 && !src->raw_eof)
		if ((n = raw_read(src)) < 0)
			return (int)n;
	if (src->raw_len < 2 || src->raw[0] != 0x1f || src->raw[1] != 0x8b)
		return 0;
	src->gzip = 1;
	/* 16 + MAX_WBITS: gzip wrapper only, so a bad member header is
	 * reported rather than guessed at. */
	zr = inflateInit2(&src->z, 16 + MAX_WBITS);
	if (zr != Z_OK) {
		set_err(src->err, src->errlen, "%s: cannot start inflating: %s",
		    src->origin, zr == Z_MEM_ERROR ? "out of memory" : "zlib error");
		return zr == Z_MEM_ERROR ? -ENOMEM : -EIO;
	}
	src->zinit = 1;
	src->z.next_in = src->raw;
	src->z.avail_in = (uInt)src->raw_len;
	return 0;
}

static void
source_close(struct source *src)
{
	if (src->zinit)
		inflateEnd(&src->z);
}

/* Plain bytes: what source_open() looked at first, then straight from
 * the stream into out (no copy through raw). */
static ssize_t
plain_read(struct source *src, unsigned char *out, size_t cap)
{
	size_t len;

	if (src->raw_len == 0)
		return src->raw_eof || cap == 0 ? 0 : stream_read(src, out, cap);
	len = src->raw_len < cap ? src->raw_len : cap;
	memcpy(out, src->raw, len);
	memmove(src->raw, src->raw + len, src->raw_len - len);
	src->raw_len -= len;
	return (ssize_t)len;
}

static int
gz_ratio_check(struct source *src)
{
	if (src->zout < RD_RATIO_FLOOR)
		return 0;
	if (src->zout / src->max_ratio <= src->zin)
		return 0;
	set_err(src->err, src->errlen,
	    "%s: gzip data expands more than %" PRIu64 " times (%" PRIu64
	    " bytes from %" PRIu64 "; max_gzip_ratio): refusing a likely "
	    "zip bomb", src->origin, src->max_ratio, src->zout, src->zin);
	return -EFBIG;
}

static int
gz_error(struct source *src, int zr)
{
	const char *why = src->z.msg != NULL ? src->z.msg : "zlib error";

	if (zr == Z_MEM_ERROR) {
		set_err(src->err, src->errlen, "%s: out of memory inflating",
		    src->origin);
		return -ENOMEM;
	}
	set_err(src->err, src->errlen,
	    "%s: corrupt gzip data in member %u: %s (after %" PRIu64
	    " compressed bytes)", src->origin, src->members + 1, why, src->zin);
	return -EBADMSG;
}

/* Refill the compressed input when it runs dry.  Returns 0 or -errno. */
static int
gz_refill(struct source *src)
{
	ssize_t n;

	if (src->z.avail_in > 0 || src->raw_eof)
		return 0;
	src->raw_len = 0;
	if ((n = raw_read(src)) < 0)
		return (int)n;
	src->z.next_in = src->raw;
	src->z.avail_in = (uInt)src->raw_len;
	return 0;
}

static ssize_t
gz_read(struct source *src, unsigned char *out, size_t cap)
{
	uInt before_in;
	int rc, zr;

	src->z.next_out = out;
	src->z.avail_out = (uInt)cap;
	while (src->z.avail_out == cap) {
		if ((rc = gz_refill(src)) < 0)
			return rc;
		if (src->member_done) {
			/* Concatenated members make one stream (RFC 1952 2.2). */
			if (src->z.avail_in == 0)
				return 0;
			src->members++;
			src->member_done = 0;
			inflateReset(&src->z);
		}
		before_in = src->z.avail_in;
		zr = inflate(&src->z, Z_NO_FLUSH);
		src->zin += before_in - src->z.avail_in;
		src->zout += cap - src->z.avail_out;
		if (zr == Z_STREAM_END)
			src->member_done = 1;
		else if (zr == Z_BUF_ERROR || (zr == Z_OK &&
		    src->z.avail_out == cap && before_in == src->z.avail_in)) {
			/* No progress: only more input can help. */
			if (src->raw_eof && src->z.avail_in == 0)
				goto truncated;
		} else if (zr != Z_OK)
			return gz_error(src, zr);
		if ((rc = gz_ratio_check(src)) < 0)
			return rc;
	}
	return (ssize_t)(cap - src->z.avail_out);
truncated:
	set_err(src->err, src->errlen,
	    "%s: truncated gzip data: the stream ends inside member %u (after "
	    "%" PRIu64 " compressed bytes)", src->origin, src->members + 1,
	    src->zin);
	return -EBADMSG;
}

/* Decoded bytes: up to cap, 0 at the end, or a negative errno. */
static ssize_t
source_read(struct source *src, unsigned char *out, size_t cap)
{
	if (src->pending < 0) {
		set_err(src->err, src->errlen, "%s", src->pending_msg);
		return src->pending;
	}
	return src->gzip ? gz_read(src, out, cap) : plain_read(src, out, cap);
}

/* ------------------------------------------------------------------ */
/* Splitting into JSON texts                                           */
/* ------------------------------------------------------------------ */

/*
 * How texts are delimited.  AUTO lasts until the first text ends: one
 * that ended on the line where it started makes the document NDJSON
 * (LINES), one that spanned lines makes it a pretty-printed or
 * concatenated document (MULTI).
 */
enum rd_mode { MODE_AUTO, MODE_LINES, MODE_MULTI };

enum rd_where {
	AT_TOP,		/* between top-level texts */
	IN_TEXT,	/* inside a top-level text, buffered */
	RESYNC,		/* after garbage: waiting for a line opening a text */
	IN_ARRAY,	/* streaming Records: between elements */
	IN_ELEMENT,	/* streaming Records: inside an element, buffered */
	IN_TAIL		/* streaming Records: after the array, skipping */
};

enum tx_kind {
	TX_CONTAINER,	/* starts with { or [, ends where it closes */
	TX_LINE,	/* anything else at top level: runs to the end of line */
	TX_SCALAR	/* a Records element that is not a container */
};

struct text {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	uint64_t	 size;		/* bytes seen, even past the limit */
	uint64_t	 line;		/* of its first byte */
	uint64_t	 col;
	uint64_t	 index;		/* reported with what it holds */
	enum tx_kind	 kind;
	int		 element;	/* a Records element, streamed */
	size_t		 depth;
	uint64_t	 arrays;	/* bit d set: level d+1 is an array */
	int		 in_string;
	int		 escape;
	unsigned char	 last;		/* last byte that was not whitespace */
};

struct reader {
	const char		*origin;
	struct ce_doc_limits	 limits;
	const struct ce_doc_ops	*ops;
	void			*arg;
	char			*err;
	size_t			 errlen;
	json_tokener		*tok;
	enum rd_mode		 mode;
	enum rd_where		 where;
	uint64_t		 line;		/* of the byte being scanned */
	uint64_t		 col;
	struct text		 t;
	unsigned		 prefix;	/* bytes of {"Records":[ matched */
	int			 probe;		/* see first_line_break() */
	/* The CloudTrail log file being streamed. */
	uint64_t		 doc_line;
	uint64_t		 nelem;
	int			 want_sep;
	size_t			 tail_depth;
	int			 tail_string;
	int			 tail_escape;
	/* A line that began at the end of a chunk, not scanned yet: kept
	 * whole so that the fast path (line_fast()) can take it. */
	unsigned char		*carry;
	size_t			 carry_len;
	size_t			 carry_cap;
};

static const char records_prefix[] = "{\"Records\":[";

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int CE_PRINTF(3, 4)
skip(struct reader *r, uint64_t index, const char *fmt, ...)
{
	char msg[RD_MSG];
	va_list ap;

	if (r->ops->skipped == NULL)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return r->ops->skipped(r->arg, r->origin, index, msg);
}

static void
text_begin(struct reader *r, enum tx_kind kind, uint64_t index)
{
	struct text *t = &r->t;

	t->len = 0;
	t->size = 0;
	t->line = r->line;
	t->col = r->col;
	t->index = index;
	t->kind = kind;
	t->element = r->where == IN_ARRAY;
	t->depth = 0;
	t->arrays = 0;
	t->in_string = 0;
	t->escape = 0;
	t->last = 0;
}

/* Keep n more bytes of the text, unless it is already over the limit
 * (then only its size is counted: it will be skipped whole). */
static int
text_append(struct reader *r, const unsigned char *p, size_t n)
{
	struct text *t = &r->t;
	size_t ncap;
	char *nb;

	t->size += n;
	if (t->size > r->limits.max_record_bytes)
		return 0;
	/* Room for the bytes and the NUL the parser needs. */
	if (t->len + n + 1 >= t->cap) {
		ncap = t->cap != 0 ? t->cap : 4096;
		while (ncap < t->len + n + 2)
			ncap *= 2;
		if (ncap > r->limits.max_record_bytes + 2)
			ncap = r->limits.max_record_bytes + 2;
		if ((nb = realloc(t->buf, ncap)) == NULL) {
			set_err(r->err, r->errlen, "%s: out of memory", r->origin);
			return -ENOMEM;
		}
		t->buf = nb;
		t->cap = ncap;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	return 0;
}

static int
text_put(struct reader *r, unsigned char c)
{
	return text_append(r, &c, 1);
}

/* Follow strings and nesting; 1 when c closed the outermost container. */
static int
text_track(struct text *t, unsigned char c)
{
	if (t->in_string) {
		if (t->escape)
			t->escape = 0;
		else if (c == '\\')
			t->escape = 1;
		else if (c == '"')
			t->in_string = 0;
		return 0;
	}
	switch (c) {
	case '"':
		t->in_string = 1;
		return 0;
	case '{':
	case '[':
		if (t->depth < 64) {
			if (c == '[')
				t->arrays |= (uint64_t)1 << t->depth;
			else
				t->arrays &= ~((uint64_t)1 << t->depth);
		}
		t->depth++;
		return 0;
	case '}':
	case ']':
		if (t->depth == 0)
			return 0;	/* stray: the parser says so */
		return --t->depth == 0 && t->kind == TX_CONTAINER;
	default:
		return 0;
	}
}

/* What the scanner was waiting for when the text was cut short. */
static const char *
text_expected(const struct text *t)
{
	if (t->in_string)
		return ", inside a string (expected '\"')";
	if (t->depth == 0 || t->depth > 64)
		return "";
	if (t->arrays & ((uint64_t)1 << (t->depth - 1)))
		return ", inside an array (expected ',' or ']')";
	return ", inside an object (expected ',' or '}')";
}

/* Line and column of byte off of the text. */
static void
text_position(const struct text *t, size_t off, uint64_t *line, uint64_t *col)
{
	size_t i;

	*line = t->line;
	*col = t->col;
	for (i = 0; i < off && i < t->len; i++) {
		if (t->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

static const char *
text_what(const struct text *t)
{
	return t->element ? "Records element" : "JSON text";
}

/* Report a text json-c refused (or one with more after its value: jerr
 * success), with where and what was expected. */
static int
text_error(struct reader *r, size_t off, enum json_tokener_error jerr,
    const char *cut)
{
	const struct text *t = &r->t;
	uint64_t line, col;
	unsigned char c;
	char found[32] = "";

	text_position(t, off, &line, &col);
	if (jerr == json_tokener_error_parse_eof && cut != NULL)
		return skip(r, t->index, "line %" PRIu64 ", column %" PRIu64
		    ": truncated %s: unexpected end of %s%s", line, col,
		    text_what(t), cut, text_expected(t));
	if (jerr == json_tokener_error_depth)
		return skip(r, t->index, "line %" PRIu64 ", column %" PRIu64
		    ": %s nested more than %zu levels deep (max_depth)", line,
		    col, text_what(t), r->limits.max_depth);
	if (off < t->len) {
		c = (unsigned char)t->buf[off];
		if (c > 0x20 && c < 0x7f)
			snprintf(found, sizeof(found), " (found '%c')", c);
		else
			snprintf(found, sizeof(found), " (found byte 0x%02x)", c);
	}
	return skip(r, t->index, "line %" PRIu64 ", column %" PRIu64
	    ": invalid %s: %s%s", line, col, text_what(t),
	    jerr == json_tokener_success ? "unexpected data after the JSON "
	    "value" : json_tokener_error_desc(jerr), found);
}

/*
 * Parse the buffered text, which must hold one JSON value, and hand it to
 * the unwrapper.  cut says why the text ended early ("line", "input") or
 * is NULL.  *bad is set when the text was skipped.
 */
static int
text_finish(struct reader *r, const char *cut, int *bad)
{
	struct text *t = &r->t;
	enum json_tokener_error jerr;
	json_object *v;
	const char *nul;
	size_t end;

	*bad = 0;
	if (t->size > r->limits.max_record_bytes) {
		*bad = 1;
		return skip(r, t->index, "line %" PRIu64 ", column %" PRIu64
		    ": %s of %s%" PRIu64 " bytes is over the limit of %zu bytes "
		    "(max_record_bytes)", t->line, t->col, text_what(t),
		    cut != NULL ? "at least " : "", t->size,
		    r->limits.max_record_bytes);
	}
	if (t->len == 0)
		return 0;
	/* json-c would take a NUL for the end of its input. */
	if ((nul = memchr(t->buf, '\0', t->len)) != NULL) {
		*bad = 1;
		return text_error(r, (size_t)(nul - t->buf),
		    json_tokener_error_parse_unexpected, NULL);
	}
	t->buf[t->len] = '\0';
	json_tokener_reset(r->tok);
	/* The NUL goes in too: it is what ends a trailing number. */
	v = json_tokener_parse_ex(r->tok, t->buf, (int)t->len + 1);
	jerr = json_tokener_get_error(r->tok);
	end = json_tokener_get_parse_end(r->tok);
	if (jerr != json_tokener_success) {
		*bad = 1;
		return text_error(r, end, jerr, cut);
	}
	while (end < t->len && is_ws((unsigned char)t->buf[end]))
		end++;
	if (end < t->len) {
		json_object_put(v);
		*bad = 1;
		return text_error(r, end, json_tokener_success, cut);
	}
	return ce_doc_unwrap(v, r->origin, t->index, &r->limits, r->ops, r->arg,
	    r->err, r->errlen);
}

/* A top-level text ended; decide the document's form if still open. */
static int
end_text(struct reader *r, const char *cut)
{
	int bad, rc;

	rc = text_finish(r, cut, &bad);
	if (r->mode == MODE_AUTO)
		r->mode = MODE_LINES;
	/* Garbage between pretty-printed documents: one message, then look
	 * for the next line that opens a document. */
	if (bad && r->t.kind == TX_LINE && r->mode == MODE_MULTI)
		r->where = RESYNC;
	else
		r->where = AT_TOP;
	return rc;
}

static int in_array(struct reader *r, unsigned char c);
static int at_top(struct reader *r, unsigned char c);

/* The text opened with {"Records":[ : stream its elements from now on. */
static void
start_records(struct reader *r)
{
	r->where = IN_ARRAY;
	r->doc_line = r->t.line;
	r->nelem = 0;
	r->want_sep = 0;
	r->prefix = 0;
	r->t.len = 0;
}

static void
prefix_step(struct reader *r, unsigned char c)
{
	unsigned p = r->prefix;

	/* Whitespace may follow '{', the closing quote and ':'. */
	if (is_ws(c) && (p == 1 || p == 10 || p == 11))
		return;
	if (c != (unsigned char)records_prefix[p]) {
		r->prefix = 0;
		return;
	}
	if (++r->prefix == sizeof(records_prefix) - 1)
		start_records(r);
}

/*
 * The first text of a document runs past its first line: pretty-printed,
 * or an NDJSON line cut short?  JSON settles most cases: a string cannot
 * hold a raw newline, and inside an object, after anything but ':', the
 * next line cannot open with '{' (FIRST_PROBE: look at that byte).
 */
enum first_break { FIRST_MULTI, FIRST_CUT, FIRST_PROBE };

static enum first_break
first_line_break(const struct text *t)
{
	if (t->in_string)
		return FIRST_CUT;
	if (t->depth >= 1 && t->depth <= 64 && t->last != ':' &&
	    !(t->arrays & ((uint64_t)1 << (t->depth - 1))))
		return FIRST_PROBE;
	return FIRST_MULTI;
}

/* The first line was an NDJSON line cut short: report it, go on by line. */
static int
first_line_cut(struct reader *r)
{
	struct text *t = &r->t;

	/* Drop the newline kept when the probe began: the cut is before it. */
	if (r->probe) {
		if (t->size <= r->limits.max_record_bytes)
			t->len--;
		t->size--;
		r->probe = 0;
	}
	r->mode = MODE_LINES;
	return end_text(r, "line");
}

static int
in_text(struct reader *r, unsigned char c)
{
	int closed, rc;

	if (r->probe) {
		if (c == '{') {
			if ((rc = first_line_cut(r)) < 0)
				return rc;
			return at_top(r, c);
		}
		r->probe = 0;
		r->mode = MODE_MULTI;
	}
	if (c == '\n') {
		if (r->t.kind == TX_LINE)
			return end_text(r, NULL);
		if (r->mode == MODE_LINES)
			return end_text(r, "line");
		if (r->mode == MODE_AUTO) {
			switch (first_line_break(&r->t)) {
			case FIRST_CUT:
				return first_line_cut(r);
			case FIRST_PROBE:
				r->probe = 1;
				break;
			case FIRST_MULTI:
				r->mode = MODE_MULTI;
				break;
			}
		}
	} else if (!is_ws(c))
		r->t.last = c;
	if ((rc = text_put(r, c)) < 0)
		return rc;
	closed = text_track(&r->t, c);
	if (r->prefix != 0) {
		prefix_step(r, c);
		if (r->where != IN_TEXT)
			return 0;
	}
	return closed ? end_text(r, NULL) : 0;
}

static int
at_top(struct reader *r, unsigned char c)
{
	int rc;

	if (is_ws(c))
		return 0;
	r->where = IN_TEXT;
	if (c == '{' || c == '[') {
		text_begin(r, TX_CONTAINER, r->line);
		r->prefix = 0;
		rc = in_text(r, c);
		r->prefix = c == '{';
		return rc;
	}
	text_begin(r, TX_LINE, r->line);
	r->prefix = 0;
	return in_text(r, c);
}

static int
resync(struct reader *r, unsigned char c)
{
	if (r->col != 1 || (c != '{' && c != '['))
		return 0;
	r->where = AT_TOP;
	return at_top(r, c);
}

/* The log file ends before its Records array or its object closes. */
static int
records_cut(struct reader *r, const char *cut, const char *expected)
{
	char after[64];

	if (r->nelem == 0)
		snprintf(after, sizeof(after), "before any element");
	else
		snprintf(after, sizeof(after), "after element %" PRIu64,
		    r->nelem);
	r->where = AT_TOP;
	return skip(r, r->doc_line, "line %" PRIu64 ", column %" PRIu64
	    ": truncated CloudTrail log file: unexpected end of %s %s of "
	    "Records (expected %s)", r->line, r->col, cut, after, expected);
}

static int
element_end(struct reader *r, const char *cut)
{
	int bad;

	r->where = IN_ARRAY;
	return text_finish(r, cut, &bad);
}

static int
in_element(struct reader *r, unsigned char c)
{
	struct text *t = &r->t;
	int rc;

	if (t->kind == TX_SCALAR && !t->in_string && t->depth == 0 &&
	    (c == ',' || c == ']' || is_ws(c))) {
		if ((rc = element_end(r, NULL)) < 0)
			return rc;
		return in_array(r, c);
	}
	if (c == '\n') {
		if (r->mode == MODE_LINES) {
			rc = element_end(r, "line");
			r->where = AT_TOP;
			return rc;
		}
		r->mode = MODE_MULTI;
	}
	if ((rc = text_put(r, c)) < 0)
		return rc;
	if (text_track(t, c))
		return element_end(r, NULL);
	return 0;
}

static int
in_array(struct reader *r, unsigned char c)
{
	int rc;

	switch (c) {
	case '\n':
		if (r->mode == MODE_LINES)
			return records_cut(r, "line", "',' or ']'");
		r->mode = MODE_MULTI;
		return 0;
	case ' ':
	case '\t':
	case '\r':
		return 0;
	case ',':
		if (r->want_sep) {
			r->want_sep = 0;
			return 0;
		}
		return skip(r, r->nelem + 1, "line %" PRIu64 ", column %" PRIu64
		    ": invalid CloudTrail log file: unexpected ',' (expected an "
		    "element of Records)", r->line, r->col);
	case ']':
		r->where = IN_TAIL;
		r->tail_depth = 1;
		r->tail_string = 0;
		r->tail_escape = 0;
		return 0;
	}
	if (r->want_sep) {
		rc = skip(r, r->nelem, "line %" PRIu64 ", column %" PRIu64
		    ": invalid CloudTrail log file: expected ',' or ']' after "
		    "element %" PRIu64 " of Records", r->line, r->col, r->nelem);
		if (rc < 0)
			return rc;
	}
	r->nelem++;
	r->want_sep = 1;
	text_begin(r, c == '{' || c == '[' ? TX_CONTAINER : TX_SCALAR, r->nelem);
	r->where = IN_ELEMENT;
	return in_element(r, c);
}

/* After the Records array: the rest of the object is skipped unparsed. */
static int
in_tail(struct reader *r, unsigned char c)
{
	if (r->tail_string) {
		if (r->tail_escape)
			r->tail_escape = 0;
		else if (c == '\\')
			r->tail_escape = 1;
		else if (c == '"')
			r->tail_string = 0;
	} else if (c == '"')
		r->tail_string = 1;
	else if (c == '{' || c == '[')
		r->tail_depth++;
	else if ((c == '}' || c == ']') && --r->tail_depth == 0) {
		if (r->mode == MODE_AUTO)
			r->mode = MODE_LINES;
		r->where = AT_TOP;
		return 0;
	}
	if (c == '\n') {
		if (r->mode == MODE_LINES)
			return records_cut(r, "line", "'}'");
		r->mode = MODE_MULTI;
	}
	return 0;
}

static int
scan_byte(struct reader *r, unsigned char c)
{
	switch (r->where) {
	case AT_TOP:
		return at_top(r, c);
	case IN_TEXT:
		return in_text(r, c);
	case RESYNC:
		return resync(r, c);
	case IN_ARRAY:
		return in_array(r, c);
	case IN_ELEMENT:
		return in_element(r, c);
	case IN_TAIL:
		return in_tail(r, c);
	}
	return 0;
}

/* Length of the run of string content at p: no quote, escape or newline. */
static size_t
string_run(const unsigned char *p, size_t n)
{
	size_t k = 0;

	while (k < n && p[k] != '"' && p[k] != '\\' && p[k] != '\n')
		k++;
	return k;
}

static int
scan_bytes(struct reader *r, const unsigned char *p, size_t n)
{
	size_t i = 0, k;
	int rc;

	while (i < n) {
		/* Most bytes are string content: take them in one go (not
		 * while matching {"Records":[, which looks at every byte). */
		if ((r->where == IN_TEXT || r->where == IN_ELEMENT) &&
		    r->t.in_string && !r->t.escape && r->prefix == 0 &&
		    (k = string_run(p + i, n - i)) > 0) {
			if ((rc = text_append(r, p + i, k)) < 0)
				return rc;
			r->col += k;
			i += k;
			continue;
		}
		if ((rc = scan_byte(r, p[i])) < 0)
			return rc;
		if (p[i] == '\n') {
			r->line++;
			r->col = 1;
		} else
			r->col++;
		i++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The fast path: one line, one JSON text                              */
/* ------------------------------------------------------------------ */

/* Could the container at p open {"Records":[ (streamed element by element
 * by the scanner)?  Erring towards yes only costs the fast path. */
static int
maybe_records(const unsigned char *p, size_t n)
{
	size_t i = 1;

	while (i < n && is_ws(p[i]))
		i++;
	return n - i >= 9 && memcmp(p + i, "\"Records\"", 9) == 0;
}

/*
 * Parse a whole line (without its newline) that starts a text at column 1
 * in one call, without the byte-by-byte scan.  Taken only when the scan
 * would reach the same result: the line holds exactly one object or array
 * that json-c accepts, then only whitespace.  Anything else (bad JSON,
 * several texts, a text running on, a NUL, over the size limit, a log file
 * to stream) returns 0 and is scanned as before, so that every message
 * keeps its line and column.  Returns 1 when the line was handled, 0, or
 * a negative errno from the callbacks.
 */
static int
line_try(struct reader *r, const unsigned char *p, size_t n)
{
	json_object *v;
	size_t i = 0, end;
	int rc;

	while (i < n && is_ws(p[i]))
		i++;
	if (i == n)
		return 1;
	p += i;
	n -= i;
	if ((p[0] != '{' && p[0] != '[') || n > r->limits.max_record_bytes ||
	    n > INT_MAX || (p[0] == '{' && maybe_records(p, n)) ||
	    memchr(p, '\0', n) != NULL)
		return 0;
	json_tokener_reset(r->tok);
	v = json_tokener_parse_ex(r->tok, (const char *)p, (int)n);
	if (v == NULL || json_tokener_get_error(r->tok) != json_tokener_success)
		return 0;
	end = json_tokener_get_parse_end(r->tok);
	while (end < n && is_ws(p[end]))
		end++;
	if (end < n) {
		json_object_put(v);
		return 0;
	}
	if (r->mode == MODE_AUTO)
		r->mode = MODE_LINES;
	rc = ce_doc_unwrap(v, r->origin, r->line, &r->limits, r->ops, r->arg,
	    r->err, r->errlen);
	return rc < 0 ? rc : 1;
}

/* line_try(), then the line counts as scanned. */
static int
line_fast(struct reader *r, const unsigned char *p, size_t n)
{
	int rc;

	if ((rc = line_try(r, p, n)) <= 0)
		return rc;
	r->line++;
	r->col = 1;
	return 1;
}

static int
carry_add(struct reader *r, const unsigned char *p, size_t n)
{
	size_t ncap;
	unsigned char *nb;

	if (r->carry_len + n > r->carry_cap) {
		ncap = r->carry_cap != 0 ? r->carry_cap : 4096;
		while (ncap < r->carry_len + n)
			ncap *= 2;
		if ((nb = realloc(r->carry, ncap)) == NULL) {
			set_err(r->err, r->errlen, "%s: out of memory", r->origin);
			return -ENOMEM;
		}
		r->carry = nb;
		r->carry_cap = ncap;
	}
	memcpy(r->carry + r->carry_len, p, n);
	r->carry_len += n;
	return 0;
}

/* Scan the carried bytes the slow way. */
static int
carry_flush(struct reader *r)
{
	size_t n = r->carry_len;

	r->carry_len = 0;
	return n > 0 ? scan_bytes(r, r->carry, n) : 0;
}

/*
 * The chunk p continues the carried line.  Sets *used to the bytes of p
 * taken.  A line longer than a record may be is not worth carrying: it
 * goes to the scanner, which reports it.
 */
static int
carry_more(struct reader *r, const unsigned char *p, size_t n, size_t *used)
{
	const unsigned char *nl = memchr(p, '\n', n);
	size_t k = nl != NULL ? (size_t)(nl - p) + 1 : n;
	int rc;

	*used = 0;
	if (r->carry_len + k > r->limits.max_record_bytes + 2)
		return carry_flush(r);
	if ((rc = carry_add(r, p, k)) < 0)
		return rc;
	*used = k;
	if (nl == NULL)
		return 0;
	if ((rc = line_fast(r, r->carry, r->carry_len - 1)) != 0) {
		r->carry_len = 0;
		return rc < 0 ? rc : 0;
	}
	return carry_flush(r);
}

/*
 * Scan a chunk: a line that opens a text at column 1 and ends in the chunk
 * goes to line_fast(); a line cut by the end of the chunk is carried to the
 * next one; the rest goes byte by byte, one line at a time, so that the
 * next line gets its chance.
 */
static int
scan(struct reader *r, const unsigned char *p, size_t n)
{
	const unsigned char *nl;
	size_t i = 0, k;
	int rc;

	if (r->carry_len > 0) {
		if ((rc = carry_more(r, p, n, &i)) < 0)
			return rc;
	}
	while (i < n) {
		nl = memchr(p + i, '\n', n - i);
		k = nl != NULL ? (size_t)(nl - (p + i)) : n - i;
		if (r->where == AT_TOP && r->col == 1) {
			if (nl == NULL && k <= r->limits.max_record_bytes)
				return carry_add(r, p + i, k);
			if (nl != NULL && (rc = line_fast(r, p + i, k)) != 0) {
				if (rc < 0)
					return rc;
				i += k + 1;
				continue;
			}
		}
		if (nl != NULL)
			k++;
		if ((rc = scan_bytes(r, p + i, k)) < 0)
			return rc;
		i += k;
	}
	return 0;
}

/* The input ended: what was carried is a last line without a newline. */
static int
scan_end_carry(struct reader *r)
{
	int rc;

	if (r->carry_len == 0)
		return 0;
	if ((rc = line_try(r, r->carry, r->carry_len)) != 0) {
		r->col += r->carry_len;
		r->carry_len = 0;
		return rc < 0 ? rc : 0;
	}
	return carry_flush(r);
}

/* The input ended: finish or report whatever was open. */
static int
scan_end(struct reader *r)
{
	struct text *t = &r->t;
	int rc;

	if ((rc = scan_end_carry(r)) < 0)
		return rc;
	switch (r->where) {
	case AT_TOP:
	case RESYNC:
		return 0;
	case IN_TEXT:
		return end_text(r, t->kind == TX_LINE ? NULL : "input");
	case IN_ARRAY:
		return records_cut(r, "input", "',' or ']'");
	case IN_ELEMENT:
		if (t->kind != TX_SCALAR || t->in_string || t->depth != 0)
			return element_end(r, "input");
		if ((rc = element_end(r, NULL)) < 0)
			return rc;
		return records_cut(r, "input", "',' or ']'");
	case IN_TAIL:
		return records_cut(r, "input", "'}'");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The start of a document                                             */
/* ------------------------------------------------------------------ */

static const struct {
	const char	*magic;
	size_t		 len;
	const char	*name;
} other_formats[] = {
	{ "BZh", 3, "bzip2" },
	{ "\xfd" "7zXZ\0", 6, "xz" },
	{ "\x28\xb5\x2f\xfd", 4, "zstd" },
	{ "PK\x03\x04", 4, "zip" },
};

/*
 * JSON never holds raw control characters, so a NUL in the first RD_SNIFF
 * bytes, or any control character on the first line, means this is not
 * text: one message instead of one per "line" of binary data.
 */
static int
sniff_binary(struct reader *r, const unsigned char *p, size_t n)
{
	uint64_t line = 1, col = 1;
	size_t i;
	int first_line = 1, rc;

	for (i = 0; i < sizeof(other_formats) / sizeof(other_formats[0]); i++) {
		if (n < other_formats[i].len ||
		    memcmp(p, other_formats[i].magic, other_formats[i].len) != 0)
			continue;
		rc = skip(r, 1, "%s compressed data is not supported: expected "
		    "JSON text or gzip", other_formats[i].name);
		return rc < 0 ? rc : 1;
	}
	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			first_line = 0;
			line++;
			col = 1;
			continue;
		}
		if (p[i] == 0 || (first_line && p[i] < 0x20 && p[i] != '\t' &&
		    p[i] != '\r')) {
			rc = skip(r, line, "line %" PRIu64 ", column %" PRIu64
			    ": binary data (byte 0x%02x): expected JSON text",
			    line, col, p[i]);
			return rc < 0 ? rc : 1;
		}
		col++;
	}
	return 0;
}

/*
 * Fill buf with the first RD_SNIFF bytes (fewer at the end), so that the
 * BOM and binary checks see enough at once.
 */
static ssize_t
read_first(struct source *src, unsigned char *buf)
{
	size_t have = 0;
	ssize_t n;

	while (have < RD_SNIFF) {
		n = source_read(src, buf + have, RD_CHUNK - have);
		if (n < 0 && have > 0) {
			/* Report it after what came before it. */
			src->pending = (int)n;
			if (src->err != NULL && src->errlen > 0) {
				snprintf(src->pending_msg, sizeof(src->pending_msg),
				    "%s", src->err);
				src->err[0] = '\0';
			}
			break;
		}
		if (n < 0)
			return n;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

static int
read_all(struct reader *r, struct source *src, unsigned char *buf)
{
	ssize_t n;
	size_t off = 0;
	int rc;

	if ((rc = source_open(src)) < 0)
		return rc;
	if ((n = read_first(src, buf)) < 0)
		return (int)n;
	if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	if ((rc = sniff_binary(r, buf + off, (size_t)n - off < RD_SNIFF ?
	    (size_t)n - off : RD_SNIFF)) != 0)
		return rc > 0 ? 0 : rc;
	while (n > 0) {
		if ((rc = scan(r, buf + off, (size_t)n - off)) < 0)
			return rc;
		off = 0;
		if ((n = source_read(src, buf, RD_CHUNK)) < 0) {
			/* The bytes before the error count as scanned. */
			if ((rc = carry_flush(r)) < 0)
				return rc;
			return (int)n;
		}
	}
	return scan_end(r);
}

int
ce_doc_read(struct ce_stream *s, const char *origin, unsigned flags,
    const struct ce_doc_limits *limits, const struct ce_doc_ops *ops,
    void *arg, char *err, size_t errlen)
{
	struct reader r;
	struct source src;
	unsigned char *buf = NULL;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (origin == NULL)
		origin = "(document)";
	memset(&r, 0, sizeof(r));
	memset(&src, 0, sizeof(src));
	if (s == NULL || s->read == NULL || ops == NULL) {
		set_err(err, errlen, "%s: no stream to read", origin);
		return -EINVAL;
	}
	ce_doc_limits_normalise(&r.limits, limits);
	r.origin = origin;
	r.ops = ops;
	r.arg = arg;
	r.err = err;
	r.errlen = errlen;
	r.mode = flags & CE_DOC_LINES ? MODE_LINES : MODE_AUTO;
	r.where = AT_TOP;
	r.line = 1;
	r.col = 1;
	src.s = s;
	src.origin = origin;
	src.max_ratio = r.limits.max_gzip_ratio;
	src.err = err;
	src.errlen = errlen;
	rc = -ENOMEM;
	if ((buf = malloc(RD_CHUNK)) == NULL ||
	    (src.raw = malloc(RD_CHUNK)) == NULL ||
	    (r.tok = json_tokener_new_ex((int)r.limits.max_depth)) == NULL) {
		set_err(err, errlen, "%s: out of memory", origin);
		goto fail;
	}
	/* No JSON_TOKENER_VALIDATE_UTF8: a value that is not UTF-8 (an API
	 * caller chose it) must still flatten, match and alert; every JSON
	 * writer downstream shows such bytes as U+FFFD. */
	json_tokener_set_flags(r.tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	rc = read_all(&r, &src, buf);
	if (rc < 0 && err != NULL && errlen > 0 && err[0] == '\0')
		set_err(err, errlen, "%s: reading stopped at line %" PRIu64
		    ": %s", origin, r.line, strerror(-rc));
fail:
	if (r.tok != NULL)
		json_tokener_free(r.tok);
	source_close(&src);
	free(src.raw);
	free(r.t.buf);
	free(r.carry);
	free(buf);
	return rc;
}

/*
 * out_stdout.c - the `stdout` output: one JSON line per alert on standard
 * output.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloudengine/plugin.h"

enum out_stdout_event {
	OUT_STDOUT_FLAT = 0,	/* the flattened map, as the rules see it */
	OUT_STDOUT_RECORD,	/* the CloudTrail record as received */
	OUT_STDOUT_NONE
};

/* The record members copied to the top of every line, in this order. */
static const char *const out_stdout_fields[] = {
	"eventID", "eventSource", "eventName", "eventTime", "awsRegion",
	"recipientAccountId"
};
#define OUT_STDOUT_NFIELDS \
	(sizeof(out_stdout_fields) / sizeof(out_stdout_fields[0]))

/* A growable line.  After a failed allocation oom stays set and appends
 * do nothing, so the caller checks once at the end. */
struct out_stdout_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

struct out_stdout_conf {
	int	event;
};

struct out_stdout {
	ce_instance		*self;
	const struct ce_host	*host;
	struct out_stdout_conf	 conf;
	ce_path			*fields[OUT_STDOUT_NFIELDS];
	ce_metric		*m_lines;
	ce_metric		*m_errors;
	int			 fd;
	pthread_mutex_t		 lock;		/* over line and the write */
	struct out_stdout_buf	 line;
};

static const char *const out_stdout_event_choices[] = {
	"flat", "record", "none", NULL
};

static const struct ce_option out_stdout_options[] = {
	{ CE_OPTION_HEADER, .name = "event", .type = CE_OPT_ENUM,
	  .def = "flat", .offset = offsetof(struct out_stdout_conf, event),
	  .choices = out_stdout_event_choices,
	  .help = "how the event is shown: flat (flattened map), record "
	  "(JSON as received) or none" },
	CE_OPTIONS_END
};

static void
out_stdout_append(struct out_stdout_buf *b, const void *p, size_t n)
{
	size_t cap;
	char *grown;

	if (b->oom)
		return;
	if (b->cap - b->len < n) {
		cap = b->cap ? b->cap : 1024;
		while (cap - b->len < n)
			cap *= 2;
		if ((grown = realloc(b->data, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
out_stdout_puts(struct out_stdout_buf *b, const char *s)
{
	out_stdout_append(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when
 * the bytes there are not one (overlong, surrogate, beyond U+10FFFF,
 * truncated). */
static size_t
out_stdout_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* The second byte's range excludes overlongs and surrogates. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Non-zero for U+2028 and U+2029: valid JSON, but they end lines in
 * JavaScript, so they are escaped too. */
static int
out_stdout_is_lsep(const unsigned char *s, size_t ulen)
{
	return ulen == 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0xa8 || s[2] == 0xa9);
}

/* Escape the character at s (ulen bytes of valid UTF-8, or 0 for an
 * invalid byte); returns the number of bytes consumed. */
static size_t
out_stdout_escape(struct out_stdout_buf *b, const unsigned char *s,
    size_t ulen)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0' };

	switch (s[0]) {
	case '"':
		out_stdout_puts(b, "\\\"");
		return 1;
	case '\\':
		out_stdout_puts(b, "\\\\");
		return 1;
	case '\n':
		out_stdout_puts(b, "\\n");
		return 1;
	case '\r':
		out_stdout_puts(b, "\\r");
		return 1;
	case '\t':
		out_stdout_puts(b, "\\t");
		return 1;
	}
	if (s[0] < 0x20) {
		esc[4] = hex[s[0] >> 4];
		esc[5] = hex[s[0] & 0xf];
		out_stdout_append(b, esc, sizeof(esc));
		return 1;
	}
	if (ulen == 3) {
		out_stdout_puts(b, s[2] == 0xa8 ? "\\u2028" : "\\u2029");
		return 3;
	}
	out_stdout_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
	return 1;
}

/*
 * s[0..n) as a JSON string literal.  '/' stays as is; quotes, backslashes
 * and control characters are escaped; each invalid UTF-8 byte becomes
 * U+FFFD, so the line is always valid UTF-8.
 */
static void
out_stdout_string(struct out_stdout_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0, ulen;

	out_stdout_puts(b, "\"");
	while (i < n) {
		ulen = 0;
		if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' &&
		    s[i] != '\\') {
			i++;
			continue;
		}
		if (s[i] >= 0x80) {
			ulen = out_stdout_utf8_len(s + i, n - i);
			if (ulen > 0 && !out_stdout_is_lsep(s + i, ulen)) {
				i += ulen;
				continue;
			}
		}
		out_stdout_append(b, s + start, i - start);
		i += out_stdout_escape(b, s + i, ulen);
		start = i;
	}
	out_stdout_append(b, s + start, i - start);
	out_stdout_puts(b, "\"");
}

static void
out_stdout_cstring(struct out_stdout_buf *b, const char *s)
{
	out_stdout_string(b, s, strlen(s));
}

/* ,"name": */
static void
out_stdout_key(struct out_stdout_buf *b, const char *name)
{
	out_stdout_puts(b, ",");
	out_stdout_cstring(b, name);
	out_stdout_puts(b, ":");
}

/* A value of the event as JSON; a missing member is null. */
static void
out_stdout_value(struct out_stdout_buf *b, const struct ce_value *v)
{
	switch (v->type) {
	case CE_VALUE_STRING:
		out_stdout_string(b, v->str, v->len);
		break;
	case CE_VALUE_INTEGER:
	case CE_VALUE_DECIMAL:
		out_stdout_append(b, v->str, v->len);
		break;
	case CE_VALUE_BOOLEAN:
		out_stdout_puts(b, v->boolean ? "true" : "false");
		break;
	case CE_VALUE_EMPTY_OBJECT:
		out_stdout_puts(b, "{}");
		break;
	case CE_VALUE_EMPTY_ARRAY:
		out_stdout_puts(b, "[]");
		break;
	default:
		out_stdout_puts(b, "null");
		break;
	}
}

static void
out_stdout_tags(struct out_stdout_buf *b, const struct ce_alert *alert)
{
	size_t i;

	out_stdout_key(b, "tags");
	out_stdout_puts(b, "[");
	for (i = 0; i < alert->ntags; i++) {
		if (i > 0)
			out_stdout_puts(b, ",");
		out_stdout_cstring(b, alert->tags[i]);
	}
	out_stdout_puts(b, "]");
}

static void
out_stdout_event(struct out_stdout *o, const ce_event *ev)
{
	const char *json;
	size_t len = 0;

	if (o->conf.event == OUT_STDOUT_NONE)
		return;
	if (o->conf.event == OUT_STDOUT_RECORD)
		json = o->host->event_json(ev, &len);
	else
		json = o->host->event_flat_json(ev, &len);
	out_stdout_key(&o->line, "event");
	if (json != NULL)
		out_stdout_append(&o->line, json, len);
	else
		out_stdout_puts(&o->line, "null");
}

/* The whole line for one alert, newline included, into o->line. */
static void
out_stdout_format(struct out_stdout *o, const struct ce_alert *alert)
{
	struct out_stdout_buf *b = &o->line;
	struct ce_value v;
	const char *origin;
	uint64_t index = 0;
	char num[32];
	size_t i;

	b->len = 0;
	b->oom = 0;
	out_stdout_puts(b, "{\"rule\":");
	out_stdout_cstring(b, alert->rule);
	out_stdout_key(b, "severity");
	out_stdout_cstring(b, alert->severity);
	out_stdout_key(b, "key");
	out_stdout_cstring(b, alert->key);
	out_stdout_key(b, "output");
	out_stdout_cstring(b, alert->called_as);
	out_stdout_key(b, "summary");
	out_stdout_cstring(b, alert->summary != NULL ? alert->summary : "");
	for (i = 0; i < OUT_STDOUT_NFIELDS; i++) {
		v = (struct ce_value){ .size = sizeof(v) };
		o->host->event_get(alert->event, o->fields[i], &v);
		out_stdout_key(b, out_stdout_fields[i]);
		out_stdout_value(b, &v);
	}
	if (alert->description != NULL) {
		out_stdout_key(b, "description");
		out_stdout_cstring(b, alert->description);
	}
	if (alert->runbook != NULL) {
		out_stdout_key(b, "runbook");
		out_stdout_cstring(b, alert->runbook);
	}
	if (alert->ntags > 0)
		out_stdout_tags(b, alert);
	if ((origin = o->host->event_origin(alert->event, &index)) != NULL) {
		out_stdout_key(b, "origin");
		out_stdout_cstring(b, origin);
		snprintf(num, sizeof(num), "%" PRIu64, index);
		out_stdout_key(b, "index");
		out_stdout_puts(b, num);
	}
	out_stdout_event(o, alert->event);
	out_stdout_puts(b, "}\n");
}

/* Conditions that may go away by themselves: the host retries later. */
static int
out_stdout_transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == ENOBUFS || err == ENOMEM || err == ENOSPC;
}

/* How long a line that is partly written waits for a non-blocking
 * standard output to drain before it is given up. */
#define OUT_STDOUT_DRAIN_MS	30000

/*
 * Write the line whole.  Once part of it is out, finish it even on a
 * non-blocking descriptor (waiting for it to drain) rather than leave
 * half a line for a retry to duplicate.  Returns 0 or -errno.
 */
static int
out_stdout_write(int fd, const char *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t w;
	int ready;

	while (off < n) {
		w = write(fd, p + off, n - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && off > 0 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			ready = poll(&pfd, 1, OUT_STDOUT_DRAIN_MS);
			if (ready > 0 || (ready < 0 && errno == EINTR))
				continue;
			return -ETIMEDOUT;
		}
		return w < 0 ? -errno : -EIO;
	}
	return 0;
}

static void
out_stdout_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	struct out_stdout *o = state;
	enum ce_delivery_status status = CE_DELIVERY_OK;
	char reason[128];
	int rc;

	pthread_mutex_lock(&o->lock);
	out_stdout_format(o, alert);
	if (o->line.oom)
		rc = -ENOMEM;
	else
		rc = out_stdout_write(o->fd, o->line.data, o->line.len);
	pthread_mutex_unlock(&o->lock);

	if (rc < 0) {
		status = out_stdout_transient(-rc) ? CE_DELIVERY_RETRY :
		    CE_DELIVERY_FAIL;
		snprintf(reason, sizeof(reason), "cannot write to standard "
		    "output: %s", strerror(-rc));
		if (o->m_errors != NULL)
			o->host->metric_add(o->m_errors, 1);
	} else if (o->m_lines != NULL) {
		o->host->metric_add(o->m_lines, 1);
	}
	o->host->complete(d, status, 0, rc < 0 ? reason : NULL);
}

static void
out_stdout_free(struct out_stdout *o)
{
	size_t i;

	for (i = 0; i < OUT_STDOUT_NFIELDS; i++)
		if (o->fields[i] != NULL)
			o->host->path_free(o->fields[i]);
	pthread_mutex_destroy(&o->lock);
	free(o->line.data);
	free(o);
}

static int
out_stdout_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct out_stdout *o;
	char err[128] = "";
	size_t i;
	int rc;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	o->self = self;
	o->host = host;
	o->fd = STDOUT_FILENO;
	if ((rc = pthread_mutex_init(&o->lock, NULL)) != 0) {
		CE_ERROR(host, self, "cannot create a mutex: %s", strerror(rc));
		free(o);
		return -rc;
	}
	if ((rc = host->conf_apply(self, &o->conf)) < 0)
		goto fail;
	for (i = 0; i < OUT_STDOUT_NFIELDS; i++) {
		o->fields[i] = host->path_compile(out_stdout_fields[i],
		    strlen(out_stdout_fields[i]), err, sizeof(err));
		if (o->fields[i] == NULL) {
			CE_ERROR(host, self, "%s: %s", out_stdout_fields[i],
			    err);
			rc = -EINVAL;
			goto fail;
		}
	}
	o->m_lines = host->metric_new(self, "lines", "alerts written");
	o->m_errors = host->metric_new(self, "errors",
	    "alerts that could not be written");
	*state = o;
	return 0;
fail:
	out_stdout_free(o);
	return rc;
}

static void
out_stdout_destroy(void *state)
{
	out_stdout_free(state);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "stdout",
	.version = "1.0.0",
	.description = "write each alert as one JSON line on standard output",
	.options = out_stdout_options,
	.init = out_stdout_init,
	.destroy = out_stdout_destroy,
	.deliver = out_stdout_deliver,
};

/*
 * webhook.c - the `webhook` output: POSTs each alert to an HTTP(S)
 * webhook, as generic JSON, as a Slack or a Microsoft Teams message, or
 * as a payload template of your own.
 *
 * An example of an out-of-tree cloudengine plugin: it includes only
 * <cloudengine/plugin.h>, links libcurl itself, and is built with
 * `pkg-config --cflags cloudengine` (see Makefile and README.md).
 */
#define _POSIX_C_SOURCE 200809L	/* strdup, clock_gettime, strncasecmp */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cloudengine/plugin.h>
#include <curl/curl.h>

#define WH_VERSION		"1.0.0"
#define WH_TEMPLATE_MAX		(1024 * 1024)	/* template_file size limit */
#define WH_ANSWER_MAX		512		/* answer bytes kept for reasons */

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

enum wh_format { WH_GENERIC = 0, WH_SLACK, WH_TEAMS };

struct wh_conf {
	const char		*url;
	int			 format;
	const char		*template;
	const char		*template_file;
	const char		*content_type;
	struct ce_strlist	 headers;
	const char		*bearer_token;
	const char		*key_header;
	int64_t			 timeout_ms;
	int64_t			 connect_timeout_ms;
	const char		*ca_file;
};

static const char *const wh_formats[] = { "generic", "slack", "teams", NULL };

static const struct ce_option wh_options[] = {
	{ CE_OPTION_HEADER, .name = "url", .type = CE_OPT_SECRET,
	  .flags = CE_OPT_REQUIRED, .offset = offsetof(struct wh_conf, url),
	  .help = "where to POST (https://...); secret: Slack and Teams "
	  "webhook URLs are credentials" },
	{ CE_OPTION_HEADER, .name = "format", .type = CE_OPT_ENUM,
	  .def = "generic", .choices = wh_formats,
	  .offset = offsetof(struct wh_conf, format),
	  .help = "built-in payload: generic JSON, Slack message or Teams "
	  "Adaptive Card" },
	{ CE_OPTION_HEADER, .name = "template", .type = CE_OPT_STRING,
	  .offset = offsetof(struct wh_conf, template),
	  .help = "payload template with {{placeholders}}, instead of the "
	  "format's" },
	{ CE_OPTION_HEADER, .name = "template_file", .type = CE_OPT_STRING,
	  .flags = CE_OPT_PATH,
	  .offset = offsetof(struct wh_conf, template_file),
	  .help = "file holding the payload template (instead of template)" },
	{ CE_OPTION_HEADER, .name = "content_type", .type = CE_OPT_STRING,
	  .def = "application/json",
	  .offset = offsetof(struct wh_conf, content_type),
	  .help = "Content-Type of the payload" },
	{ CE_OPTION_HEADER, .name = "headers", .type = CE_OPT_STRING_LIST,
	  .offset = offsetof(struct wh_conf, headers),
	  .help = "more request headers, each \"Name: value\"" },
	{ CE_OPTION_HEADER, .name = "bearer_token", .type = CE_OPT_SECRET,
	  .offset = offsetof(struct wh_conf, bearer_token),
	  .help = "sent as \"Authorization: Bearer TOKEN\"" },
	{ CE_OPTION_HEADER, .name = "key_header", .type = CE_OPT_STRING,
	  .def = "Idempotency-Key",
	  .offset = offsetof(struct wh_conf, key_header),
	  .help = "header carrying the alert's idempotency key; \"\" for none" },
	{ CE_OPTION_HEADER, .name = "timeout_ms", .type = CE_OPT_INTEGER,
	  .def = "10000", .min = 100, .max = 300000,
	  .offset = offsetof(struct wh_conf, timeout_ms),
	  .help = "longest a request may take, in milliseconds" },
	{ CE_OPTION_HEADER, .name = "connect_timeout_ms",
	  .type = CE_OPT_INTEGER, .def = "5000", .min = 100, .max = 60000,
	  .offset = offsetof(struct wh_conf, connect_timeout_ms),
	  .help = "longest the connection may take, in milliseconds" },
	{ CE_OPTION_HEADER, .name = "ca_file", .type = CE_OPT_STRING,
	  .flags = CE_OPT_PATH, .offset = offsetof(struct wh_conf, ca_file),
	  .help = "CA certificates (PEM) to trust instead of the system's" },
	CE_OPTIONS_END
};

/*
 * The built-in payloads.  Each is JSON with placeholders; "\\n" is a JSON
 * escape inside the payload, not a newline of the template.
 */
static const char wh_generic[] =
	"{\"rule\":\"{{rule}}\",\"severity\":\"{{severity}}\","
	"\"summary\":\"{{summary}}\",\"description\":\"{{description}}\","
	"\"runbook\":\"{{runbook}}\",\"tags\":{{{tags_json}}},"
	"\"key\":\"{{key}}\",\"origin\":\"{{origin}}\",\"index\":{{index}},"
	"\"attempt\":{{attempt}},\"event\":{{{event}}}}";

/* Slack incoming webhook: text, plus a coloured attachment. */
static const char wh_slack[] =
	"{\"text\":\"*[{{severity}}] {{rule}}*\\n{{summary}}\","
	"\"attachments\":[{\"color\":\"{{color}}\","
	"\"text\":\"{{description}}\\n{{runbook}}\","
	"\"footer\":\"cloudengine {{key}}\"}]}";

/* Teams incoming webhook or Workflows: a message with an Adaptive Card. */
static const char wh_teams[] =
	"{\"type\":\"message\",\"attachments\":[{"
	"\"contentType\":\"application/vnd.microsoft.card.adaptive\","
	"\"contentUrl\":null,\"content\":{"
	"\"$schema\":\"http://adaptivecards.io/schemas/adaptive-card.json\","
	"\"type\":\"AdaptiveCard\",\"version\":\"1.2\",\"body\":["
	"{\"type\":\"TextBlock\",\"size\":\"Medium\",\"weight\":\"Bolder\","
	"\"wrap\":true,\"text\":\"[{{severity}}] {{rule}}\"},"
	"{\"type\":\"TextBlock\",\"wrap\":true,\"text\":\"{{summary}}\"},"
	"{\"type\":\"TextBlock\",\"wrap\":true,\"isSubtle\":true,"
	"\"text\":\"{{description}}\"},"
	"{\"type\":\"FactSet\",\"facts\":["
	"{\"title\":\"Runbook\",\"value\":\"{{runbook}}\"},"
	"{\"title\":\"Key\",\"value\":\"{{key}}\"}]}]}}]}";

/* ------------------------------------------------------------------ */
/* Buffers and JSON escaping                                           */
/* ------------------------------------------------------------------ */

/* A growable byte string.  After a failed allocation oom stays set and
 * appends do nothing, so callers check once at the end. */
struct wh_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

static void
wh_put(struct wh_buf *b, const void *p, size_t n)
{
	size_t cap;
	char *grown;

	if (b->oom || n == 0)
		return;
	if (b->cap - b->len <= n) {
		cap = b->cap ? b->cap : 256;
		while (cap - b->len <= n)
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
	b->data[b->len] = '\0';		/* always a C string too */
}

static void
wh_puts(struct wh_buf *b, const char *s)
{
	wh_put(b, s, strlen(s));
}

static void
wh_reset(struct wh_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Length of the valid UTF-8 sequence starting s (n bytes left), else 0. */
static size_t
wh_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

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
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
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

/*
 * s[0, n) as the inside of a JSON string: quotes, backslashes and control
 * characters escaped, each invalid UTF-8 byte replaced by U+FFFD, so the
 * payload stays valid JSON whatever the record held.
 */
static void
wh_json(struct wh_buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	char esc[7] = "\\u00";
	size_t i = 0, run = 0, u;

	while (i < n) {
		if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0x80 && (u = wh_utf8_len(s + i, n - i)) > 0) {
			i += u;
			continue;
		}
		wh_put(b, s + run, i - run);
		if (s[i] == '"' || s[i] == '\\') {
			wh_put(b, "\\", 1);
			wh_put(b, s + i, 1);
		} else if (s[i] == '\n') {
			wh_puts(b, "\\n");
		} else if (s[i] < 0x20) {
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 0xf];
			wh_put(b, esc, 6);
		} else {
			wh_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
		}
		run = ++i;
	}
	wh_put(b, s + run, i - run);
}

/* ------------------------------------------------------------------ */
/* Templates                                                           */
/* ------------------------------------------------------------------ */

enum wh_field {
	WH_TEXT = 0,	/* literal bytes of the template */
	WH_RULE, WH_SEVERITY, WH_DESCRIPTION, WH_RUNBOOK, WH_SUMMARY, WH_KEY,
	WH_CALLED_AS, WH_TAGS, WH_TAGS_JSON, WH_COLOR, WH_ORIGIN, WH_INDEX,
	WH_ATTEMPT, WH_EVENT, WH_FLAT, WH_FIELD
};

static const struct {
	const char	*name;
	enum wh_field	 field;
} wh_names[] = {
	{ "rule", WH_RULE }, { "severity", WH_SEVERITY },
	{ "description", WH_DESCRIPTION }, { "runbook", WH_RUNBOOK },
	{ "summary", WH_SUMMARY }, { "key", WH_KEY },
	{ "called_as", WH_CALLED_AS }, { "tags", WH_TAGS },
	{ "tags_json", WH_TAGS_JSON }, { "color", WH_COLOR },
	{ "origin", WH_ORIGIN }, { "index", WH_INDEX },
	{ "attempt", WH_ATTEMPT }, { "event", WH_EVENT }, { "flat", WH_FLAT },
};
#define WH_NNAMES	(sizeof(wh_names) / sizeof(wh_names[0]))
#define WH_NAME_LIST	"rule, severity, description, runbook, summary, " \
			"key, called_as, tags, tags_json, color, origin, " \
			"index, attempt, event, flat or field:KEY"

/* One piece of a compiled template. */
struct wh_part {
	enum wh_field	 field;
	int		 raw;		/* {{{name}}}: inserted unescaped */
	const char	*text;		/* WH_TEXT: into the template's source */
	size_t		 len;
	ce_path		*path;		/* WH_FIELD: the compiled key */
};

struct wh_template {
	char		*src;		/* owned copy; parts point into it */
	struct wh_part	*parts;
	size_t		 nparts;
};

/* Where a template came from, for located errors. */
struct wh_where {
	ce_instance		*self;
	const struct ce_host	*host;
	const char		*file;		/* template_file, or a label */
	const char		*src;
};

static void wh_error_at(const struct wh_where *w, const char *at,
    const char *fmt, ...) CE_PRINTF(3, 4);

/* Report a template error at byte at of the source, as FILE:LINE:COL. */
static void
wh_error_at(const struct wh_where *w, const char *at, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	const char *p;
	char msg[512];
	va_list ap;

	for (p = w->src; p < at; p++) {
		col = *p == '\n' ? 1 : col + 1;
		line += *p == '\n';
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->host->diag(w->self, CE_LOG_ERROR, w->file, line, col, "%s", msg);
}

static struct wh_part *
wh_add_part(struct wh_template *t)
{
	struct wh_part *parts;

	parts = realloc(t->parts, (t->nparts + 1) * sizeof(*parts));
	if (parts == NULL)
		return NULL;
	t->parts = parts;
	memset(&parts[t->nparts], 0, sizeof(parts[0]));
	return &parts[t->nparts++];
}

/* Fill part from the placeholder name[0, len), found at at. */
static int
wh_placeholder(const struct wh_where *w, struct wh_part *part,
    const char *name, size_t len, const char *at)
{
	char err[256];
	size_t i;

	while (len > 0 && (*name == ' ' || *name == '\t')) {
		name++;
		len--;
	}
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	if (len > 6 && strncmp(name, "field:", 6) == 0) {
		part->field = WH_FIELD;
		part->path = w->host->path_compile(name + 6, len - 6, err,
		    sizeof(err));
		if (part->path == NULL) {
			wh_error_at(w, at, "bad key in '%.*s': %s", (int)len,
			    name, err);
			return -EINVAL;
		}
		return 0;
	}
	for (i = 0; i < WH_NNAMES; i++) {
		if (strlen(wh_names[i].name) == len &&
		    memcmp(wh_names[i].name, name, len) == 0) {
			part->field = wh_names[i].field;
			return 0;
		}
	}
	wh_error_at(w, at, "unknown placeholder '{{%.*s}}': expected "
	    WH_NAME_LIST, (int)len, name);
	return -EINVAL;
}

static void
wh_template_free(const struct ce_host *host, struct wh_template *t)
{
	size_t i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].path != NULL)
			host->path_free(t->parts[i].path);
	free(t->parts);
	free(t->src);
	memset(t, 0, sizeof(*t));
}

/*
 * Compile src: text, "{{name}}" (inserted JSON-escaped) and
 * "{{{name}}}" (inserted as is).  Every error is reported with its
 * line and column; returns 0 or a negative errno.
 */
static int
wh_template_compile(struct wh_where *w, const char *src,
    struct wh_template *t)
{
	const char *p, *start, *end;
	struct wh_part *part;
	int rc = 0, raw;

	memset(t, 0, sizeof(*t));
	if ((t->src = strdup(src)) == NULL)
		return -ENOMEM;
	w->src = t->src;
	for (p = t->src; *p != '\0'; p = end) {
		start = strstr(p, "{{");
		if (start != p) {
			if ((part = wh_add_part(t)) == NULL)
				goto oom;
			part->text = p;
			part->len = start != NULL ? (size_t)(start - p) : strlen(p);
		}
		if (start == NULL)
			break;
		raw = start[2] == '{';
		end = strstr(start, raw ? "}}}" : "}}");
		if (end == NULL) {
			wh_error_at(w, start, "placeholder is not closed: "
			    "expected '%s'", raw ? "}}}" : "}}");
			rc = -EINVAL;
			break;
		}
		if ((part = wh_add_part(t)) == NULL)
			goto oom;
		part->raw = raw;
		if (wh_placeholder(w, part, start + 2 + raw,
		    (size_t)(end - start - 2 - raw), start) < 0)
			rc = -EINVAL;
		end += 2 + raw;
	}
	if (rc == 0)
		return 0;
	goto fail;
oom:
	rc = -ENOMEM;
fail:
	wh_template_free(w->host, t);
	return rc;
}

/* The whole of a template file, NUL-terminated, malloc'd. */
static char *
wh_read_file(const char *path, char *err, size_t errlen)
{
	struct wh_buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 &&
	    b.len <= WH_TEMPLATE_MAX)
		wh_put(&b, chunk, n);
	if (ferror(fp) || b.oom || b.len > WH_TEMPLATE_MAX) {
		snprintf(err, errlen, "%s", ferror(fp) ? strerror(errno) :
		    b.oom ? "out of memory" : "larger than 1 MiB");
		free(b.data);
		b.data = NULL;
	} else if (b.data == NULL) {
		b.data = strdup("");
	}
	fclose(fp);
	return b.data;
}

/* ------------------------------------------------------------------ */
/* The instance                                                        */
/* ------------------------------------------------------------------ */

struct webhook {
	ce_instance		*self;
	const struct ce_host	*host;
	struct wh_conf		 conf;
	struct wh_template	 tpl;
	CURL			*curl;
	int			 curl_global;	/* curl_global_init() done */
	struct wh_buf		 body;		/* the payload being sent */
	struct wh_buf		 scratch;	/* one placeholder's value */
	struct wh_buf		 answer;	/* first bytes of the answer */
	char			 retry_after[64];
	char			 errbuf[CURL_ERROR_SIZE];
	ce_metric		*m_sent;
	ce_metric		*m_retried;
	ce_metric		*m_failed;
};

static const char *
wh_color(const char *severity)
{
	static const struct {
		const char	*severity;
		const char	*color;
	} colors[] = {
		{ "critical", "#b71c1c" }, { "high", "#e65100" },
		{ "medium", "#f9a825" }, { "low", "#1565c0" },
	};
	size_t i;

	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (strcmp(severity, colors[i].severity) == 0)
			return colors[i].color;
	return "#757575";
}

/* A field of the record, as text: strings as they are, numbers as
 * written, booleans as true/false, anything else as nothing. */
static void
wh_field_text(const struct webhook *w, const ce_event *ev, const ce_path *path,
    struct wh_buf *out)
{
	struct ce_value v = { .size = sizeof(v) };

	switch (w->host->event_get(ev, path, &v)) {
	case CE_VALUE_STRING:
	case CE_VALUE_INTEGER:
	case CE_VALUE_DECIMAL:
		wh_put(out, v.str, v.len);
		break;
	case CE_VALUE_BOOLEAN:
		wh_puts(out, v.boolean ? "true" : "false");
		break;
	default:
		break;
	}
}

/* The value of one placeholder for alert a, into w->scratch. */
static void
wh_value(struct webhook *w, const struct wh_part *part,
    const struct ce_alert *a)
{
	struct wh_buf *s = &w->scratch;
	const char *text = NULL;
	uint64_t index = 0;
	char num[32];
	size_t i, len;

	wh_reset(s);
	switch (part->field) {
	case WH_RULE:		text = a->rule; break;
	case WH_SEVERITY:	text = a->severity; break;
	case WH_DESCRIPTION:	text = a->description; break;
	case WH_RUNBOOK:	text = a->runbook; break;
	case WH_SUMMARY:	text = a->summary; break;
	case WH_KEY:		text = a->key; break;
	case WH_CALLED_AS:	text = a->called_as; break;
	case WH_COLOR:		text = wh_color(a->severity); break;
	case WH_ORIGIN:
		text = w->host->event_origin(a->event, NULL);
		break;
	case WH_INDEX:
		w->host->event_origin(a->event, &index);
		snprintf(num, sizeof(num), "%" PRIu64, index);
		text = num;
		break;
	case WH_ATTEMPT:
		snprintf(num, sizeof(num), "%u", a->attempt);
		text = num;
		break;
	case WH_TAGS:
		for (i = 0; i < a->ntags; i++) {
			wh_puts(s, i > 0 ? "," : "");
			wh_puts(s, a->tags[i]);
		}
		return;
	case WH_TAGS_JSON:
		wh_puts(s, "[");
		for (i = 0; i < a->ntags; i++) {
			wh_puts(s, i > 0 ? ",\"" : "\"");
			wh_json(s, a->tags[i], strlen(a->tags[i]));
			wh_puts(s, "\"");
		}
		wh_puts(s, "]");
		return;
	case WH_EVENT:
	case WH_FLAT:
		text = part->field == WH_EVENT ?
		    w->host->event_json(a->event, &len) :
		    w->host->event_flat_json(a->event, &len);
		if (text != NULL)
			wh_put(s, text, len);
		return;
	case WH_FIELD:
		wh_field_text(w, a->event, part->path, s);
		return;
	case WH_TEXT:
		break;
	}
	if (text != NULL)
		wh_puts(s, text);
}

/* The payload for alert a, into w->body; -ENOMEM when it did not fit. */
static int
wh_render(struct webhook *w, const struct ce_alert *a)
{
	const struct wh_part *part;
	size_t i;

	wh_reset(&w->body);
	for (i = 0; i < w->tpl.nparts; i++) {
		part = &w->tpl.parts[i];
		if (part->field == WH_TEXT) {
			wh_put(&w->body, part->text, part->len);
			continue;
		}
		wh_value(w, part, a);
		if (part->raw)
			wh_put(&w->body, w->scratch.data, w->scratch.len);
		else
			wh_json(&w->body, w->scratch.data, w->scratch.len);
	}
	return w->body.oom || w->scratch.oom ? -ENOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                */
/* ------------------------------------------------------------------ */

static size_t
wh_on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct webhook *w = arg;
	size_t n = size * nmemb;

	/* Keep the start for the reason; read the rest so the connection
	 * can be reused. */
	if (w->answer.len < WH_ANSWER_MAX)
		wh_put(&w->answer, p, n < WH_ANSWER_MAX - w->answer.len ? n :
		    WH_ANSWER_MAX - w->answer.len);
	return n;
}

static size_t
wh_on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct webhook *w = arg;
	size_t n = size * nmemb, len;

	if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		p += 12;
		len = n - 12;
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
		    p[len - 1] == ' '))
			len--;
		if (len >= sizeof(w->retry_after))
			len = sizeof(w->retry_after) - 1;
		memcpy(w->retry_after, p, len);
		w->retry_after[len] = '\0';
	}
	return n;
}

static int64_t
wh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
static int64_t
wh_retry_after_ms(const char *value)
{
	char *end;
	long long s;
	time_t at;

	if (*value == '\0')
		return 0;
	s = strtoll(value, &end, 10);
	if (*end == '\0' && s >= 0)
		return s > 86400 ? 86400000 : (int64_t)s * 1000;
	if ((at = curl_getdate(value, NULL)) < 0)
		return 0;
	s = (long long)at * 1000 - wh_now_ms();
	return s > 0 ? s : 0;
}

/* Non-zero when a configured header has this name. */
static int
wh_configured(const struct webhook *w, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < w->conf.headers.n; i++)
		if (strncasecmp(w->conf.headers.items[i], name, n) == 0 &&
		    w->conf.headers.items[i][n] == ':')
			return 1;
	return 0;
}

/* Append s to *h; on failure free the whole list and set it to NULL. */
static int
wh_header(struct curl_slist **h, const struct wh_buf *s)
{
	struct curl_slist *next;

	next = s->oom ? NULL : curl_slist_append(*h, s->data);
	if (next == NULL) {
		curl_slist_free_all(*h);
		*h = NULL;
		return -ENOMEM;
	}
	*h = next;
	return 0;
}

/* Append the header a followed by b. */
static int
wh_line(struct curl_slist **h, struct wh_buf *line, const char *a,
    const char *b)
{
	wh_reset(line);
	wh_puts(line, a);
	wh_puts(line, b);
	return wh_header(h, line);
}

/*
 * The request headers: content type, no "Expect: 100-continue" round
 * trip, the idempotency key, the bearer token, then the configured ones
 * (a configured Content-Type or Authorization replaces ours).  NULL when
 * memory ran out.
 */
static struct curl_slist *
wh_headers(const struct webhook *w, const struct ce_alert *a)
{
	struct curl_slist *h = NULL;
	struct wh_buf line = { 0 };
	const char *key = w->conf.key_header;
	size_t i;
	int rc = 0;

	if (!wh_configured(w, "Content-Type"))
		rc = wh_line(&h, &line, "Content-Type: ",
		    w->conf.content_type);
	if (rc == 0)
		rc = wh_line(&h, &line, "Expect:", "");
	if (rc == 0 && key != NULL && *key != '\0') {
		wh_reset(&line);
		wh_puts(&line, key);
		wh_puts(&line, ": ");
		wh_puts(&line, a->key);
		rc = wh_header(&h, &line);
	}
	if (rc == 0 && w->conf.bearer_token != NULL &&
	    !wh_configured(w, "Authorization"))
		rc = wh_line(&h, &line, "Authorization: Bearer ",
		    w->conf.bearer_token);
	for (i = 0; rc == 0 && i < w->conf.headers.n; i++)
		rc = wh_line(&h, &line, w->conf.headers.items[i], "");
	free(line.data);
	return h;	/* NULL after a failure: wh_header() freed it */
}

/* ------------------------------------------------------------------ */
/* Delivery                                                            */
/* ------------------------------------------------------------------ */

static void
wh_count(const struct webhook *w, ce_metric *m)
{
	if (m != NULL)
		w->host->metric_add(m, 1);
}

/* The start of the answer, on one printable line, for a reason. */
static const char *
wh_excerpt(struct webhook *w)
{
	size_t i;

	for (i = 0; i < w->answer.len; i++)
		if ((unsigned char)w->answer.data[i] < 0x20)
			w->answer.data[i] = ' ';
	return w->answer.len > 0 ? w->answer.data : "(no body)";
}

/*
 * A Teams connector may answer 200 and put the real outcome in the body
 * ("... returned HTTP error 429 ..."); that status, else 0.
 */
static long
wh_buried_status(const struct webhook *w)
{
	const char *p;

	if (w->conf.format != WH_TEAMS || w->answer.data == NULL)
		return 0;
	if ((p = strstr(w->answer.data, "returned HTTP error ")) == NULL)
		return 0;
	return strtol(p + strlen("returned HTTP error "), NULL, 10);
}

/* Settle d from the status of an answered request. */
static void
wh_settle_http(struct webhook *w, ce_delivery *d, long status)
{
	char reason[WH_ANSWER_MAX + 96];

	if (status >= 200 && status < 300) {
		wh_count(w, w->m_sent);
		w->host->complete(d, CE_DELIVERY_OK, 0, NULL);
		return;
	}
	snprintf(reason, sizeof(reason), "HTTP %ld%s: %s", status,
	    status >= 300 && status < 400 ? " (a redirect: set url to the "
	    "final address)" : "", wh_excerpt(w));
	/* Timeouts, throttling and server errors pass; the rest will not. */
	if (status == 408 || status == 425 || status == 429 || status >= 500) {
		wh_count(w, w->m_retried);
		w->host->complete(d, CE_DELIVERY_RETRY,
		    wh_retry_after_ms(w->retry_after), reason);
		return;
	}
	wh_count(w, w->m_failed);
	w->host->complete(d, CE_DELIVERY_FAIL, 0, reason);
}

/* Settle d after a request that got no answer. */
static void
wh_settle_error(struct webhook *w, ce_delivery *d, CURLcode cc)
{
	char reason[CURL_ERROR_SIZE + 64];
	int never = cc == CURLE_UNSUPPORTED_PROTOCOL ||
	    cc == CURLE_URL_MALFORMAT || cc == CURLE_NOT_BUILT_IN;

	/* libcurl's messages name the host, never the URL's secret path. */
	snprintf(reason, sizeof(reason), "%s", *w->errbuf != '\0' ?
	    w->errbuf : curl_easy_strerror(cc));
	wh_count(w, never ? w->m_failed : w->m_retried);
	w->host->complete(d, never ? CE_DELIVERY_FAIL : CE_DELIVERY_RETRY, 0,
	    reason);
}

/*
 * Called on the instance's dispatch thread, one alert at a time: this
 * plugin sends synchronously, so the one easy handle (and its kept-alive
 * connection) needs no lock.  The host retries what we report as RETRY.
 */
static void
wh_deliver(void *state, const struct ce_alert *a, ce_delivery *d)
{
	struct webhook *w = state;
	int64_t timeout = w->conf.timeout_ms, left;
	struct curl_slist *headers = NULL;
	long status = 0, buried;
	CURLcode cc;

	if (a->deadline_ms > 0) {
		left = a->deadline_ms - wh_now_ms();
		if (left <= 0) {
			wh_count(w, w->m_retried);
			w->host->complete(d, CE_DELIVERY_RETRY, 0,
			    "the deadline passed before sending");
			return;
		}
		timeout = left < timeout ? left : timeout;
	}
	if (wh_render(w, a) < 0 || (headers = wh_headers(w, a)) == NULL) {
		wh_count(w, w->m_retried);
		w->host->complete(d, CE_DELIVERY_RETRY, 0, "out of memory");
		return;
	}
	wh_reset(&w->answer);
	w->retry_after[0] = '\0';
	w->errbuf[0] = '\0';
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS,
	    w->body.data != NULL ? w->body.data : "");
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)w->body.len);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, (long)timeout);
	cc = curl_easy_perform(w->curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	if (cc != CURLE_OK) {
		wh_settle_error(w, d, cc);
		return;
	}
	buried = wh_buried_status(w);
	wh_settle_http(w, d, buried != 0 ? buried : status);
}

/* ------------------------------------------------------------------ */
/* Set-up and tear-down                                                */
/* ------------------------------------------------------------------ */

/* Non-zero when h is "Name: value" with a token name and one line. */
static int
wh_header_ok(const char *h)
{
	static const char token[] = "!#$%&'*+-.^_`|~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t n = strspn(h, token);

	return n > 0 && h[n] == ':' && strpbrk(h, "\r\n") == NULL;
}

/* Checks the option table cannot express.  Never prints the URL. */
static int
wh_check_conf(struct webhook *w)
{
	char *scheme = NULL;
	CURLU *u = curl_url();
	int rc = 0;
	size_t i;

	if (u == NULL)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, w->conf.url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)) {
		CE_ERROR(w->host, w->self, "url: expected an https:// (or "
		    "http://) URL");
		rc = -EINVAL;
	} else if (strcmp(scheme, "http") == 0) {
		CE_NOTICE(w->host, w->self, "url is http://: alerts travel "
		    "unencrypted");
	}
	if (w->conf.template != NULL && w->conf.template_file != NULL) {
		CE_ERROR(w->host, w->self, "set template or template_file, "
		    "not both");
		rc = -EINVAL;
	}
	for (i = 0; i < w->conf.headers.n; i++) {
		if (wh_header_ok(w->conf.headers.items[i]))
			continue;
		/* Not quoted: a header may hold a credential. */
		CE_ERROR(w->host, w->self, "headers: item %zu is not "
		    "\"Name: value\" on one line", i + 1);
		rc = -EINVAL;
	}
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

/* Compile the template the options chose. */
static int
wh_load_template(struct webhook *w)
{
	static const char *const presets[] = { wh_generic, wh_slack, wh_teams };
	static const char *const labels[] = {
		"built-in generic template", "built-in slack template",
		"built-in teams template"
	};
	struct wh_where where = { w->self, w->host, NULL, NULL };
	const char *src;
	char err[256], *text = NULL;
	int rc;

	if (w->conf.template_file != NULL) {
		text = wh_read_file(w->conf.template_file, err, sizeof(err));
		if (text == NULL) {
			CE_ERROR(w->host, w->self, "template_file %s: %s",
			    w->conf.template_file, err);
			return -EINVAL;
		}
		src = text;
		where.file = w->conf.template_file;
	} else if (w->conf.template != NULL) {
		src = w->conf.template;
		where.file = "option 'template'";
	} else {
		src = presets[w->conf.format];
		where.file = labels[w->conf.format];
	}
	rc = wh_template_compile(&where, src, &w->tpl);
	free(text);
	if (rc == -ENOMEM)
		CE_ERROR(w->host, w->self, "out of memory");
	return rc;
}

static int
wh_curl_setup(struct webhook *w)
{
	CURLcode cc = CURLE_OK;
	CURL *c;

	/* init() runs on the main thread: the one place this is safe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto fail;
	w->curl_global = 1;
	if ((c = w->curl = curl_easy_init()) == NULL)
		goto fail;
#define WH_SET(opt, val)	\
	if (cc == CURLE_OK)	\
		cc = curl_easy_setopt(c, opt, val)
	WH_SET(CURLOPT_URL, w->conf.url);
	WH_SET(CURLOPT_POST, 1L);
	WH_SET(CURLOPT_NOSIGNAL, 1L);	/* threads: no SIGALRM timeouts */
	WH_SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	WH_SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	WH_SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	WH_SET(CURLOPT_CONNECTTIMEOUT_MS, (long)w->conf.connect_timeout_ms);
	WH_SET(CURLOPT_USERAGENT, "cloudengine-webhook/" WH_VERSION);
	WH_SET(CURLOPT_ERRORBUFFER, w->errbuf);
	WH_SET(CURLOPT_WRITEFUNCTION, wh_on_body);
	WH_SET(CURLOPT_WRITEDATA, w);
	WH_SET(CURLOPT_HEADERFUNCTION, wh_on_header);
	WH_SET(CURLOPT_HEADERDATA, w);
	if (w->conf.ca_file != NULL)
		WH_SET(CURLOPT_CAINFO, w->conf.ca_file);
#undef WH_SET
	if (cc != CURLE_OK) {
		CE_ERROR(w->host, w->self, "libcurl refused an option: %s",
		    curl_easy_strerror(cc));
		return -EINVAL;
	}
	return 0;
fail:
	CE_ERROR(w->host, w->self, "cannot set up libcurl");
	return -ENOMEM;
}

/* destroy(), and the clean-up of a failed init(). */
static void
wh_destroy(void *state)
{
	struct webhook *w = state;

	if (w == NULL)
		return;
	wh_template_free(w->host, &w->tpl);
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	if (w->curl_global)
		curl_global_cleanup();
	free(w->body.data);
	free(w->scratch.data);
	free(w->answer.data);
	free(w);
}

static int
wh_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct webhook *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	w->self = self;
	w->host = host;
	if ((rc = host->conf_apply(self, &w->conf)) < 0 ||
	    (rc = wh_check_conf(w)) < 0 ||
	    (rc = wh_load_template(w)) < 0 ||
	    (rc = wh_curl_setup(w)) < 0)
		goto fail;
	w->m_sent = host->metric_new(self, "sent",
	    "alerts the webhook accepted");
	w->m_retried = host->metric_new(self, "retried",
	    "attempts reported for a retry (no answer, 408, 425, 429, 5xx)");
	w->m_failed = host->metric_new(self, "failed",
	    "alerts the webhook refused for good (other 4xx)");
	*state = w;
	return 0;
fail:
	wh_destroy(w);
	return rc;
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "webhook",
	.version = WH_VERSION,
	.description = "POST alerts to an HTTP(S) webhook: generic JSON, "
	    "Slack, Microsoft Teams, or a template of your own",
	.options = wh_options,
	.init = wh_init,
	.destroy = wh_destroy,
	.deliver = wh_deliver,
};

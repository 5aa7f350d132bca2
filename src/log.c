/*
 * log.c - the process's logger: filters by level, formats one text or JSON
 * line per message with control characters escaped, and writes it with a
 * single write(2) to stderr (or hands it to a test sink).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

/* Longest message kept in one line; CloudWatch Logs caps an event at 256 KiB. */
#define CE_LOG_MAX_MSG		(64 * 1024)

typedef void (*ce_log_sink_fn)(void *arg, enum ce_log_level level,
    const char *component, const char *msg);

/* level and format are read without the lock (atomically); the sink and
 * the write itself are serialised by it so lines never interleave. */
static int log_level = CE_LOG_INFO;
static int log_format = CE_LOG_TEXT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static ce_log_sink_fn log_sink;
static void *log_sink_arg;

static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug"
};

static enum ce_log_level
clamp_level(int level)
{
	if (level < CE_LOG_ERROR)
		return CE_LOG_ERROR;
	if (level > CE_LOG_DEBUG)
		return CE_LOG_DEBUG;
	return (enum ce_log_level)level;
}

void
ce_log_setup(enum ce_log_level level, enum ce_log_format format)
{
	__atomic_store_n(&log_level, (int)clamp_level((int)level),
	    __ATOMIC_RELAXED);
	__atomic_store_n(&log_format, format == CE_LOG_JSON ? CE_LOG_JSON :
	    CE_LOG_TEXT, __ATOMIC_RELAXED);
}

enum ce_log_level
ce_log_get_level(void)
{
	return (enum ce_log_level)__atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int
ce_log_level_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return CE_LOG_ERROR + (int)i;
	return -1;
}

const char *
ce_log_level_name(enum ce_log_level level)
{
	if ((int)level < CE_LOG_ERROR || (int)level > CE_LOG_DEBUG)
		return "unknown";
	return level_names[level - CE_LOG_ERROR];
}

void
ce_log_set_sink(ce_log_sink_fn fn, void *arg)
{
	pthread_mutex_lock(&log_lock);
	log_sink = fn;
	log_sink_arg = arg;
	pthread_mutex_unlock(&log_lock);
}

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Code point of a well-formed sequence of len bytes. */
static uint32_t
utf8_cp(const unsigned char *s, size_t len)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_mask[len];
	size_t i;

	for (i = 1; i < len; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * Anything a terminal or a log viewer could take for a line break or a
 * control sequence (C0, DEL, C1, U+2028/9) is written as an escape, and
 * bytes that are not UTF-8 as \xHH, so one message stays one line of
 * valid UTF-8 whatever an event put in it.  Backslashes are left alone:
 * an escape can only be mistaken for one, it cannot break a line.
 */
void
ce_log_escape(struct ce_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		/* Printable ASCII, most of any text, goes in runs. */
		for (len = 0; i + len < n && p[i + len] >= 0x20 &&
		    p[i + len] < 0x7f; len++)
			;
		if (len > 0) {
			ce_buf_append(b, p + i, len);
			i += len;
			continue;
		}
		len = utf8_seq(p + i, n - i);
		if (len == 0) {
			ce_buf_printf(b, "\\x%02x", p[i]);
			i++;
			continue;
		}
		cp = utf8_cp(p + i, len);
		if (cp == '\n')
			ce_buf_puts(b, "\\n");
		else if (cp == '\r')
			ce_buf_puts(b, "\\r");
		else if (cp == '\t')
			ce_buf_puts(b, "\\t");
		else if (cp < 0x20 || cp == 0x7f)
			ce_buf_printf(b, "\\x%02x", (unsigned)cp);
		else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029)
			ce_buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			ce_buf_append(b, p + i, len);
		i += len;
	}
}

/* "2026-11-26T22:00:00.123Z" */
static void
put_time(struct ce_buf *b)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	ce_buf_printf(b, "%s.%03ldZ", when, ts.tv_nsec / 1000000L);
}

static void
format_text(struct ce_buf *line, enum ce_log_level level,
    const char *component, const char *msg, size_t len)
{
	put_time(line);
	ce_buf_printf(line, " %s ", ce_log_level_name(level));
	if (component != NULL) {
		ce_buf_putc(line, '[');
		ce_log_escape(line, component, strlen(component));
		ce_buf_puts(line, "] ");
	}
	ce_log_escape(line, msg, len);
	ce_buf_putc(line, '\n');
}

static void
format_json(struct ce_buf *line, enum ce_log_level level,
    const char *component, const char *msg, size_t len)
{
	ce_buf_puts(line, "{\"time\":\"");
	put_time(line);
	ce_buf_printf(line, "\",\"level\":\"%s\"", ce_log_level_name(level));
	if (component != NULL) {
		ce_buf_puts(line, ",\"component\":");
		ce_buf_json_string(line, component, strlen(component));
	}
	ce_buf_puts(line, ",\"msg\":");
	ce_buf_json_string(line, msg, len);
	ce_buf_puts(line, "}\n");
}

/* Loops only on a short write or EINTR; a normal line is one write(2). */
static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Cut an oversized message on a character boundary and say so. */
static void
truncate_msg(struct ce_buf *msg)
{
	size_t keep, dropped;

	if (msg->len <= CE_LOG_MAX_MSG)
		return;
	keep = ce_utf8_prefix(msg->data, CE_LOG_MAX_MSG, CE_LOG_MAX_MSG);
	dropped = msg->len - keep;
	msg->len = keep;
	ce_buf_printf(msg, "... [%zu bytes truncated]", dropped);
}

static void
emit(enum ce_log_level level, const char *component, struct ce_buf *msg)
{
	struct ce_buf line = CE_BUF_INIT;
	const char *text = ce_buf_cstr(msg);

	if (msg->oom)
		text = "(out of memory formatting a log message)";
	pthread_mutex_lock(&log_lock);
	if (log_sink != NULL) {
		log_sink(log_sink_arg, level, component, text);
		goto out;
	}
	if (__atomic_load_n(&log_format, __ATOMIC_RELAXED) == CE_LOG_JSON)
		format_json(&line, level, component, text, strlen(text));
	else
		format_text(&line, level, component, text, strlen(text));
	if (!line.oom)
		write_all(STDERR_FILENO, line.data, line.len);
out:
	pthread_mutex_unlock(&log_lock);
	ce_buf_free(&line);
}

void
ce_logv(enum ce_log_level level, const char *component, const char *fmt,
    va_list ap)
{
	struct ce_buf msg = CE_BUF_INIT;

	level = clamp_level((int)level);
	if ((int)level > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return;
	ce_buf_vprintf(&msg, fmt, ap);
	truncate_msg(&msg);
	emit(level, component, &msg);
	ce_buf_free(&msg);
}

void
ce_log(enum ce_log_level level, const char *component, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ce_logv(level, component, fmt, ap);
	va_end(ap);
}

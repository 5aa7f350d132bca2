/*
 * test_log.c - the logger (text and JSON lines, levels, escaping that
 * keeps event text from forging lines, sinks, one write per line under
 * concurrency) and located diagnostics.
 */
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "buf.h"
#include "ce_test.h"
#include "diag.h"
#include "log.h"

/* ------------------------------------------------------------------ */
/* Capturing stderr                                                    */
/* ------------------------------------------------------------------ */

struct capture {
	FILE	*tmp;
	int	 saved;
};

static void
capture_start(struct capture *c)
{
	c->tmp = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->tmp);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(c->saved >= 0);
	CU_ASSERT_FATAL(dup2(fileno(c->tmp), STDERR_FILENO) >= 0);
}

/* Restore stderr; the caller frees what was written to it. */
static char *
capture_end(struct capture *c, size_t *len)
{
	char *buf;
	long n;

	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	n = ftell(c->tmp);
	buf = calloc(1, (size_t)n + 1);
	rewind(c->tmp);
	if (n > 0)
		CU_ASSERT_EQUAL(fread(buf, 1, (size_t)n, c->tmp), (size_t)n);
	fclose(c->tmp);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

static int
matches(const char *re, const char *s)
{
	regex_t r;
	int ok;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

#define TIME_RE	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "

/* ------------------------------------------------------------------ */
/* Text lines                                                          */
/* ------------------------------------------------------------------ */

static void
text_line_has_time_level_component_message(void)
{
	struct capture c;
	char *out;

	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
	capture_start(&c);
	ce_log(CE_LOG_INFO, "output:stdout:stdout", "delivered %d alerts", 42);
	out = capture_end(&c, NULL);
	CU_ASSERT_TRUE(matches(TIME_RE "info \\[output:stdout:stdout\\] "
	    "delivered 42 alerts\n$", out));
	free(out);

	/* Without a component there are no brackets. */
	capture_start(&c);
	ce_warn("queue is %s", "full");
	out = capture_end(&c, NULL);
	CU_ASSERT_TRUE(matches(TIME_RE "warning queue is full\n$", out));
	free(out);
}

static void
levels_filter_and_clamp(void)
{
	struct capture c;
	char *out;

	ce_log_setup(CE_LOG_WARNING, CE_LOG_TEXT);
	CU_ASSERT_EQUAL(ce_log_get_level(), CE_LOG_WARNING);
	capture_start(&c);
	ce_info("not shown");
	ce_debug("not shown either");
	ce_notice("nor this");
	ce_error("shown");
	ce_log((enum ce_log_level)1, NULL, "critical counts as error");
	ce_log((enum ce_log_level)9, NULL, "beyond debug is debug");
	out = capture_end(&c, NULL);
	CU_ASSERT_PTR_NULL(strstr(out, "not shown"));
	CU_ASSERT_PTR_NULL(strstr(out, "nor this"));
	CU_ASSERT_PTR_NULL(strstr(out, "beyond debug"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " error shown\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " error critical counts as error\n"));
	CU_ASSERT_EQUAL(count_char(out, '\n'), 2);
	free(out);

	ce_log_setup(CE_LOG_DEBUG, CE_LOG_TEXT);
	capture_start(&c);
	ce_debug("now %s", "shown");
	out = capture_end(&c, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " debug now shown\n"));
	free(out);
	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
}

static void
level_names_parse_both_ways(void)
{
	CU_ASSERT_EQUAL(ce_log_level_parse("error"), CE_LOG_ERROR);
	CU_ASSERT_EQUAL(ce_log_level_parse("warning"), CE_LOG_WARNING);
	CU_ASSERT_EQUAL(ce_log_level_parse("notice"), CE_LOG_NOTICE);
	CU_ASSERT_EQUAL(ce_log_level_parse("INFO"), CE_LOG_INFO);
	CU_ASSERT_EQUAL(ce_log_level_parse("debug"), CE_LOG_DEBUG);
	CU_ASSERT_EQUAL(ce_log_level_parse("verbose"), -1);
	CU_ASSERT_EQUAL(ce_log_level_parse(NULL), -1);
	CU_ASSERT_STRING_EQUAL(ce_log_level_name(CE_LOG_NOTICE), "notice");
	CU_ASSERT_STRING_EQUAL(ce_log_level_name((enum ce_log_level)0),
	    "unknown");
}

/* Text a CloudTrail record could carry into a message. */
static const char evil[] =
	"user\n2026-01-01T00:00:00.000Z error [core] forged\r"
	"\t\x1b[31mred\x7f \xc2\x85nel \xe2\x80\xa8ls \xff\xfe bad \xe2\x82 cut";

static void
text_escapes_what_could_forge_a_line(void)
{
	struct capture c;
	char *out;

	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
	capture_start(&c);
	ce_log(CE_LOG_INFO, "input:file:x\ny", "got %s", evil);
	out = capture_end(&c, NULL);
	CU_ASSERT_EQUAL(count_char(out, '\n'), 1);
	CU_ASSERT_PTR_NULL(strchr(out, '\r'));
	CU_ASSERT_PTR_NULL(strchr(out, '\x1b'));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " info [input:file:x\\ny] got "
	    "user\\n2026-01-01T00:00:00.000Z error [core] forged\\r\\t"
	    "\\x1b[31mred\\x7f \\u0085nel \\u2028ls \\xff\\xfe bad "
	    "\\xe2\\x82 cut\n"));
	free(out);

	/* UTF-8 that is fine stays as it is. */
	capture_start(&c);
	ce_info("caf\xc3\xa9 \xf0\x9f\x94\x91 back\\slash");
	out = capture_end(&c, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " info caf\xc3\xa9 \xf0\x9f\x94\x91 "
	    "back\\slash\n"));
	free(out);
}

static void
escape_helper_rejects_overlongs_and_surrogates(void)
{
	/* Overlong '/', a UTF-16 surrogate, past U+10FFFF, a lone C1 byte. */
	static const char bad[] = "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\x85";
	struct ce_buf b = CE_BUF_INIT;

	ce_log_escape(&b, bad, sizeof(bad) - 1);
	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b), "\\xc0\\xaf|\\xed\\xa0\\x80|"
	    "\\xf4\\x90\\x80\\x80|\\x85");
	ce_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* JSON lines                                                          */
/* ------------------------------------------------------------------ */

static void
json_line_round_trips_the_message(void)
{
	struct capture c;
	struct json_object *o, *v;
	char *out;

	ce_log_setup(CE_LOG_INFO, CE_LOG_JSON);
	capture_start(&c);
	ce_log(CE_LOG_ERROR, "output:sns:alerts", "failed: \"%s\"", "a\nb\\c");
	out = capture_end(&c, NULL);
	CU_ASSERT_EQUAL(count_char(out, '\n'), 1);
	CU_ASSERT_EQUAL(out[strlen(out) - 1], '\n');
	o = json_tokener_parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_object_object_length(o), 4);
	CU_ASSERT_TRUE(json_object_object_get_ex(o, "time", &v));
	CU_ASSERT_TRUE(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
	    "[0-9]{2}\\.[0-9]{3}Z$", json_object_get_string(v)));
	CU_ASSERT_TRUE(json_object_object_get_ex(o, "level", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "error");
	CU_ASSERT_TRUE(json_object_object_get_ex(o, "component", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "output:sns:alerts");
	CU_ASSERT_TRUE(json_object_object_get_ex(o, "msg", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v),
	    "failed: \"a\nb\\c\"");
	json_object_put(o);
	free(out);

	/* No component: no member; bytes that are not UTF-8 stay valid JSON. */
	capture_start(&c);
	ce_info("%s", evil);
	out = capture_end(&c, NULL);
	CU_ASSERT_EQUAL(count_char(out, '\n'), 1);
	o = json_tokener_parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_FALSE(json_object_object_get_ex(o, "component", NULL));
	CU_ASSERT_TRUE(json_object_object_get_ex(o, "msg", &v));
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(v),
	    "user\n2026-01-01T00:00:00.000Z error [core] forged\r"));
	json_object_put(o);
	free(out);
	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
}

static void
huge_message_is_cut_on_a_character(void)
{
	struct capture c;
	size_t n = 200000, len;
	char *big = malloc(n + 1), *out;

	/* "é" is two bytes: the cut must not split one. */
	for (len = 0; len + 2 <= n; len += 2)
		memcpy(big + len, "\xc3\xa9", 2);
	big[len] = '\0';
	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
	capture_start(&c);
	ce_info("%s", big);
	out = capture_end(&c, &len);
	CU_ASSERT(len < 70000);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\xc3\xa9... [134464 bytes "
	    "truncated]\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "\\x"));
	free(out);
	free(big);
}

/* ------------------------------------------------------------------ */
/* Sinks and threads                                                   */
/* ------------------------------------------------------------------ */

struct seen {
	int			 calls;
	enum ce_log_level	 level;
	char			 component[64];
	char			 msg[256];
};

static void
record(void *arg, enum ce_log_level level, const char *component,
    const char *msg)
{
	struct seen *s = arg;

	s->calls++;
	s->level = level;
	snprintf(s->component, sizeof(s->component), "%s",
	    component ? component : "(null)");
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void
sink_gets_filtered_unescaped_messages(void)
{
	struct seen s;
	struct capture c;
	char *out;

	memset(&s, 0, sizeof(s));
	ce_log_setup(CE_LOG_NOTICE, CE_LOG_TEXT);
	ce_log_set_sink(record, &s);
	capture_start(&c);
	ce_log(CE_LOG_NOTICE, "evaluator:drl:drl", "line\none");
	ce_info("filtered out");
	ce_log_set_sink(NULL, NULL);
	out = capture_end(&c, NULL);
	CU_ASSERT_EQUAL(s.calls, 1);
	CU_ASSERT_EQUAL(s.level, CE_LOG_NOTICE);
	CU_ASSERT_STRING_EQUAL(s.component, "evaluator:drl:drl");
	CU_ASSERT_STRING_EQUAL(s.msg, "line\none");
	CU_ASSERT_STRING_EQUAL(out, "");	/* nothing went to stderr */
	free(out);
	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
}

#define THREADS	4
#define LINES	500

static void *
chatter(void *arg)
{
	int t = (int)(intptr_t)arg, i;

	for (i = 0; i < LINES; i++)
		ce_log(CE_LOG_INFO, "input:file:x", "thread %d line %d %s", t,
		    i, "padding padding padding padding padding padding");
	return NULL;
}

static void
concurrent_lines_never_interleave(void)
{
	pthread_t th[THREADS];
	struct capture c;
	char *out, *line, *save = NULL;
	int i, lines = 0, bad = 0;

	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
	capture_start(&c);
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, chatter, (void *)(intptr_t)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	out = capture_end(&c, NULL);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lines++;
		bad += !matches(TIME_RE "info \\[input:file:x\\] thread [0-3] "
		    "line [0-9]+ (padding ?){6}$", line);
	}
	CU_ASSERT_EQUAL(lines, THREADS * LINES);
	CU_ASSERT_EQUAL(bad, 0);
	free(out);
}

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */
/* ------------------------------------------------------------------ */

static char *
diag_string(const struct ce_diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ce_diag_print(d, fp);
	fclose(fp);
	return buf;
}

static void
diag_formats_locations(void)
{
	struct ce_diag d;
	char *text;

	ce_diag_init(&d);
	ce_diag_add(&d, CE_LOG_ERROR, "a.conf", 3, 0, "bad %s", "thing");
	ce_diag_add(&d, CE_LOG_WARNING, "r.drl", 12, 7, "unused %d", 1);
	ce_diag_add(&d, CE_LOG_ERROR, "a.conf", 0, 5, "no line, no column");
	ce_diag_add(&d, CE_LOG_ERROR, NULL, 9, 9, "no file");
	ce_diag_add(&d, CE_LOG_NOTICE, "x", 1, 0, "notice counts as warning");
	text = diag_string(&d);
	CU_ASSERT_STRING_EQUAL(text,
	    "a.conf:3: error: bad thing\n"
	    "r.drl:12:7: warning: unused 1\n"
	    "a.conf: error: no line, no column\n"
	    "cloudengine: error: no file\n"
	    "x:1: warning: notice counts as warning\n");
	CU_ASSERT_EQUAL(d.errors, 3);
	CU_ASSERT_EQUAL(d.warnings, 2);
	CU_ASSERT_EQUAL(d.head->level, CE_LOG_ERROR);
	free(text);
	ce_diag_free(&d);
	CU_ASSERT_PTR_NULL(d.head);
	CU_ASSERT_EQUAL(d.errors, 0);
	CU_ASSERT_PTR_EQUAL(d.tail, &d.head);
}

static void
diag_escapes_and_echoes(void)
{
	struct ce_diag d;
	struct seen s;
	char *text;

	memset(&s, 0, sizeof(s));
	ce_diag_init(&d);
	d.echo = 1;
	ce_log_set_sink(record, &s);
	ce_diag_add(&d, CE_LOG_ERROR, "f\n.conf", 2, 0, "value \"%s\"",
	    "a\nfake.conf:1: error: injected");
	ce_log_set_sink(NULL, NULL);
	text = diag_string(&d);
	CU_ASSERT_STRING_EQUAL(text, "f\\n.conf:2: error: value "
	    "\"a\\nfake.conf:1: error: injected\"\n");
	CU_ASSERT_EQUAL(s.calls, 1);
	CU_ASSERT_EQUAL(s.level, CE_LOG_ERROR);
	CU_ASSERT_STRING_EQUAL(s.msg, "f\\n.conf:2: error: value "
	    "\"a\\nfake.conf:1: error: injected\"");
	free(text);
	ce_diag_free(&d);
	CU_ASSERT_EQUAL(d.echo, 1);	/* free keeps the setting */
}

struct diag_arg {
	struct ce_diag	*d;
	int		 t;
};

static void *
diag_chatter(void *arg)
{
	struct diag_arg *a = arg;
	int i;

	for (i = 0; i < LINES; i++)
		ce_diag_add(a->d, i % 2 ? CE_LOG_ERROR : CE_LOG_WARNING,
		    "t.conf", (unsigned)i + 1, 0, "thread %d", a->t);
	return NULL;
}

static void
diag_is_thread_safe(void)
{
	pthread_t th[THREADS];
	struct diag_arg args[THREADS];
	struct ce_diag d;
	struct ce_diag_entry *e;
	int i, n = 0;

	ce_diag_init(&d);
	for (i = 0; i < THREADS; i++) {
		args[i].d = &d;
		args[i].t = i;
		pthread_create(&th[i], NULL, diag_chatter, &args[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (e = d.head; e != NULL; e = e->next)
		n++;
	CU_ASSERT_EQUAL(n, THREADS * LINES);
	CU_ASSERT_EQUAL(d.errors, THREADS * LINES / 2);
	CU_ASSERT_EQUAL(d.warnings, THREADS * LINES / 2);
	ce_diag_free(&d);
}

static CU_TestInfo log_tests[] = {
	CE_TEST(text_line_has_time_level_component_message),
	CE_TEST(levels_filter_and_clamp),
	CE_TEST(level_names_parse_both_ways),
	CE_TEST(text_escapes_what_could_forge_a_line),
	CE_TEST(escape_helper_rejects_overlongs_and_surrogates),
	CE_TEST(json_line_round_trips_the_message),
	CE_TEST(huge_message_is_cut_on_a_character),
	CE_TEST(sink_gets_filtered_unescaped_messages),
	CE_TEST(concurrent_lines_never_interleave),
	CU_TEST_INFO_NULL
};

static CU_TestInfo diag_tests[] = {
	CE_TEST(diag_formats_locations),
	CE_TEST(diag_escapes_and_echoes),
	CE_TEST(diag_is_thread_safe),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "log", .pTests = log_tests },
	{ .pName = "diag", .pTests = diag_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}

/*
 * test_drl_errors.c - diagnostics of the drl evaluator: golden files in
 * tests/data/drl/errors (NAME.drl and the exact NAME.expected lines, with
 * paths relative to that directory), and bad input of every shape
 * (truncated and mutated rule files) that must never crash.
 *
 * DRL_GOLDEN_WRITE=1 rewrites the .expected files from the current output
 * (then read them before committing).
 */
#include "test_drl_rig.c"	/* sic: shared helpers */


#include "diag.h"
#include "engine.h"
#include "load.h"

/* The diagnostics, one per line, with the directory prefix removed. */
static char *
collect_diags(const struct rig *r, const char *prefix)
{
	size_t i, n = 0, cap = 1, plen = strlen(prefix);
	char *out, *line;

	for (i = 0; i < r->fh.ndiags; i++)
		cap += strlen(r->fh.diags[i]) + 1;
	if ((out = malloc(cap)) == NULL)
		exit(99);
	out[0] = '\0';
	for (i = 0; i < r->fh.ndiags; i++) {
		line = r->fh.diags[i];
		if (strncmp(line, prefix, plen) == 0)
			line += plen;
		n += (size_t)snprintf(out + n, cap - n, "%s\n", line);
	}
	return out;
}

static int
check_golden(void *arg, const char *dir, const char *name)
{
	char drl[1024], expected[1024], prefix[1024], *want, *got;
	const char *paths[1];
	struct rig r;
	int rc, ok;
	FILE *fp;

	(void)arg;
	snprintf(drl, sizeof(drl), "%s/%s", dir, name);
	snprintf(expected, sizeof(expected), "%s/%.*s.expected", dir,
	    (int)(strlen(name) - 4), name);
	snprintf(prefix, sizeof(prefix), "%s/", dir);
	rig_setup(&r);
	paths[0] = drl;
	rc = rig_start(&r, paths, 1);
	got = collect_diags(&r, prefix);
	if (getenv("DRL_GOLDEN_WRITE") != NULL) {
		if ((fp = fopen(expected, "w")) != NULL) {
			fputs(got, fp);
			fclose(fp);
		}
	}
	want = ce_test_slurp(expected, NULL);
	CU_ASSERT_PTR_NOT_NULL(want);
	if (want != NULL && strcmp(want, got) != 0)
		fprintf(stderr, "\n%s: expected\n%s---- got\n%s----\n", name,
		    want, got);
	ok = want != NULL && strcmp(want, got) == 0;
	CU_ASSERT(ok);
	/* Any error makes init fail; warnings alone do not. */
	CU_ASSERT_EQUAL(rc, strstr(got, ": error: ") != NULL ? -EINVAL : 0);
	free(want);
	free(got);
	rig_teardown(&r);
	return ok;
}

static void
golden_diagnostics(void)
{
	char *dir = ce_test_data("drl/errors");
	int files = ce_test_each_file(dir, ".drl", NULL, check_golden, NULL,
	    NULL);

	CU_ASSERT(files >= 6);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* Bad input of every shape                                            */
/* ------------------------------------------------------------------ */

static const char *const PROBE_EVENT =
"{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"AuthorizeSecurityGroupIngress\","
"\"userIdentity\":{\"arn\":\"user@company.com\"},\"userAgent\":\"console\","
"\"a\":[{\"b\":\"x\"}],\"eventVersion\":\"1.05\"}";

/* Compile text with the engine directly; when it compiles, evaluate an
 * event with it.  Only crashes and leaks (under the sanitizers and
 * valgrind) can fail here, plus the error count. */
static void
compile_any(struct fake_host *fh, const char *text, size_t len,
    const ce_event *ev)
{
	struct drl_engine eng;
	struct drl_diag diag;

	CU_ASSERT_EQUAL_FATAL(drl_engine_init(&eng, &fh->host,
	    fake_host_self(fh), 1000), 0);
	memset(&diag, 0, sizeof(diag));
	diag.host = &fh->host;
	diag.self = fake_host_self(fh);
	CU_ASSERT_EQUAL(drl_load_text(&eng, &diag, "fuzz.drl", text, len), 0);
	CU_ASSERT_EQUAL(drl_load_finish(&eng), 0);
	if (diag.errors == 0)
		CU_ASSERT_EQUAL(drl_engine_evaluate(&eng, ev, fake_host_sink(fh)), 0);
	drl_engine_free(&eng);
}

static char *
load_data(const char *name, size_t *len)
{
	char *path = ce_test_data(name), *text;

	text = ce_test_slurp(path, len);
	free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	return text;
}

static void
truncated_files_never_crash(void)
{
	static const char *const files[] = {
		"drl/rules/EC2Rule.drl", "drl/rules/S3Rule.drl",
		"drl/errors/semantic.drl"
	};
	const ce_event *ev = fake_event(PROBE_EVENT);
	struct fake_host fh;
	size_t f, len, cut;
	char *text;

	fake_host_init(&fh, &cloudengine_plugin);
	fh.outputs = rig_outputs;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		text = load_data(files[f], &len);
		for (cut = 0; cut <= len; cut++) {
			compile_any(&fh, text, cut, ev);
			fake_host_clear(&fh);
		}
		free(text);
	}
	fake_event_free(ev);
	fake_host_free(&fh);
}

static void
mutated_files_never_crash(void)
{
	static const char alphabet[] = "\"'()[]{},;:.@!=<>&|+-*/\\$ \n\tx0when then end rule";
	const ce_event *ev = fake_event(PROBE_EVENT);
	struct fake_host fh;
	uint32_t seed = 12345;
	size_t len, i, k;
	char *orig, *text;

	fake_host_init(&fh, &cloudengine_plugin);
	fh.outputs = rig_outputs;
	orig = load_data("drl/errors/syntax.drl", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL((text = malloc(len + 1)));
	for (i = 0; i < 400; i++) {
		memcpy(text, orig, len + 1);
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			text[(seed >> 8) % len] =
			    alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		}
		compile_any(&fh, text, len, ev);
		fake_host_clear(&fh);
	}
	/* Bytes that are not text at all. */
	for (i = 0; i < 64; i++) {
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			text[k] = (char)(seed >> 16);
		}
		compile_any(&fh, text, len, ev);
		fake_host_clear(&fh);
	}
	free(text);
	free(orig);
	fake_event_free(ev);
	fake_host_free(&fh);
}

/* Nesting: 200 levels compile; beyond the limit is an error, not a
 * stack overflow. */
static int
nested(struct fake_host *fh, size_t depth, const ce_event *ev)
{
	size_t i, n = 0, cap = depth * 8 + 256;
	char *text = malloc(cap);
	int found;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	n += (size_t)snprintf(text + n, cap - n, "rule \"*: deep\" when Map(");
	for (i = 0; i < depth; i++)
		text[n++] = i % 2 ? '(' : '!';
	n += (size_t)snprintf(text + n, cap - n, "this[\"a\"] == 1");
	for (i = 0; i < depth / 2; i++)
		text[n++] = ')';
	n += (size_t)snprintf(text + n, cap - n, ") then end\n");
	compile_any(fh, text, n, ev);
	found = fake_host_has_diag(fh, "nested too deeply");
	fake_host_clear(fh);
	free(text);
	return found;
}

/* this["a"] followed by count times link. */
static int
long_chain(struct fake_host *fh, const char *link, size_t count,
    const ce_event *ev)
{
	size_t i, n = 0, cap = count * strlen(link) + 256;
	char *text = malloc(cap);
	int found;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	n += (size_t)snprintf(text + n, cap - n, "rule \"*: long\" when Map(this[\"a\"]");
	for (i = 0; i < count; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s", link);
	n += (size_t)snprintf(text + n, cap - n, " == \"x\") then end\n");
	compile_any(fh, text, n, ev);
	found = fake_host_has_diag(fh, "nested too deeply");
	fake_host_clear(fh);
	free(text);
	return found;
}

static void
deep_nesting_is_handled(void)
{
	const ce_event *ev = fake_event(PROBE_EVENT);
	struct fake_host fh;

	fake_host_init(&fh, &cloudengine_plugin);
	CU_ASSERT_EQUAL(nested(&fh, 200, ev), 0);
	CU_ASSERT_EQUAL(nested(&fh, 100000, ev), 1);
	CU_ASSERT_EQUAL(long_chain(&fh, " + \"x\"", 200, ev), 0);
	CU_ASSERT_EQUAL(long_chain(&fh, " + \"x\"", 100000, ev), 1);
	CU_ASSERT_EQUAL(long_chain(&fh, ".trim()", 200, ev), 0);
	CU_ASSERT_EQUAL(long_chain(&fh, ".trim()", 100000, ev), 1);
	fake_event_free(ev);
	fake_host_free(&fh);
}

static CU_TestInfo error_tests[] = {
	CE_TEST(golden_diagnostics),
	CE_TEST(truncated_files_never_crash),
	CE_TEST(mutated_files_never_crash),
	CE_TEST(deep_nesting_is_handled),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "drl diagnostics", .pTests = error_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}

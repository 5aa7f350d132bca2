/*
 * test_drl_engine.c - the drl evaluator as a whole: the original project's
 * rules verbatim, routing by eventSource, the eventName index, salience,
 * activation groups, dates, enabled, metadata, outputs and actions,
 * configuration by rule name, rule test files, threads; and the index as a
 * whole against each rule loaded alone.
 */
#include "test_drl_rig.c"	/* sic: shared helpers */

#include <pthread.h>

#include <json-c/json.h>

#include "event.h"

#define EC2_RULE "ec2.amazonaws.com: Test Alert - Someone is Changing security group"
#define S3_IS "s3.amazonaws.com: event version is 1.05"
#define S3_NOT "s3.amazonaws.com: event version is not 1.05"

static const char *const EC2_EVENT =
"{\"eventVersion\":\"1.05\",\"eventSource\":\"ec2.amazonaws.com\","
"\"eventName\":\"AuthorizeSecurityGroupIngress\",\"eventID\":\"e-1\","
"\"userIdentity\":{\"type\":\"AssumedRole\","
"\"arn\":\"arn:aws:sts::123456789012:assumed-role/r/user@company.com\"},"
"\"userAgent\":\"console.ec2.amazonaws.com\"}";

/* Load text; fail the test (fatally) when it does not compile. */
static void
load_ok(struct rig *r, const char *text)
{
	rig_setup(r);
	if (rig_load(r, text) != 0)
		rig_dump_diags(r);
	CU_ASSERT_EQUAL_FATAL(r->rc, 0);
}

static void
rules_dir(struct rig *r, char **dir)
{
	*dir = ce_test_data("drl/rules");
	rig_setup(r);
	r->paths[0] = *dir;
	if (rig_start(r, r->paths, 1) != 0)
		rig_dump_diags(r);
}

/* ------------------------------------------------------------------ */
/* The original project                                                */
/* ------------------------------------------------------------------ */

static void
original_ec2_rule_fires_unchanged(void)
{
	struct rig r;
	char *dir;
	int at;

	rules_dir(&r, &dir);
	CU_ASSERT_EQUAL_FATAL(r.rc, 0);
	CU_ASSERT_EQUAL(r.fh.ndiags, 0);
	CU_ASSERT_EQUAL(rig_eval(&r, EC2_EVENT), 0);
	CU_ASSERT_EQUAL(r.fh.nalerts, 1);
	CU_ASSERT_EQUAL_FATAL((at = fake_host_fired_at(&r.fh, EC2_RULE)), 0);
	CU_ASSERT_EQUAL_FATAL(r.fh.alerts[at].noutputs, 1);
	CU_ASSERT_STRING_EQUAL(r.fh.alerts[at].outputs[0], "DatadogAlertService");
	CU_ASSERT_PTR_NULL(r.fh.alerts[at].severity);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.fh.alerts[at].file, "EC2Rule.drl"));
	CU_ASSERT_EQUAL(r.fh.alerts[at].line, 5);
	/* From the CLI, or in another service: nothing. */
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\","
	    "\"eventName\":\"AuthorizeSecurityGroupIngress\","
	    "\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/user@company.com\"},"
	    "\"userAgent\":\"aws-cli/2\"}");
	CU_ASSERT_EQUAL(r.fh.nalerts, 0);
	rig_eval(&r, "{\"eventSource\":\"s3.amazonaws.com\","
	    "\"eventName\":\"AuthorizeSecurityGroupIngress\","
	    "\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/user@company.com\"},"
	    "\"userAgent\":\"console\",\"eventVersion\":\"1.08\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, EC2_RULE), 0);
	rig_teardown(&r);
	free(dir);
}

static void
original_s3_rules_print_and_fire(void)
{
	struct rig r;
	char *dir;

	rules_dir(&r, &dir);
	CU_ASSERT_EQUAL_FATAL(r.rc, 0);
	rig_eval(&r, "{\"eventVersion\":\"1.05\",\"eventSource\":\"s3.amazonaws.com\","
	    "\"eventName\":\"PutBucketPolicy\",\"n\":1.50}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, S3_IS), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, S3_NOT), 0);
	/* No report(): the rule fires with no outputs, and prints. */
	CU_ASSERT_EQUAL(r.fh.alerts[0].noutputs, 0);
	CU_ASSERT(fake_host_has_log(&r.fh, "info: " S3_IS " is triggered"));
	CU_ASSERT(fake_host_has_log(&r.fh, "\"eventVersion\":\"1.05\""));
	CU_ASSERT(fake_host_has_log(&r.fh, "\"n\":1.50"));
	rig_eval(&r, "{\"eventVersion\":\"1.08\",\"eventSource\":\"s3.amazonaws.com\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, S3_IS), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, S3_NOT), 1);
	rig_eval(&r, "{\"eventSource\":\"s3.amazonaws.com\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, S3_NOT), 1);	/* null-safe != */
	rig_eval(&r, "{\"eventVersion\":\"1.05\",\"eventSource\":\"iam.amazonaws.com\"}");
	CU_ASSERT_EQUAL(r.fh.nalerts, 0);
	rig_teardown(&r);
	free(dir);
}

/* Run the cases of a *.test.json file (the format test-rules reads). */
static void
run_test_file(struct rig *r, const char *path)
{
	struct json_object *cases = json_object_from_file(path), *c, *list;
	size_t i, j, n;
	const ce_event *ev;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cases);
	CU_ASSERT_FATAL(json_object_is_type(cases, json_type_array));
	n = json_object_array_length(cases);
	CU_ASSERT(n > 0);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		ev = ce_event_new(json_object_get(json_object_object_get(c, "event")),
		    path, i + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
		fake_host_clear(&r->fh);
		CU_ASSERT_EQUAL(cloudengine_plugin.evaluate(r->state, ev,
		    fake_host_sink(&r->fh)), 0);
		ce_event_unref(ev);
		list = json_object_object_get(c, "fires");
		for (j = 0; list != NULL && j < json_object_array_length(list); j++) {
			const char *name = json_object_get_string(
			    json_object_array_get_idx(list, j));

			if (fake_host_fired(&r->fh, name) == 0)
				fprintf(stderr, "\n%s: \"%s\" did not fire\n",
				    json_object_get_string(json_object_object_get(c, "name")), name);
			CU_ASSERT(fake_host_fired(&r->fh, name) > 0);
		}
		list = json_object_object_get(c, "not_fires");
		for (j = 0; list != NULL && j < json_object_array_length(list); j++) {
			const char *name = json_object_get_string(
			    json_object_array_get_idx(list, j));

			CU_ASSERT_EQUAL(fake_host_fired(&r->fh, name), 0);
		}
	}
	json_object_put(cases);
}

/* ce_test_each_file() callback: one *.test.json of dir, for the rig arg. */
static int
run_test_in(void *arg, const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	run_test_file(arg, path);
	return 1;
}

static void
rule_test_files_pass(void)
{
	struct rig r;
	char *dir;
	int files;

	rules_dir(&r, &dir);
	CU_ASSERT_EQUAL_FATAL(r.rc, 0);
	files = ce_test_each_file(dir, ".test.json", NULL, run_test_in, &r,
	    NULL);
	CU_ASSERT(files > 0);
	rig_teardown(&r);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* Routing and index                                                   */
/* ------------------------------------------------------------------ */

#define REPORT "then new Out().report($m, drools.getRule().getName()); end\n"
#define HEAD "import cloudengine.AlertServices.Out;\n"

static void
routing_by_event_source(void)
{
	struct rig r;

	load_ok(&r, HEAD
	    "rule \"ec2.amazonaws.com: a\" when $m : Map() " REPORT
	    "rule \"s3.amazonaws.com: b\" when $m : Map() " REPORT
	    "rule \"*: c\" when $m : Map() " REPORT
	    "rule \"no prefix d\" when $m : Map() " REPORT
	    "rule \"ec2.amazonaws.comX: e\" when $m : Map() " REPORT
	    "rule \"EC2: f\" when $m : Map() " REPORT);
	CU_ASSERT(fake_host_has_diag(&r.fh, "warning: rule \"no prefix d\" has no \"<eventSource>: \" prefix"));
	CU_ASSERT(fake_host_has_diag(&r.fh, "\"ec2.amazonaws.comX\" is not an eventSource"));
	CU_ASSERT(fake_host_has_diag(&r.fh, "\"EC2\" is not an eventSource"));
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: a"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "s3.amazonaws.com: b"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: c"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "no prefix d"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.comX: e"), 0);
	CU_ASSERT_EQUAL(r.fh.nalerts, 3);
	rig_eval(&r, "{\"eventName\":\"x\"}");		/* no eventSource */
	CU_ASSERT_EQUAL(r.fh.nalerts, 2);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: c"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "no prefix d"), 1);
	rig_eval(&r, "{\"eventSource\":42}");		/* not a string */
	CU_ASSERT_EQUAL(r.fh.nalerts, 2);
	rig_teardown(&r);
}

static void
event_name_index_is_exact(void)
{
	struct rig r;

	load_ok(&r, HEAD
	    "rule \"ec2.amazonaws.com: eq\" when $m : Map(this[\"eventName\"] == \"RunInstances\") " REPORT
	    "rule \"ec2.amazonaws.com: eq2\" when $m : Map(\"RunInstances\" == this[\"eventName\"], this[\"x\"] == 1) " REPORT
	    "rule \"ec2.amazonaws.com: in\" when $m : Map(this[\"x\"] == 1 && this[\"eventName\"] in (\"A\", \"B\", \"A\")) " REPORT
	    "rule \"ec2.amazonaws.com: or\" when $m : Map(this[\"eventName\"] == \"A\" || this[\"eventName\"] == \"C\") " REPORT
	    "rule \"ec2.amazonaws.com: num\" when $m : Map(this[\"eventName\"] == \"22\") " REPORT
	    "rule \"ec2.amazonaws.com: bool\" when $m : Map(this[\"eventName\"] == \"true\") " REPORT
	    "rule \"*: any\" when $m : Map(this[\"eventName\"] in (\"A\", \"RunInstances\")) " REPORT);
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"x\":1}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: eq"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: eq2"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: any"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 3);
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"A\",\"x\":1}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: in"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: or"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: any"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 3);
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"C\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: or"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 1);
	/* Literals a number or a boolean coerces to are not indexed. */
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":22}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: num"), 1);
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":true}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: bool"), 1);
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\"}");
	CU_ASSERT_EQUAL(r.fh.nalerts, 0);
	rig_teardown(&r);
}

/* Rules that cannot match are never evaluated: with 3,000 rules, an event
 * costs the few that share its eventSource and eventName. */
static void
index_skips_rules_that_cannot_match(void)
{
	static const char *const services[] = { "ec2", "s3", "iam" };
	size_t cap = 3000 * 200, n = 0, i;
	char *text = malloc(cap);
	struct rig r;
	int64_t before;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	n += (size_t)snprintf(text + n, cap - n, HEAD);
	for (i = 0; i < 3000; i++)
		n += (size_t)snprintf(text + n, cap - n,
		    "rule \"%s.amazonaws.com: r%zu\" when $m : Map(this[\"eventName\"] == \"Call%zu\", this[\"k\"] == %zu) " REPORT,
		    services[i % 3], i, i / 3, i);
	load_ok(&r, text);
	free(text);
	before = fake_host_metric(&r.fh, "rules_evaluated");
	rig_eval(&r, "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"Call500\",\"k\":1501}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "s3.amazonaws.com: r1501"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 1);
	CU_ASSERT_EQUAL(fake_host_metric(&r.fh, "rules_evaluated") - before, 1);
	CU_ASSERT_EQUAL(fake_host_metric(&r.fh, "rules_fired"), 1);
	rig_eval(&r, "{\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"Call500\"}");
	CU_ASSERT_EQUAL(fake_host_metric(&r.fh, "rules_evaluated") - before, 1);
	rig_teardown(&r);
}

/* The index on other keys (==, in, a string to contain, "[*]") drops no
 * rule that can fire, whatever the type of the event's value. */
static void
key_index_is_exact(void)
{
	struct rig r;

	load_ok(&r, HEAD
	    "rule \"*: eq\" when $m : Map(this[\"a\"] == \"x\", this[\"b\"] != \"y\") " REPORT
	    "rule \"*: in\" when $m : Map(this[\"a\"] in (\"p\", \"q\")) " REPORT
	    "rule \"*: num\" when $m : Map(this[\"n\"] == \"22\") " REPORT
	    "rule \"*: bool\" when $m : Map(this[\"t\"] == \"true\") " REPORT
	    "rule \"*: star\" when $m : Map(this[\"l[*].v\"] == \"z\") " REPORT
	    "rule \"*: star has\" when $m : Map(this[\"l[*].v\"] contains \"ee\") " REPORT
	    "rule \"*: re\" when $m : Map(this[\"s\"] matches \".*needle.*\") " REPORT
	    "rule \"*: pre\" when $m : Map(this[\"s\"].startsWith(\"abc\")) " REPORT
	    "rule \"*: mid\" when $m : Map(this[\"s\"] contains \"mid\") " REPORT
	    "rule \"*: len\" when $m : Map(this[\"s\"] str[length] 3) " REPORT
	    "rule \"*: not\" when $m : Map(this[\"s\"] not contains \"mid\") " REPORT);
	rig_eval(&r, "{\"a\":\"x\",\"b\":\"z\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: eq"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: not"), 1);	/* s is null */
	CU_ASSERT_EQUAL(r.fh.nalerts, 2);
	rig_eval(&r, "{\"a\":\"q\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: in"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 2);
	/* "22" and "true" read as a number and a boolean: the event's number
	 * or boolean may equal them, its other strings may not. */
	rig_eval(&r, "{\"n\":22.0,\"t\":true}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: num"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: bool"), 1);
	rig_eval(&r, "{\"n\":\"22\",\"t\":\"true\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: num"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: bool"), 1);
	rig_eval(&r, "{\"n\":\"22.0\",\"t\":\"True\",\"a\":null}");
	CU_ASSERT_EQUAL(r.fh.nalerts, 1);			/* "*: not" */
	/* Two elements with the value: the rule fires once. */
	rig_eval(&r, "{\"l\":[{\"v\":\"y\"},{\"v\":\"z\"},{\"v\":\"z\"},{\"v\":\"tree\"}],\"s\":\"mid\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: star"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: star has"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: mid"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: len"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 4);
	rig_eval(&r, "{\"l\":[],\"s\":\"a needle\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: re"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: not"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 2);
	/* The regex's literal is only a filter: the regex still decides
	 * ('.' does not match a line break). */
	rig_eval(&r, "{\"s\":\"abc needle\\n\"}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: re"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: pre"), 1);
	rig_eval(&r, "{\"s\":22}");
	CU_ASSERT_EQUAL(r.fh.nalerts, 1);			/* "*: not" */
	rig_teardown(&r);
}

/* Rules hung on other keys keep their firing order across the index. */
static void
key_index_keeps_salience(void)
{
	struct rig r;

	load_ok(&r, HEAD
	    "rule \"*: c\" salience 1 when $m : Map(this[\"c\"] == \"1\") " REPORT
	    "rule \"*: a\" salience 3 when $m : Map(this[\"a\"] == \"x\") " REPORT
	    "rule \"*: s\" salience 4 when $m : Map(this[\"s\"] contains \"o\") " REPORT
	    "rule \"*: plain\" salience 2 when $m : Map(this[\"a\"] != this[\"b\"]) " REPORT
	    "rule \"*: b\" salience 5 when $m : Map(this[\"b\"] in (\"y\", \"w\")) " REPORT);
	rig_eval(&r, "{\"a\":\"x\",\"b\":\"y\",\"c\":1,\"s\":\"so\"}");
	CU_ASSERT_EQUAL_FATAL(r.fh.nalerts, 5);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: b"), 0);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: s"), 1);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: a"), 2);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: plain"), 3);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: c"), 4);
	rig_teardown(&r);
}

/* Rules with no eventName are not all evaluated either: those that need
 * another key to hold a value, or a string holding some text, wait for
 * an event that has it. */
static void
key_index_skips_rules_that_cannot_match(void)
{
	size_t cap = 3000 * 200, n = 0, i;
	char *text = malloc(cap);
	struct rig r;
	int64_t before;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	n += (size_t)snprintf(text + n, cap - n, HEAD);
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(text + n, cap - n,
		    "rule \"*: user%zu\" when $m : Map(this[\"awsRegion\"] == \"us-east-1\", this[\"user\"] == \"u%zu\") " REPORT
		    "rule \"*: agent%zu\" when $m : Map(this[\"agent\"] contains \"tool%zu/\") " REPORT
		    "rule \"*: key%zu\" when $m : Map(this[\"k%zu.v\"] str[startsWith] \"x\") " REPORT,
		    i, i, i, i, i, i);
	load_ok(&r, text);
	free(text);
	before = fake_host_metric(&r.fh, "rules_evaluated");
	rig_eval(&r, "{\"awsRegion\":\"us-east-1\",\"user\":\"u500\",\"agent\":\"tool7/1.0\",\"k9\":{\"v\":\"xy\"}}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: user500"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: agent7"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: key9"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 3);
	CU_ASSERT_EQUAL(fake_host_metric(&r.fh, "rules_evaluated") - before, 3);
	rig_teardown(&r);
}

/* Enough keys for the engine to fetch an event's values in one walk of
 * it (engine.h: keyset): what the walk did not find is missing, null-safe
 * comparisons included, and "[*]" keys (not in the walk) still count. */
static void
keys_fetched_in_one_walk(void)
{
	size_t cap = 200 * 240, n = 0, i;
	char *text = malloc(cap), name[32];
	struct rig r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	n += (size_t)snprintf(text + n, cap - n, HEAD);
	for (i = 0; i < 80; i++)
		n += (size_t)snprintf(text + n, cap - n,
		    "rule \"*: eq%zu\" when $m : Map(this[\"k%zu\"] == \"v\") " REPORT
		    "rule \"*: ne%zu\" when $m : Map(this[\"k%zu\"] != \"x\") " REPORT,
		    i, i, i, i);
	n += (size_t)snprintf(text + n, cap - n,
	    "rule \"*: star\" when $m : Map(this[\"a[*].b\"] == \"s\") " REPORT
	    "rule \"*: deep\" when $m : Map(this[\"o.p[1].q\"] == 7) " REPORT);
	load_ok(&r, text);
	free(text);
	rig_eval(&r, "{\"k3\":\"v\",\"k5\":\"x\",\"k7\":null,\"k9\":{},"
	    "\"a\":[{\"b\":\"t\"},{\"b\":\"s\"}],\"o\":{\"p\":[0,{\"q\":7}]}}");
	for (i = 0; i < 80; i++) {
		snprintf(name, sizeof(name), "*: eq%zu", i);
		CU_ASSERT_EQUAL(fake_host_fired(&r.fh, name), i == 3);
		snprintf(name, sizeof(name), "*: ne%zu", i);
		CU_ASSERT_EQUAL(fake_host_fired(&r.fh, name), i != 5);
	}
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: star"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: deep"), 1);
	CU_ASSERT_EQUAL(r.fh.nalerts, 1 + 79 + 2);
	rig_teardown(&r);
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* The index against each rule alone                                  */
/* ------------------------------------------------------------------ */

#define DIFF_RULES	300
#define DIFF_EVENTS	160

/* A deterministic generator (the same rules and events on every run). */
static unsigned
diff_rand(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

/* Most conditions on a few keys (so that they share keyed groups, value
 * tables and checks), some on many (so that the key set is walked). */
static unsigned
diff_key(unsigned *seed)
{
	return diff_rand(seed, 6) != 0 ? diff_rand(seed, 4) : diff_rand(seed, 70);
}

static size_t
diff_atom(char *out, size_t cap, unsigned *seed)
{
	unsigned k = diff_key(seed), v = diff_rand(seed, 8);

	switch (diff_rand(seed, 10)) {
	case 0:
	case 1:
		return (size_t)snprintf(out, cap, "this[\"k%u\"] == \"val-%u\"", k, v);
	case 2:
		return (size_t)snprintf(out, cap,
		    "this[\"k%u\"] in (\"val-%u\", \"val-%u\", \"val-%u\")", k, v,
		    (v + 3) % 8, (v + 5) % 8);
	case 3:
		return (size_t)snprintf(out, cap, "this[\"k%u\"] contains \"l-%u\"", k, v);
	case 4:
		return (size_t)snprintf(out, cap, "this[\"k%u\"] != \"val-%u\"", k, v);
	case 5:
		return (size_t)snprintf(out, cap, "this[\"l[*].v\"] == \"val-%u\"", v);
	case 6:
		return (size_t)snprintf(out, cap, "this[\"k%u\"].startsWith(\"val-%u\")", k, v);
	case 7:
		return (size_t)snprintf(out, cap, "this[\"k%u\"] == this[\"k%u\"]", k, diff_key(seed));
	case 8:
		return (size_t)snprintf(out, cap, "this[\"k%u\"] matches \"val-[0-%u]\"", k, v);
	default:
		return (size_t)snprintf(out, cap, "(this[\"k%u\"] == \"val-%u\" || this[\"k%u\"] == %u)",
		    k, v, diff_key(seed), v);
	}
}

/* Rule i, named name (a buffer of 40). */
static size_t
diff_rule(char *out, size_t cap, unsigned *seed, unsigned i, char *name)
{
	static const char *const routes[] = { "*", "ec2.amazonaws.com", "s3.amazonaws.com" };
	unsigned natoms = 1 + diff_rand(seed, 3), a;
	size_t n;

	snprintf(name, 40, "%s: r%u", routes[diff_rand(seed, 3)], i);
	n = (size_t)snprintf(out, cap, "rule \"%s\" salience %u when $m : Map(",
	    name, diff_rand(seed, 4));
	if (diff_rand(seed, 4) == 0)
		n += (size_t)snprintf(out + n, cap - n, "this[\"eventName\"] == \"E%u\" && ",
		    diff_rand(seed, 3));
	for (a = 0; a < natoms; a++) {
		if (a > 0)
			n += (size_t)snprintf(out + n, cap - n, diff_rand(seed, 2) ? " && " : ", ");
		n += diff_atom(out + n, cap - n, seed);
	}
	return n + (size_t)snprintf(out + n, cap - n, ") " REPORT);
}

static void
diff_event(char *out, size_t cap, unsigned *seed)
{
	static const char *const sources[] = { "ec2.amazonaws.com", "s3.amazonaws.com", "iam.amazonaws.com" };
	unsigned k, e, nl = diff_rand(seed, 4);
	size_t n;

	n = (size_t)snprintf(out, cap, "{\"eventSource\":\"%s\",\"eventName\":\"E%u\"",
	    sources[diff_rand(seed, 3)], diff_rand(seed, 3));
	for (k = 0; k < 70; k++) {
		if (diff_rand(seed, k < 6 ? 4 : 8) == 0)
			continue;	/* missing */
		switch (diff_rand(seed, 12)) {
		case 0:
			n += (size_t)snprintf(out + n, cap - n, ",\"k%u\":%u", k, diff_rand(seed, 8));
			break;
		case 1:
			n += (size_t)snprintf(out + n, cap - n, ",\"k%u\":null", k);
			break;
		default:
			n += (size_t)snprintf(out + n, cap - n, ",\"k%u\":\"val-%u%s\"", k,
			    diff_rand(seed, 8), diff_rand(seed, 3) == 0 ? "-tail" : "");
		}
	}
	n += (size_t)snprintf(out + n, cap - n, ",\"l\":[");
	for (e = 0; e < nl; e++)
		n += (size_t)snprintf(out + n, cap - n, "%s{\"v\":\"val-%u\"}", e ? "," : "",
		    diff_rand(seed, 8));
	snprintf(out + n, cap - n, "]}");
}

/*
 * Every rule fires, through the whole index of a few hundred rules (value
 * tables, checks, needles, "[*]" keys, the key set's walk), on exactly the
 * events where it fires when it is the only rule loaded.
 */
static void
index_agrees_with_rules_alone(void)
{
	size_t cap = DIFF_RULES * 400, n = 0, i, j, mismatches = 0;
	char *text = malloc(cap), *one = malloc(1024);
	char *events = malloc((size_t)DIFF_EVENTS * 8192);
	char (*names)[40] = calloc(DIFF_RULES, sizeof(*names));
	unsigned char *fired = calloc((size_t)DIFF_RULES * DIFF_EVENTS, 1);
	unsigned seed = 7, rseed;
	struct rig all, alone;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text && one && events && names && fired);
	n += (size_t)snprintf(text + n, cap - n, HEAD);
	for (j = 0; j < DIFF_EVENTS; j++)
		diff_event(events + j * 8192, 8192, &seed);
	for (i = 0; i < DIFF_RULES; i++) {
		rseed = seed;
		n += diff_rule(text + n, cap - n, &seed, (unsigned)i, names[i]);
		/* The same rule alone: its firings are the reference. */
		j = (size_t)snprintf(one, 1024, HEAD);
		diff_rule(one + j, 1024 - j, &rseed, (unsigned)i, names[i]);
		load_ok(&alone, one);
		for (j = 0; j < DIFF_EVENTS; j++) {
			rig_eval(&alone, events + j * 8192);
			fired[i * DIFF_EVENTS + j] = alone.fh.nalerts > 0;
		}
		rig_teardown(&alone);
	}
	CU_ASSERT_FATAL(n < cap);
	load_ok(&all, text);
	for (j = 0; j < DIFF_EVENTS; j++) {
		rig_eval(&all, events + j * 8192);
		for (i = 0; i < DIFF_RULES; i++) {
			if ((fake_host_fired(&all.fh, names[i]) > 0) !=
			    fired[i * DIFF_EVENTS + j] && mismatches++ < 5)
				fprintf(stderr, "%s, event %zu: %s\n", names[i],
				    j, events + j * 8192);
		}
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	rig_teardown(&all);
	free(fired);
	free(names);
	free(events);
	free(one);
	free(text);
}

static void
salience_orders_firing(void)
{
	struct rig r;

	/* The four candidate lists (source by name, source, all by name,
	 * all) are merged in salience order, ties in file order. */
	load_ok(&r, HEAD
	    "rule \"*: low\" salience -5 when $m : Map() " REPORT
	    "rule \"ec2.amazonaws.com: default1\" when $m : Map() " REPORT
	    "rule \"ec2.amazonaws.com: named\" salience 3 when $m : Map(this[\"eventName\"] == \"X\") " REPORT
	    "rule \"*: top\" salience 10 when $m : Map() " REPORT
	    "rule \"*: named all\" salience 5 when $m : Map(this[\"eventName\"] == \"X\") " REPORT
	    "rule \"ec2.amazonaws.com: default2\" salience 0 when $m : Map() " REPORT);
	rig_eval(&r, "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"X\"}");
	CU_ASSERT_EQUAL_FATAL(r.fh.nalerts, 6);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: top"), 0);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: named all"), 1);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "ec2.amazonaws.com: named"), 2);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "ec2.amazonaws.com: default1"), 3);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "ec2.amazonaws.com: default2"), 4);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: low"), 5);
	rig_teardown(&r);
}

static void
activation_group_fires_first_only(void)
{
	struct rig r;

	load_ok(&r, HEAD
	    "rule \"*: A\" salience 10 activation-group \"g\" when $m : Map(this[\"x\"] == 2) " REPORT
	    "rule \"*: B\" salience 5 activation-group \"g\" when $m : Map(this[\"x\"] == 1) " REPORT
	    "rule \"*: C\" salience 1 activation-group \"g\" when $m : Map() " REPORT
	    "rule \"*: D\" activation-group \"h\" when $m : Map() " REPORT
	    "rule \"*: E\" activation-group \"h\" when $m : Map() " REPORT
	    "rule \"*: F\" when $m : Map() " REPORT);
	rig_eval(&r, "{\"x\":1}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: A"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: B"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: C"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: D"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: E"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: F"), 1);
	rig_eval(&r, "{\"x\":2}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: A"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: C"), 0);
	rig_eval(&r, "{\"x\":3}");		/* a group is per event */
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: C"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: D"), 1);
	rig_teardown(&r);
}

static void
dates_bound_when_rules_fire(void)
{
	struct rig r;

	load_ok(&r, HEAD
	    "rule \"*: started\" date-effective \"1-Jan-2000\" when $m : Map() " REPORT
	    "rule \"*: not yet\" date-effective \"1-Jan-2999\" when $m : Map() " REPORT
	    "rule \"*: expired\" date-expires \"1-Jan-2000\" when $m : Map() " REPORT
	    "rule \"*: not expired\" date-expires \"31-Dec-2999 23:59\" when $m : Map() " REPORT
	    "rule \"*: window\" date-effective \"1-Jan-2000\" date-expires \"1-jan-2999\" when $m : Map() " REPORT);
	rig_eval(&r, "{}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: started"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: not yet"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: expired"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: not expired"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: window"), 1);
	rig_teardown(&r);
}

static void
enabled_no_loop_and_dialect(void)
{
	struct rig r;

	load_ok(&r, HEAD
	    "package com.example.rules;\n"
	    "dialect \"mvel\"\n"
	    "rule \"*: off\" enabled false when $m : Map() " REPORT
	    "rule \"*: on\" enabled true no-loop dialect \"java\" when $m : Map() " REPORT
	    "rule \"*: loop\" no-loop true, salience 1 when $m : Map() " REPORT);
	rig_eval(&r, "{}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: off"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: on"), 1);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: loop"), 1);
	rig_teardown(&r);
}

static void
metadata_travels_with_the_alert(void)
{
	struct rig r;
	const struct fake_alert *a;

	load_ok(&r, HEAD
	    "// a comment\n/* and\n another */\n"
	    "rule \"*: meta\"\n"
	    "    @severity(high) @description(\"Someone did \\\"it\\\"\")\n"
	    "    @runbook(\"https://wiki/runbook\") @tags(\"a\", \"b c\")\n"
	    "    @author(\"me\")\n"
	    "    salience 1\n"
	    "when $m : Map() " REPORT
	    "rule \"*: quoted severity\" @severity(\"info\") when $m : Map() " REPORT);
	CU_ASSERT(fake_host_has_diag(&r.fh, "warning: unknown metadata @author is ignored"));
	rig_eval(&r, "{}");
	CU_ASSERT_EQUAL_FATAL(r.fh.nalerts, 2);
	a = &r.fh.alerts[fake_host_fired_at(&r.fh, "*: meta")];
	CU_ASSERT_STRING_EQUAL(a->severity, "high");
	CU_ASSERT_STRING_EQUAL(a->description, "Someone did \"it\"");
	CU_ASSERT_STRING_EQUAL(a->runbook, "https://wiki/runbook");
	CU_ASSERT_EQUAL_FATAL(a->ntags, 2);
	CU_ASSERT_STRING_EQUAL(a->tags[0], "a");
	CU_ASSERT_STRING_EQUAL(a->tags[1], "b c");
	CU_ASSERT_EQUAL(a->line, 5);
	a = &r.fh.alerts[fake_host_fired_at(&r.fh, "*: quoted severity")];
	CU_ASSERT_STRING_EQUAL(a->severity, "info");
	CU_ASSERT_PTR_NULL(a->description);
	CU_ASSERT_EQUAL(a->ntags, 0);
	rig_teardown(&r);
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

static void
report_calls_make_alerts(void)
{
	struct rig r;
	const struct fake_alert *a;

	load_ok(&r,
	    "import cloudengine.AlertServices.Out\n"
	    "import cloudengine.AlertServices.*;\n"
	    "rule \"*: two outputs\" when $m : Map() then\n"
	    "    new Out().report($m, drools.getRule().getName());\n"
	    "    new Pager().report($m, drools.getRule().getName());\n"
	    "    new Out().report($m, drools.getRule().getName());\n"
	    "end\n"
	    "rule \"*: literal\" when $m : Map() then\n"
	    "    new cloudengine.AlertServices.Pager().report($m, \"Custom title\");\n"
	    "    new Out().report($m, drools.getRule().getName());\n"
	    "end\n"
	    "rule \"*: silent\" when Map() then end\n");
	rig_eval(&r, "{}");
	CU_ASSERT_EQUAL_FATAL(r.fh.nalerts, 4);
	a = &r.fh.alerts[fake_host_fired_at(&r.fh, "*: two outputs")];
	CU_ASSERT_EQUAL_FATAL(a->noutputs, 2);
	CU_ASSERT_STRING_EQUAL(a->outputs[0], "Out");
	CU_ASSERT_STRING_EQUAL(a->outputs[1], "Pager");
	/* A literal second argument is the name the output reports. */
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "Custom title"), 1);
	a = &r.fh.alerts[1];
	CU_ASSERT_EQUAL_FATAL(a->noutputs, 1);
	CU_ASSERT_STRING_EQUAL(a->outputs[0], "Pager");
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: literal"), 2);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: silent"), 1);
	CU_ASSERT_EQUAL(r.fh.alerts[3].noutputs, 0);
	rig_teardown(&r);
}

static void
println_writes_to_the_log(void)
{
	struct rig r;

	load_ok(&r,
	    "rule \"*: p\" when $m : Map(this[\"eventName\"] != null) then\n"
	    "    System.out.println(\"name=\" + $m.get(\"eventName\") + \" n=\" + $m[\"n\"] + \" \" + 42 + \" \" + null);\n"
	    "    System.err.println(drools.getRule().getName() + \" warned\");\n"
	    "    System.out.println();\n"
	    "end\n");
	rig_eval(&r, "{\"eventName\":\"X\",\"n\":1.50}");
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: p"), 1);
	CU_ASSERT(fake_host_has_log(&r.fh, "info: name=X n=1.50 42 null"));
	CU_ASSERT(fake_host_has_log(&r.fh, "warning: *: p warned"));
	rig_teardown(&r);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

static void
config_disables_and_overrides(void)
{
	static const char *const disable[] = { "*: b", "*: nothing" };
	static const char *const overrides[] = {
		"*: a=critical", "*: x=y = low", "*: ghost=high"
	};
	struct rig r;

	rig_setup(&r);
	fake_host_set_list(&r.fh, "disable", disable, 2);
	fake_host_set_list(&r.fh, "severity_overrides", overrides, 3);
	CU_ASSERT_EQUAL_FATAL(rig_load(&r, HEAD
	    "rule \"*: a\" @severity(low) when $m : Map() " REPORT
	    "rule \"*: b\" when $m : Map() " REPORT
	    "rule \"*: x=y\" when $m : Map() " REPORT), 0);
	CU_ASSERT(fake_host_has_diag(&r.fh, "cloudengine: warning: disable: there is no rule named \"*: nothing\""));
	CU_ASSERT(fake_host_has_diag(&r.fh, "warning: severity_overrides: there is no rule named \"*: ghost\""));
	rig_eval(&r, "{}");
	CU_ASSERT_EQUAL_FATAL(r.fh.nalerts, 2);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: b"), 0);
	CU_ASSERT_STRING_EQUAL(r.fh.alerts[fake_host_fired_at(&r.fh, "*: a")].severity, "critical");
	CU_ASSERT_STRING_EQUAL(r.fh.alerts[fake_host_fired_at(&r.fh, "*: x=y")].severity, "low");
	rig_teardown(&r);
}

static void
config_bad_override_fails_init(void)
{
	static const char *const bad[] = { "*: a=urgent", "no equals sign" };
	struct rig r;

	rig_setup(&r);
	fake_host_set_list(&r.fh, "severity_overrides", bad, 2);
	CU_ASSERT_EQUAL(rig_load(&r, HEAD "rule \"*: a\" when $m : Map() " REPORT), -EINVAL);
	CU_ASSERT(fake_host_has_diag(&r.fh, "error: severity_overrides: \"*: a=urgent\": unknown severity \"urgent\""));
	CU_ASSERT(fake_host_has_diag(&r.fh, "error: severity_overrides: \"no equals sign\": expected \"rule name=severity\""));
	rig_teardown(&r);
}

static void
directories_load_in_name_order(void)
{
	struct rig r;
	char a[400], b[400], c[400];
	FILE *fp;

	rig_setup(&r);
	/* b.drl before c.drl whatever readdir says; notes.txt is ignored. */
	snprintf(a, sizeof(a), "%s/notes.txt", r.dir);
	snprintf(b, sizeof(b), "%s/c.drl", r.dir);
	snprintf(c, sizeof(c), "%s/b.drl", r.dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL((fp = fopen(a, "w")));
	fputs("not a rule file", fp);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL_FATAL((fp = fopen(b, "w")));
	fputs(HEAD "rule \"*: from c\" when $m : Map() " REPORT, fp);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL_FATAL((fp = fopen(c, "w")));
	fputs(HEAD "rule \"*: from b\" when $m : Map() " REPORT, fp);
	fclose(fp);
	r.paths[0] = r.dir;
	CU_ASSERT_EQUAL_FATAL(rig_start(&r, r.paths, 1), 0);
	rig_eval(&r, "{}");
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: from b"), 0);
	CU_ASSERT_EQUAL(fake_host_fired_at(&r.fh, "*: from c"), 1);
	unlink(a);
	unlink(b);
	unlink(c);
	rig_teardown(&r);
}

static void
missing_rule_path_fails_init(void)
{
	static const char *const paths[] = { "/nonexistent/drl/rules.drl" };
	struct rig r;

	rig_setup(&r);
	CU_ASSERT_EQUAL(rig_start(&r, paths, 1), -EINVAL);
	CU_ASSERT(fake_host_has_diag(&r.fh,
	    "/nonexistent/drl/rules.drl: error: cannot read rule file: No such file or directory"));
	rig_teardown(&r);
}

static void
fire_errors_are_returned(void)
{
	struct rig r;

	load_ok(&r, HEAD "rule \"*: a\" when $m : Map() " REPORT);
	r.fh.fire_rc = -EIO;
	CU_ASSERT_EQUAL(rig_eval(&r, "{}"), -EIO);
	rig_teardown(&r);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */
/* ------------------------------------------------------------------ */

struct worker {
	struct rig	*r;
	int		 failures;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	const ce_event *ev[2];
	int i;

	ev[0] = fake_event("{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"A\","
	    "\"list\":[{\"v\":\"x1\"},{\"v\":\"Y2\"}],\"s\":\"  Hello  \"}");
	ev[1] = fake_event("{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"B\","
	    "\"list\":[],\"s\":\"bye\"}");
	for (i = 0; i < 400; i++) {
		if (cloudengine_plugin.evaluate(w->r->state, ev[i % 2],
		    fake_host_sink(&w->r->fh)) != 0)
			w->failures++;
	}
	fake_event_free(ev[0]);
	fake_event_free(ev[1]);
	return NULL;
}

static void
evaluate_is_reentrant(void)
{
	struct worker w[4];
	pthread_t t[4];
	struct rig r;
	int i;

	load_ok(&r, HEAD
	    "rule \"ec2.amazonaws.com: a\" when $m : Map(this[\"list[*].v\"].toLowerCase() matches \"y\\\\d\" "
	    "&& this[\"s\"].trim() + \"!\" == \"Hello!\") " REPORT
	    "rule \"ec2.amazonaws.com: b\" when $m : Map(this[\"eventName\"] in (\"B\")) " REPORT);
	for (i = 0; i < 4; i++) {
		w[i].r = &r;
		w[i].failures = 0;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(w[i].failures, 0);
	}
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: a"), 4 * 200);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "ec2.amazonaws.com: b"), 4 * 200);
	rig_teardown(&r);
}

static CU_TestInfo original_tests[] = {
	CE_TEST(original_ec2_rule_fires_unchanged),
	CE_TEST(original_s3_rules_print_and_fire),
	CE_TEST(rule_test_files_pass),
	CU_TEST_INFO_NULL
};

static CU_TestInfo engine_tests[] = {
	CE_TEST(routing_by_event_source),
	CE_TEST(event_name_index_is_exact),
	CE_TEST(index_skips_rules_that_cannot_match),
	CE_TEST(key_index_is_exact),
	CE_TEST(key_index_keeps_salience),
	CE_TEST(key_index_skips_rules_that_cannot_match),
	CE_TEST(keys_fetched_in_one_walk),
	CE_TEST(index_agrees_with_rules_alone),
	CE_TEST(salience_orders_firing),
	CE_TEST(activation_group_fires_first_only),
	CE_TEST(dates_bound_when_rules_fire),
	CE_TEST(enabled_no_loop_and_dialect),
	CE_TEST(metadata_travels_with_the_alert),
	CE_TEST(report_calls_make_alerts),
	CE_TEST(println_writes_to_the_log),
	CE_TEST(config_disables_and_overrides),
	CE_TEST(config_bad_override_fails_init),
	CE_TEST(directories_load_in_name_order),
	CE_TEST(missing_rule_path_fails_init),
	CE_TEST(fire_errors_are_returned),
	CE_TEST(evaluate_is_reentrant),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "drl original rules", .pTests = original_tests },
	{ .pName = "drl engine", .pTests = engine_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}

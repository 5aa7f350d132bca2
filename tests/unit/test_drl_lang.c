/*
 * test_drl_lang.c - the rule language of the drl evaluator: every
 * operator, method, literal form, null case, coercion and "[*]" rule,
 * each as a constraint checked against one event; plus exact numbers,
 * Java string order, dates and regex translation.
 */
#include "test_drl_rig.c"	/* sic: shared helpers */

#include "date.h"
#include "number.h"
#include "regex.h"
#include "value.h"

/* One record with a value of each kind the constraints below need. */
static const char *const EVENT =
"{\"eventVersion\":\"1.08\",\"eventSource\":\"ec2.amazonaws.com\","
"\"eventName\":\"AuthorizeSecurityGroupIngress\","
"\"userIdentity\":{\"type\":\"IAMUser\","
"\"arn\":\"arn:aws:iam::123456789012:user/user@company.com\",\"userName\":\"alice\"},"
"\"userAgent\":\"console.amazonaws.com\",\"sourceIPAddress\":\"203.0.113.7\","
"\"requestParameters\":{\"groupId\":\"sg-1\",\"ipPermissions\":{\"items\":["
"{\"ipProtocol\":\"tcp\",\"fromPort\":22,\"toPort\":22,\"ipRanges\":{\"items\":"
"[{\"cidrIp\":\"10.0.0.0/8\"},{\"cidrIp\":\"0.0.0.0/0\"}]}},"
"{\"ipProtocol\":\"udp\",\"fromPort\":\"443\",\"toPort\":443,\"ipRanges\":{\"items\":"
"[{\"cidrIp\":\"192.168.0.0/16\"}]}}]}},"
"\"responseElements\":{\"_return\":true},\"errorCode\":null,\"resources\":[],"
"\"additionalEventData\":{},\"price\":\"1.50\",\"ratio\":1.0,\"count\":3,"
"\"flag\":\"true\",\"big\":12345678901234567890,\"neg\":-0,\"exp\":1e3,"
"\"name2\":\"alice\",\"text\":\"  padded\\t\",\"mixed\":\"MiXeD\",\"nl\":\"abc\\n\","
"\"uni\":\"h\\u00e9llo\",\"emoji\":\"\\ud83d\\ude00\",\"private\":\"\\ue000\","
"\"bools\":[true,false],\"nulls\":[null]}";

struct lang_case {
	const char	*cond;
	int		 holds;
};

static void
run_cases(const struct lang_case *cases, size_t n)
{
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		got = cond_holds(cases[i].cond, EVENT);
		if (got != cases[i].holds)
			fprintf(stderr, "\nFAILED: Map( %s ): expected %d, got %d\n",
			    cases[i].cond, cases[i].holds, got);
		CU_ASSERT_EQUAL(got, cases[i].holds);
	}
}

#define RUN(cases)	run_cases(cases, sizeof(cases) / sizeof(cases[0]))

static void
equality_and_literals(void)
{
	static const struct lang_case cases[] = {
		{ "this[\"eventName\"] == \"AuthorizeSecurityGroupIngress\"", 1 },
		{ "this[\"eventName\"] != \"AuthorizeSecurityGroupIngress\"", 0 },
		{ "this['eventName'] == 'AuthorizeSecurityGroupIngress'", 1 },
		{ "\"AuthorizeSecurityGroupIngress\" == this[\"eventName\"]", 1 },
		{ "this[\"eventName\"] == \"authorizesecuritygroupingress\"", 0 },
		{ "this[\"userIdentity.userName\"] == this[\"name2\"]", 1 },
		{ "this[\"userIdentity.userName\"] != this[\"eventName\"]", 1 },
		{ "this[\"text\"] == \"  padded\\t\"", 1 },
		{ "this[\"uni\"] == \"h\\u00e9llo\"", 1 },
		{ "this[\"uni\"] == \"h\\u00E9llo\"", 1 },
		{ "this[\"mixed\"] == \"\\115iXeD\"", 1 },		/* octal escape */
		{ "this[\"emoji\"] == \"\\uD83D\\uDE00\"", 1 },	/* surrogate pair */
		{ "this[\"responseElements._return\"] == true", 1 },
		{ "this[\"responseElements._return\"] != false", 1 },
		{ "this[\"errorCode\"] == null", 1 },
		{ "true", 1 },
		{ "false", 0 },
	};
	RUN(cases);
}

static void
numbers_compare_exactly(void)
{
	static const struct lang_case cases[] = {
		{ "this[\"count\"] == 3", 1 },
		{ "this[\"count\"] == 3.0", 1 },
		{ "this[\"count\"] == 3L", 1 },
		{ "this[\"count\"] == 0.3e1", 1 },
		{ "this[\"count\"] != 4", 1 },
		{ "this[\"count\"] > -5", 1 },
		{ "this[\"count\"] == -3", 0 },
		{ "this[\"ratio\"] == 1", 1 },
		{ "this[\"ratio\"] == 1.00", 1 },
		{ "this[\"neg\"] == 0", 1 },
		{ "this[\"neg\"] == -0", 1 },
		{ "this[\"exp\"] == 1000", 1 },
		{ "this[\"exp\"] >= 999.999", 1 },
		/* Beyond double precision: only an exact comparison tells. */
		{ "this[\"big\"] == 12345678901234567890", 1 },
		{ "this[\"big\"] > 12345678901234567889", 1 },
		{ "this[\"big\"] < 12345678901234567891", 1 },
		{ "this[\"big\"] == 12345678901234567891", 0 },
		{ "this[\"count\"] < 3", 0 },
		{ "this[\"count\"] <= 3", 1 },
		{ "this[\"count\"] >= 3", 1 },
		{ "this[\"count\"] > 3", 0 },
	};
	RUN(cases);
}

static void
coercion_follows_mvel(void)
{
	static const struct lang_case cases[] = {
		/* string meets number: BigDecimal conversion */
		{ "this[\"count\"] == \"3\"", 1 },
		{ "this[\"count\"] == \"3.00\"", 1 },
		{ "this[\"count\"] == \"+3\"", 1 },
		{ "this[\"count\"] == \" 3\"", 0 },
		{ "this[\"count\"] == \"3x\"", 0 },
		{ "this[\"count\"] != \"3x\"", 1 },
		{ "this[\"price\"] == 1.5", 1 },
		{ "this[\"price\"] == \"1.5\"", 0 },		/* two strings: bytes */
		{ "this[\"price\"] > 1.49", 1 },
		{ "this[\"price\"] < 2", 1 },
		{ "this[\"requestParameters.ipPermissions.items[1].fromPort\"] == 443", 1 },
		{ "this[\"requestParameters.ipPermissions.items[0].fromPort\"] == \"22\"", 1 },
		{ "this[\"requestParameters.ipPermissions.items[1].fromPort\"] > 400", 1 },
		{ "this[\"eventName\"] > 5", 0 },		/* not a number: no order */
		{ "this[\"eventName\"] < 5", 0 },
		{ "this[\"eventName\"] != 5", 1 },
		/* string meets boolean: only "true" and "false" */
		{ "this[\"flag\"] == true", 1 },
		{ "this[\"flag\"] == false", 0 },
		{ "this[\"flag\"] != false", 1 },
		{ "this[\"responseElements._return\"] == \"true\"", 1 },
		{ "this[\"responseElements._return\"] == \"TRUE\"", 0 },
		{ "this[\"responseElements._return\"] == \"1\"", 0 },
		/* a number never equals a boolean */
		{ "this[\"responseElements._return\"] == 1", 0 },
		{ "this[\"responseElements._return\"] != 1", 1 },
		{ "this[\"count\"] == true", 0 },
		/* booleans have no order */
		{ "this[\"responseElements._return\"] > \"a\"", 0 },
		/* a bare value is a condition: value == true */
		{ "this[\"flag\"]", 1 },
		{ "this[\"responseElements._return\"]", 1 },
		{ "this[\"eventName\"]", 0 },
		{ "this[\"missing\"]", 0 },
		{ "!this[\"missing\"]", 1 },
	};
	RUN(cases);
}

static void
strings_order_as_java(void)
{
	static const struct lang_case cases[] = {
		{ "this[\"eventName\"] > \"A\"", 1 },
		{ "this[\"eventName\"] < \"B\"", 1 },
		{ "this[\"userIdentity.userName\"] >= \"alice\"", 1 },
		{ "this[\"userIdentity.userName\"] > \"alice\"", 0 },
		{ "this[\"userIdentity.userName\"] < \"alicf\"", 1 },
		{ "this[\"userIdentity.userName\"] > \"alic\"", 1 },
		{ "this[\"userIdentity.userName\"] < \"Z\"", 0 },	/* 'a' > 'Z' */
		/* UTF-16 order: U+1F600 is a surrogate pair, below U+E000 */
		{ "this[\"emoji\"] < this[\"private\"]", 1 },
		{ "this[\"private\"] > this[\"emoji\"]", 1 },
		/* length counts UTF-16 units, as Java does */
		{ "this[\"emoji\"].length() == 2", 1 },
		{ "this[\"uni\"].length() == 5", 1 },
		{ "this[\"emoji\"] str[length] 2", 1 },
	};
	RUN(cases);
}

static void
null_semantics(void)
{
	static const struct lang_case cases[] = {
		/* missing and JSON null are both null; == and != are null-safe */
		{ "this[\"missing\"] == null", 1 },
		{ "this[\"missing\"] != null", 0 },
		{ "this[\"errorCode\"] != null", 0 },
		{ "null == this[\"errorCode\"]", 1 },
		{ "this[\"missing\"] != \"a\"", 1 },
		{ "this[\"missing\"] == \"a\"", 0 },
		{ "this[\"errorCode\"] != \"a\"", 1 },
		{ "this[\"missing\"] == this[\"errorCode\"]", 1 },
		{ "this[\"missing\"] != this[\"eventName\"]", 1 },
		/* any other operator on null is false... */
		{ "this[\"missing\"] > 1", 0 },
		{ "this[\"missing\"] <= 1", 0 },
		{ "this[\"missing\"] contains \"a\"", 0 },
		{ "this[\"missing\"] matches \".*\"", 0 },
		{ "this[\"missing\"] str[startsWith] \"a\"", 0 },
		{ "this[\"missing\"] str[endsWith] \"a\"", 0 },
		{ "this[\"missing\"] str[length] 0", 0 },
		{ "this[\"missing\"] in (\"a\", \"b\")", 0 },
		{ "this[\"missing\"] in (null)", 1 },		/* in is == */
		/* ...and every "not" form is its negation: true on null */
		{ "this[\"missing\"] not contains \"a\"", 1 },
		{ "this[\"missing\"] excludes \"a\"", 1 },
		{ "this[\"missing\"] not matches \".*\"", 1 },
		{ "this[\"errorCode\"] not matches \".*\"", 1 },
		{ "this[\"missing\"] not str[startsWith] \"a\"", 1 },
		{ "this[\"missing\"] not str[length] 3", 1 },
		{ "this[\"missing\"] not in (\"a\", \"b\")", 1 },
		/* a method on null, or null in '+': the comparison is false,
		 * whatever its operator */
		{ "this[\"missing\"].trim() != \"a\"", 0 },
		{ "this[\"missing\"].trim() == \"a\"", 0 },
		{ "this[\"missing\"].contains(\"a\")", 0 },
		{ "this[\"missing\"].equals(\"a\") == false", 0 },
		{ "this[\"missing\"].toLowerCase() not matches \"x\"", 0 },
		{ "this[\"missing\"].length() not in (1)", 0 },
		{ "this[\"missing\"] + \"x\" == \"nullx\"", 0 },
		{ "this[\"missing\"] + \"x\" != \"nullx\"", 0 },
		{ "\"x\" + this[\"errorCode\"] != \"x\"", 0 },
		{ "this[\"eventName\"].contains(this[\"missing\"])", 0 },
		/* '!' negates the comparison's result */
		{ "!this[\"missing\"].contains(\"a\")", 1 },
		{ "!(this[\"missing\"] == \"a\")", 1 },
		/* one missing key does not stop the other side of an OR */
		{ "this[\"missing\"].contains(\"a\") || this[\"count\"] == 3", 1 },
		/* empty {} and [] are values, not null */
		{ "this[\"resources\"] == null", 0 },
		{ "this[\"resources\"] != null", 1 },
		{ "this[\"additionalEventData\"] != null", 1 },
		{ "this[\"resources\"].isEmpty()", 1 },
		{ "this[\"additionalEventData\"].isEmpty()", 1 },
		{ "this[\"resources\"] == this[\"resources\"]", 1 },
		{ "this[\"resources\"] == this[\"additionalEventData\"]", 0 },
		{ "this[\"resources\"] == \"[]\"", 0 },
		/* String methods on a number or a boolean are false */
		{ "this[\"count\"].contains(\"3\")", 0 },
		{ "this[\"count\"].length() == 1", 0 },
		{ "this[\"count\"].equals(\"3\")", 0 },
		{ "this[\"responseElements._return\"].equals(\"true\")", 0 },
		{ "!this[\"count\"].contains(\"3\")", 1 },
		{ "this[\"count\"] contains \"3\"", 0 },
	};
	RUN(cases);
}

static void
string_methods(void)
{
	static const struct lang_case cases[] = {
		{ "this[\"userAgent\"].contains(\"console\")", 1 },
		{ "this[\"userAgent\"].contains(\"firefox\")", 0 },
		{ "this[\"userAgent\"].contains(\"\")", 1 },
		{ "this[\"userAgent\"].startsWith(\"console\")", 1 },
		{ "this[\"userAgent\"].startsWith(\"amazonaws\")", 0 },
		{ "this[\"userAgent\"].endsWith(\".com\")", 1 },
		{ "this[\"userAgent\"].endsWith(\".org\")", 0 },
		{ "this[\"eventName\"].equals(\"AuthorizeSecurityGroupIngress\")", 1 },
		{ "this[\"eventName\"].equals(\"authorizesecuritygroupingress\")", 0 },
		{ "this[\"name2\"].equals(this[\"userIdentity.userName\"])", 1 },
		{ "this[\"name2\"].equals(this[\"missing\"])", 0 },
		{ "this[\"mixed\"].equalsIgnoreCase(\"mixed\")", 1 },
		{ "this[\"mixed\"].equalsIgnoreCase(\"mixes\")", 0 },
		{ "this[\"userAgent\"].matches(\"console\\\\..*\")", 1 },
		{ "this[\"userAgent\"].matches(\"console\")", 0 },
		{ "this[\"mixed\"].toLowerCase() == \"mixed\"", 1 },
		{ "this[\"mixed\"].toUpperCase() == \"MIXED\"", 1 },
		{ "this[\"mixed\"].toLowerCase().contains(\"xed\")", 1 },
		{ "this[\"text\"].trim() == \"padded\"", 1 },
		{ "this[\"text\"].length() == 9", 1 },
		{ "this[\"text\"].trim().length() == 6", 1 },
		{ "this[\"text\"].trim().length() > 5", 1 },
		{ "this[\"eventName\"].isEmpty()", 0 },
		{ "!this[\"eventName\"].isEmpty()", 1 },
		{ "\"console.amazonaws.com\".equals(this[\"userAgent\"])", 1 },
		{ "this[\"userAgent\"].contains(\"console\") == true", 1 },
		{ "this[\"userAgent\"].contains(\"console\") != true", 0 },
		/* '+' concatenates */
		{ "this[\"userIdentity.userName\"] + \"@company.com\" == \"alice@company.com\"", 1 },
		{ "\"user/\" + this[\"userIdentity.userName\"] == \"user/alice\"", 1 },
		{ "this[\"userIdentity.arn\"].endsWith(\"user/\" + \"user@company.com\")", 1 },
		{ "this[\"count\"] + \"x\" == \"3x\"", 1 },
		{ "this[\"flag\"] + this[\"count\"] == \"true3\"", 1 },
		{ "this[\"eventSource\"] == \"ec2\" + \".amazonaws.com\"", 1 },
	};
	RUN(cases);
}

static void
drl_operators(void)
{
	static const struct lang_case cases[] = {
		{ "this[\"userAgent\"] contains \"console\"", 1 },
		{ "this[\"userAgent\"] contains \"firefox\"", 0 },
		{ "this[\"userAgent\"] not contains \"firefox\"", 1 },
		{ "this[\"userAgent\"] not contains \"console\"", 0 },
		{ "this[\"userAgent\"] excludes \"firefox\"", 1 },
		{ "this[\"sourceIPAddress\"] matches \"203\\\\.0\\\\.113\\\\.[0-9]+\"", 1 },
		{ "this[\"sourceIPAddress\"] matches \"203\\.0\\.113\\..*\"", 1 },	/* DRL keeps \. */
		{ "this[\"sourceIPAddress\"] matches \"203\"", 0 },			/* whole string */
		{ "this[\"sourceIPAddress\"] matches \"\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+\"", 1 },
		{ "this[\"sourceIPAddress\"] not matches \"10\\\\..*\"", 1 },
		{ "this[\"sourceIPAddress\"] not matches \"203.*\"", 0 },
		/* not ^...$: a trailing newline is not skipped by '$' */
		{ "this[\"nl\"] matches \"abc$\"", 0 },
		{ "this[\"nl\"] matches \"abc\"", 0 },
		{ "this[\"nl\"] matches \"abc\\n\"", 1 },
		{ "this[\"nl\"] matches \"abc.\"", 0 },		/* '.' stops at \n */
		{ "this[\"nl\"] matches \"(?s)abc.\"", 1 },
		{ "this[\"mixed\"] matches \"(?i)mixed\"", 1 },
		{ "this[\"mixed\"] matches \"\\\\p{Upper}\\\\p{Lower}+\\\\p{Alpha}+\"", 1 },
		{ "this[\"uni\"] matches \"h\\\\u00e9llo\"", 1 },
		{ "this[\"uni\"] matches \"h.llo\"", 1 },		/* one character */
		{ "this[\"userAgent\"] str[startsWith] \"console\"", 1 },
		{ "this[\"userAgent\"] str[startsWith] \"amazonaws\"", 0 },
		{ "this[\"userAgent\"] str[endsWith] \".com\"", 1 },
		{ "this[\"userAgent\"] str[length] 21", 1 },
		{ "this[\"userAgent\"] str[length] 20", 0 },
		{ "this[\"userAgent\"] not str[endsWith] \".com\"", 0 },
		{ "this[\"userAgent\"] not str[startsWith] \"x\"", 1 },
		{ "this[\"eventName\"] in (\"A\", \"AuthorizeSecurityGroupIngress\")", 1 },
		{ "this[\"eventName\"] in (\"A\", \"B\")", 0 },
		{ "this[\"eventName\"] not in (\"A\", \"AuthorizeSecurityGroupIngress\")", 0 },
		{ "this[\"eventName\"] not in (\"A\", \"B\")", 1 },
		{ "this[\"count\"] in (1, 2, 3)", 1 },
		{ "this[\"count\"] in (\"3\")", 1 },
		{ "this[\"userIdentity.userName\"] in (this[\"name2\"], \"bob\")", 1 },
	};
	RUN(cases);
}

static void
logic_and_precedence(void)
{
	static const struct lang_case cases[] = {
		{ "this[\"count\"] == 3 && this[\"flag\"] == true", 1 },
		{ "this[\"count\"] == 3 && this[\"flag\"] == false", 0 },
		{ "this[\"eventName\"] == \"x\" || this[\"count\"] == 3", 1 },
		{ "this[\"eventName\"] == \"x\" || this[\"count\"] == 4", 0 },
		{ "!(this[\"count\"] == 3)", 0 },
		{ "!!(this[\"count\"] == 3)", 1 },
		{ "this[\"count\"] == 3, this[\"eventName\"] == \"x\"", 0 },
		{ "this[\"count\"] == 3, this[\"flag\"] == true, this[\"neg\"] == 0", 1 },
		{ "(this[\"count\"] == 3 || this[\"count\"] == 4) && this[\"flag\"] == true", 1 },
		/* && binds tighter than || */
		{ "this[\"count\"] == 3 || this[\"count\"] == 4 && this[\"flag\"] == false", 1 },
		{ "this[\"count\"] == 4 && this[\"flag\"] == true || this[\"neg\"] == 0", 1 },
		{ "(this[\"count\"] == 3) == true", 1 },
		{ "(this[\"count\"] == 4) == false", 1 },
		{ "", 1 },		/* Map() fires for every event */
	};
	RUN(cases);
}

static void
star_means_some_element(void)
{
#define CIDR "this[\"requestParameters.ipPermissions.items[*].ipRanges.items[*].cidrIp\"]"
#define FROM "this[\"requestParameters.ipPermissions.items[*].fromPort\"]"
#define TO "this[\"requestParameters.ipPermissions.items[*].toPort\"]"
	static const struct lang_case cases[] = {
		{ CIDR " == \"0.0.0.0/0\"", 1 },
		{ CIDR " == \"192.168.0.0/16\"", 1 },
		{ CIDR " == \"1.2.3.4/32\"", 0 },
		{ CIDR " != \"0.0.0.0/0\"", 1 },		/* some element differs */
		{ CIDR " in (\"0.0.0.0/0\", \"::/0\")", 1 },
		{ CIDR ".startsWith(\"0.\")", 1 },
		{ CIDR " matches \"0\\\\.0\\\\.0\\\\.0/0\"", 1 },
		/* a "not" form holds for some element... */
		{ CIDR " not matches \"10\\\\..*\"", 1 },
		{ CIDR " not contains \"/\"", 0 },
		/* ...while '!' is outside the comparison: no element */
		{ "!(" CIDR " matches \"10\\\\..*\")", 0 },
		{ "!(" CIDR " == \"1.2.3.4/32\")", 1 },
		{ FROM " == 443", 1 },			/* the second is "443" */
		{ FROM " == 80", 0 },
		/* each comparison ranges on its own */
		{ FROM " == 22 && " TO " == 443", 1 },
		/* two [*] in one comparison: some pair */
		{ FROM " == " TO, 1 },
		{ FROM " > " TO, 1 },			/* "443" > 22 */
		{ "this[\"requestParameters.ipPermissions.items[*].ipProtocol\"] + \"/\" + " FROM " == \"udp/443\"", 1 },
		/* an absent or empty array has no element: false, != too */
		{ "this[\"resources[*].ARN\"] != \"x\"", 0 },
		{ "this[\"resources[*]\"] == null", 0 },
		{ "this[\"missing[*]\"] != \"x\"", 0 },
		{ "this[\"resources[*]\"] not matches \"x\"", 0 },
		{ "!(this[\"resources[*]\"] == \"x\")", 1 },
		/* elements are values like any other */
		{ "this[\"bools[*]\"] == false", 1 },
		{ "this[\"bools[*]\"] == \"true\"", 1 },
		{ "this[\"nulls[*]\"] == null", 1 },
		{ "this[\"nulls[*]\"] not contains \"a\"", 1 },
	};
	RUN(cases);
#undef CIDR
#undef FROM
#undef TO
}

/* The original engine's Drools dereferenced missing keys and threw; here
 * one rule's missing key never stops another rule. */
static void
missing_key_does_not_stop_other_rules(void)
{
	struct rig r;

	rig_setup(&r);
	CU_ASSERT_EQUAL_FATAL(rig_load(&r,
	    "import cloudengine.AlertServices.Out;\n"
	    "rule \"*: first\" salience 10 when $m : Map(this[\"nope\"].contains(\"a\"))\n"
	    "then new Out().report($m, drools.getRule().getName()); end\n"
	    "rule \"*: second\" when $m : Map(this[\"count\"] == 3)\n"
	    "then new Out().report($m, drools.getRule().getName()); end\n"), 0);
	CU_ASSERT_EQUAL(rig_eval(&r, EVENT), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: first"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: second"), 1);
	rig_teardown(&r);
}

static void
regex_match_limit_stops_pathological_patterns(void)
{
	static const char *const limit = "1000";
	struct rig r;

	rig_setup(&r);
	fake_host_set(&r.fh, "regex_match_limit", limit);
	CU_ASSERT_EQUAL_FATAL(rig_load(&r,
	    "import cloudengine.AlertServices.Out;\n"
	    "rule \"*: slow\" when $m : Map(this[\"s\"] matches \"(a|aa)+b\")\n"
	    "then new Out().report($m, drools.getRule().getName()); end\n"
	    "rule \"*: slow not\" when $m : Map(this[\"s\"] not matches \"(a|aa)+b\")\n"
	    "then new Out().report($m, drools.getRule().getName()); end\n"
	    "rule \"*: other\" when $m : Map(this[\"s\"] matches \"a+!b\")\n"
	    "then new Out().report($m, drools.getRule().getName()); end\n"), 0);
	CU_ASSERT_EQUAL(rig_eval(&r,
	    "{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!b\"}"), 0);
	/* Neither form holds when the limit stops the match. */
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: slow"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: slow not"), 0);
	CU_ASSERT_EQUAL(fake_host_fired(&r.fh, "*: other"), 1);
	CU_ASSERT(fake_host_metric(&r.fh, "regex_limit_hits") >= 2);
	CU_ASSERT(fake_host_has_log(&r.fh, "regex_match_limit"));
	rig_teardown(&r);
}

/* ------------------------------------------------------------------ */
/* Internals: numbers, strings, dates, regex translation               */
/* ------------------------------------------------------------------ */

static int
numcmp(const char *a, const char *b)
{
	struct drl_num x, y;

	CU_ASSERT_EQUAL_FATAL(drl_num_parse(a, strlen(a), &x), 0);
	CU_ASSERT_EQUAL_FATAL(drl_num_parse(b, strlen(b), &y), 0);
	return drl_num_cmp(&x, &y);
}

static void
bigdecimal_parse_and_compare(void)
{
	static const char *const bad[] = {
		"", "-", "+", ".", "e1", "1e", "1e+", "1.2.3", " 1", "1 ",
		"0x10", "1_000", "NaN", "Infinity", "1e99999999999", "--1", "1f",
	};
	struct drl_num n;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (drl_num_parse(bad[i], strlen(bad[i]), &n) == 0)
			fprintf(stderr, "\naccepted \"%s\"\n", bad[i]);
		CU_ASSERT_NOT_EQUAL(drl_num_parse(bad[i], strlen(bad[i]), &n), 0);
	}
	CU_ASSERT_EQUAL(numcmp("1.0", "1.00"), 0);
	CU_ASSERT_EQUAL(numcmp("1e3", "1000"), 0);
	CU_ASSERT_EQUAL(numcmp("1E+2", "100"), 0);
	CU_ASSERT_EQUAL(numcmp("100E-2", "1"), 0);
	CU_ASSERT_EQUAL(numcmp("-0", "0.000"), 0);
	CU_ASSERT_EQUAL(numcmp(".5", "0.5"), 0);
	CU_ASSERT_EQUAL(numcmp("5.", "5"), 0);
	CU_ASSERT_EQUAL(numcmp("+5", "5"), 0);
	CU_ASSERT_EQUAL(numcmp("007", "7"), 0);
	CU_ASSERT(numcmp("0.1", "0.10000000000000001") < 0);
	CU_ASSERT(numcmp("12345678901234567890", "12345678901234567891") < 0);
	CU_ASSERT(numcmp("-2", "-1") < 0);
	CU_ASSERT(numcmp("-1", "-2") > 0);
	CU_ASSERT(numcmp("-1", "0") < 0);
	CU_ASSERT(numcmp("0.001", "0.01") < 0);
	CU_ASSERT(numcmp("99", "100") < 0);
	CU_ASSERT(numcmp("1.25", "1.3") < 0);
	CU_ASSERT(numcmp("10.5", "10.49") > 0);
}

static void
java_string_order_and_length(void)
{
	/* "\xEE\x80\x80" is U+E000; "\xF0\x9F\x98\x80" is U+1F600. */
	CU_ASSERT(drl_str_compare("\xF0\x9F\x98\x80", 4, "\xEE\x80\x80", 3) < 0);
	CU_ASSERT(drl_str_compare("a", 1, "ab", 2) < 0);
	CU_ASSERT(drl_str_compare("b", 1, "ab", 2) > 0);
	CU_ASSERT(drl_str_compare("B", 1, "a", 1) < 0);
	CU_ASSERT_EQUAL(drl_str_compare("x\0y", 3, "x\0y", 3), 0);
	CU_ASSERT_EQUAL(drl_str_length("\xF0\x9F\x98\x80" "a", 5), 3);
	CU_ASSERT_EQUAL(drl_str_length("h\xC3\xA9", 3), 2);
}

static void
drools_dates(void)
{
	int64_t t;

	CU_ASSERT_EQUAL(drl_date_parse("4-Sep-2018", 10, &t), 0);
	CU_ASSERT_EQUAL(t, 1536019200);
	CU_ASSERT_EQUAL(drl_date_parse("04-sep-2018", 11, &t), 0);
	CU_ASSERT_EQUAL(t, 1536019200);
	CU_ASSERT_EQUAL(drl_date_parse("4-September-2018", 16, &t), 0);
	CU_ASSERT_EQUAL(t, 1536019200);
	CU_ASSERT_EQUAL(drl_date_parse("4-Sep-2018 10:30", 16, &t), 0);
	CU_ASSERT_EQUAL(t, 1536019200 + 37800);
	CU_ASSERT_EQUAL(drl_date_parse("29-Feb-2020", 11, &t), 0);
	CU_ASSERT_EQUAL(t, 1582934400);
	CU_ASSERT_NOT_EQUAL(drl_date_parse("29-Feb-2019", 11, &t), 0);
	CU_ASSERT_NOT_EQUAL(drl_date_parse("4-Sep-18", 8, &t), 0);
	CU_ASSERT_NOT_EQUAL(drl_date_parse("2018-09-04", 10, &t), 0);
	CU_ASSERT_NOT_EQUAL(drl_date_parse("4-Sep-2018 25:00", 16, &t), 0);
	CU_ASSERT_NOT_EQUAL(drl_date_parse("4-Sepp-2018", 11, &t), 0);
}

static void
check_translation(const char *java, const char *pcre)
{
	char *out = NULL, err[128] = "";
	size_t len;

	CU_ASSERT_EQUAL_FATAL(drl_regex_translate(java, strlen(java), &out,
	    &len, err, sizeof(err)), 0);
	if (strcmp(out, pcre) != 0)
		fprintf(stderr, "\n%s -> %s, expected %s\n", java, out, pcre);
	CU_ASSERT_STRING_EQUAL(out, pcre);
	free(out);
}

static void
check_refused(const char *java, const char *why)
{
	char *out = NULL, err[128] = "";
	size_t len;

	CU_ASSERT_EQUAL(drl_regex_translate(java, strlen(java), &out, &len,
	    err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, why));
	free(out);
}

static void
java_regex_translation(void)
{
	check_translation("a.b", "a.b");
	check_translation("\\p{Lower}+", "[[:lower:]]+");
	check_translation("\\P{Digit}", "[^[:digit:]]");
	check_translation("[\\p{Upper}\\d]", "[[:upper:]\\d]");
	check_translation("[\\P{Space}]", "[[:^space:]]");
	check_translation("\\p{IsLatin}", "\\p{Latin}");
	check_translation("\\p{javaLowerCase}", "\\p{Ll}");
	check_translation("\\u00e9", "\\x{00e9}");
	check_translation("\\0101", "\\o{101}");
	check_translation("\\07", "\\o{7}");
	check_translation("\\0477", "\\o{47}7");
	check_translation("(?iu)abc", "(?i)abc");
	check_translation("(?<name>x)\\k<name>", "(?<name>x)\\k<name>");
	check_translation("\\Q\\u(\\E", "\\Q\\u(\\E");
	check_translation("[]a]", "[]a]");
	check_refused("(?U)x", "(?U)");
	check_refused("(?d)x", "(?d)");
	check_refused("[a-z&&[^e]]", "intersection");
	check_refused("[a[b]]", "nested");
	check_refused("\\u12", "unicode");
	check_refused("abc\\", "backslash");
}

static void
java_regex_matching(void)
{
	struct drl_regex_env env;
	struct drl_regex_scratch s;
	struct drl_regex *re;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(drl_regex_env_init(&env, 100000), 0);
	drl_regex_scratch_init(&s);
	re = drl_regex_compile(&env, "\\p{Lower}+", 10, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(re);
	CU_ASSERT_EQUAL(drl_regex_match(re, &env, &s, "abc", 3), 1);
	CU_ASSERT_EQUAL(drl_regex_match(re, &env, &s, "aBc", 3), 0);
	drl_regex_free(re);
	/* \d is ASCII, as in Java without UNICODE_CHARACTER_CLASS */
	re = drl_regex_compile(&env, "\\d+", 3, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(re);
	CU_ASSERT_EQUAL(drl_regex_match(re, &env, &s, "123", 3), 1);
	CU_ASSERT_EQUAL(drl_regex_match(re, &env, &s, "\xD9\xA1", 2), 0);
	drl_regex_free(re);
	/* Invalid UTF-8 in a subject is not an error. */
	re = drl_regex_compile(&env, "a.c", 3, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(re);
	CU_ASSERT_EQUAL(drl_regex_match(re, &env, &s, "a\xFF" "c", 3), 0);
	CU_ASSERT_EQUAL(drl_regex_match(re, &env, &s, "a\xC3\xA9" "c", 4), 1);
	CU_ASSERT_EQUAL(drl_regex_match(re, &env, &s, "a\r" "c", 3), 0);
	drl_regex_free(re);
	CU_ASSERT_PTR_NULL(drl_regex_compile(&env, "a(b", 3, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "offset"));
	drl_regex_scratch_free(&s);
	drl_regex_env_free(&env);
}

static CU_TestInfo lang_tests[] = {
	CE_TEST(equality_and_literals),
	CE_TEST(numbers_compare_exactly),
	CE_TEST(coercion_follows_mvel),
	CE_TEST(strings_order_as_java),
	CE_TEST(null_semantics),
	CE_TEST(string_methods),
	CE_TEST(drl_operators),
	CE_TEST(logic_and_precedence),
	CE_TEST(star_means_some_element),
	CE_TEST(missing_key_does_not_stop_other_rules),
	CE_TEST(regex_match_limit_stops_pathological_patterns),
	CU_TEST_INFO_NULL
};

static CU_TestInfo internal_tests[] = {
	CE_TEST(bigdecimal_parse_and_compare),
	CE_TEST(java_string_order_and_length),
	CE_TEST(drools_dates),
	CE_TEST(java_regex_translation),
	CE_TEST(java_regex_matching),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "drl language", .pTests = lang_tests },
	{ .pName = "drl internals", .pTests = internal_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}

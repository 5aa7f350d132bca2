/*
 * fuzz_drl.c - fuzz target for the DRL evaluator: the input is one rule
 * file, lexed, parsed and compiled by drl_load_text() on a fake host; when
 * it compiles, the rules are ordered, indexed and evaluated against a few
 * records that the shipped rules match.
 *
 * Invariants beyond "no crash": a refused file gets at least one located
 * diagnostic; every fired rule has a name, and names an output it may call.
 * The text is handed over as the plugin's loader does: its length, and a
 * NUL after it (the parser relies on it: strtoll() on a number token).
 */
#include <string.h>

#include "engine.h"
#include "fake_host.h"
#include "fuzz.h"
#include "load.h"

extern const struct ce_plugin cloudengine_plugin;

static const char *const outputs[] = {
	"Out", "DatadogAlertService", "Pager", NULL
};

/* Records shaped like CloudTrail's, written for this target. */
static const char *const records[] = {
	"{\"eventVersion\":\"1.08\",\"eventSource\":\"ec2.amazonaws.com\","
	"\"eventName\":\"AuthorizeSecurityGroupIngress\",\"awsRegion\":"
	"\"eu-west-1\",\"eventTime\":\"2024-03-01T10:00:00Z\",\"userIdentity\":"
	"{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/"
	"user@company.com\",\"accountId\":\"111122223333\"},"
	"\"requestParameters\":{\"groupId\":\"sg-1\",\"ipPermissions\":"
	"{\"items\":[{\"ipProtocol\":\"tcp\",\"fromPort\":22,\"toPort\":22,"
	"\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]}}]}},"
	"\"sourceIPAddress\":\"198.51.100.7\",\"eventID\":\"e1\"}",
	"{\"eventVersion\":\"1.08\",\"eventSource\":\"iam.amazonaws.com\","
	"\"eventName\":\"CreateAccessKey\",\"eventTime\":\"2024-03-01T10:01:00Z\","
	"\"userIdentity\":{\"type\":\"Root\",\"arn\":\"arn:aws:iam::1:root\"},"
	"\"requestParameters\":{\"userName\":\"\\u00e9l\\u00e8ve\"},"
	"\"responseElements\":null,\"errorCode\":null,\"eventID\":\"e2\"}",
	"{\"eventVersion\":\"1.08\",\"eventSource\":\"signin.amazonaws.com\","
	"\"eventName\":\"ConsoleLogin\",\"eventTime\":\"2024-03-01T10:02:00Z\","
	"\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"a\"},"
	"\"additionalEventData\":{\"MFAUsed\":\"No\"},\"responseElements\":"
	"{\"ConsoleLogin\":\"Success\"},\"eventID\":\"e3\"}",
	"{\"eventVersion\":\"1.08\",\"eventSource\":\"s3.amazonaws.com\","
	"\"eventName\":\"PutBucketPolicy\",\"eventTime\":\"2024-03-01T10:03:00Z\","
	"\"requestParameters\":{\"bucketName\":\"b\",\"bucketPolicy\":"
	"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\"}]}},"
	"\"tags\":[],\"x\":{},\"n\":-1.5e3,\"eventID\":\"e4\"}",
};
#define NRECORDS	(sizeof(records) / sizeof(records[0]))

static struct fake_host fh;
static const ce_event *events[NRECORDS];

static void
setup(void)
{
	size_t i;

	if (events[0] != NULL)
		return;
	fake_host_init(&fh, &cloudengine_plugin);
	fh.outputs = outputs;
	for (i = 0; i < NRECORDS; i++)
		if ((events[i] = fake_event(records[i])) == NULL)
			abort();
}

static int
calls_known_output(const struct fake_alert *a)
{
	size_t i, j;

	for (i = 0; i < a->noutputs; i++) {
		for (j = 0; outputs[j] != NULL; j++)
			if (strcmp(a->outputs[i], outputs[j]) == 0)
				break;
		if (outputs[j] == NULL)
			return 0;
	}
	return 1;
}

static void
evaluate_all(struct drl_engine *eng)
{
	size_t i, k;

	for (i = 0; i < NRECORDS; i++) {
		FUZZ_CHECK(drl_engine_evaluate(eng, events[i],
		    fake_host_sink(&fh)) == 0, "evaluate failed");
		for (k = 0; k < fh.nalerts; k++) {
			FUZZ_CHECK(fh.alerts[k].rule != NULL &&
			    fh.alerts[k].rule[0] != '\0', "a fired rule has no name");
			FUZZ_CHECK(calls_known_output(&fh.alerts[k]),
			    "a fired rule calls an output that does not exist");
		}
		fake_host_clear(&fh);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drl_engine eng;
	struct drl_diag diag;
	char *text;
	int rc;

	setup();
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (drl_engine_init(&eng, &fh.host, fake_host_self(&fh),
	    DRL_REGEX_LIMIT_DEFAULT) < 0)
		abort();
	memset(&diag, 0, sizeof(diag));
	diag.host = &fh.host;
	diag.self = fake_host_self(&fh);
	rc = drl_load_text(&eng, &diag, "fuzz.drl", text, size);
	FUZZ_CHECK(rc == 0, "drl_load_text failed (out of memory?)");
	if (diag.errors > 0)
		FUZZ_CHECK(fh.ndiags > 0, "errors counted but none reported");
	if (diag.errors == 0 && drl_load_finish(&eng) == 0)
		evaluate_all(&eng);
	drl_engine_free(&eng);
	fake_host_clear(&fh);
	free(text);
	return 0;
}

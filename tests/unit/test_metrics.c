/*
 * test_metrics.c - counters and gauges: naming, validation, sharing of a
 * name, exact totals under concurrent updates, the report and the reset.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ce_test.h"
#include "log.h"
#include "metrics.h"

#define THREADS		4
#define ADDS		100000

static void
names_are_prefixed_and_values_start_at_zero(void)
{
	ce_metric *m = ce_metric_register("output_alerts", "sent", "help");

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(ce_metric_name(m),
	    "cloudengine_output_alerts_sent");
	CU_ASSERT_EQUAL(ce_metric_value(m), 0);
	ce_metric_add(m, 5);
	ce_metric_add(m, -2);
	CU_ASSERT_EQUAL(ce_metric_value(m), 3);
	ce_metric_set(m, INT64_C(1) << 40);
	CU_ASSERT_EQUAL(ce_metric_value(m), INT64_C(1) << 40);
	/* NULL is what a failed registration gave: updates are no-ops. */
	ce_metric_add(NULL, 1);
	ce_metric_set(NULL, 1);
	ce_metrics_free_all();
}

static void
bad_names_are_refused(void)
{
	CU_ASSERT_PTR_NULL(ce_metric_register("core", "", NULL));
	CU_ASSERT_PTR_NULL(ce_metric_register("core", NULL, NULL));
	CU_ASSERT_PTR_NULL(ce_metric_register("core", "Sent", NULL));
	CU_ASSERT_PTR_NULL(ce_metric_register("core", "a-b", NULL));
	CU_ASSERT_PTR_NULL(ce_metric_register("core", "a b", NULL));
	CU_ASSERT_PTR_NULL(ce_metric_register("out.put", "sent", NULL));
	CU_ASSERT_PTR_NULL(ce_metric_register(NULL, "sent", NULL));
	CU_ASSERT_PTR_NOT_NULL(ce_metric_register("core", "a_0", NULL));
	ce_metrics_free_all();
}

static void
same_name_is_the_same_metric(void)
{
	ce_metric *a = ce_metric_register("input_sqs", "received", NULL);
	ce_metric *b = ce_metric_register("input_sqs", "received", "again");
	ce_metric *c = ce_metric_register("input_sqs", "deleted", NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT(a != c);
	ce_metric_add(a, 2);
	CU_ASSERT_EQUAL(ce_metric_value(b), 2);
	CU_ASSERT_EQUAL(ce_metric_value(c), 0);
	ce_metrics_free_all();
}

static void *
adder(void *arg)
{
	ce_metric *m = arg;
	int i;

	for (i = 0; i < ADDS; i++)
		ce_metric_add(m, 1);
	return NULL;
}

static void *
registrar(void *arg)
{
	ce_metric **out = arg;

	*out = ce_metric_register("core", "raced", NULL);
	return NULL;
}

static void
concurrent_updates_are_exact(void)
{
	ce_metric *m = ce_metric_register("core", "events", NULL), *r[THREADS];
	pthread_t t[THREADS];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, adder, m), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(ce_metric_value(m), (int64_t)THREADS * ADDS);
	/* Concurrent registrations of one name agree on one metric. */
	for (i = 0; i < THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, registrar,
		    &r[i]), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 1; i < THREADS; i++)
		CU_ASSERT_PTR_EQUAL(r[i], r[0]);
	ce_metrics_free_all();
}

struct captured {
	char	text[8][256];
	int	n;
};

static void
capture(void *arg, enum ce_log_level level, const char *component,
    const char *msg)
{
	struct captured *c = arg;

	(void)component;
	if (level == CE_LOG_INFO && c->n < 8)
		snprintf(c->text[c->n++], sizeof(c->text[0]), "%s", msg);
}

static void
report_logs_each_metric_in_order(void)
{
	ce_metric *a = ce_metric_register("core", "first", NULL);
	ce_metric *b = ce_metric_register("output_x", "second", NULL);
	enum ce_log_level level = ce_log_get_level();
	struct captured log = { .n = 0 };

	ce_metric_set(a, -7);
	ce_metric_add(b, 12);
	ce_log_setup(CE_LOG_INFO, CE_LOG_TEXT);
	ce_log_set_sink(capture, &log);
	ce_metrics_report();
	ce_log_set_sink(NULL, NULL);
	ce_log_setup(level, CE_LOG_TEXT);
	CU_ASSERT_EQUAL_FATAL(log.n, 2);
	CU_ASSERT_STRING_EQUAL(log.text[0], "cloudengine_core_first=-7");
	CU_ASSERT_STRING_EQUAL(log.text[1], "cloudengine_output_x_second=12");
	/* After freeing, a name starts again from zero. */
	ce_metrics_free_all();
	a = ce_metric_register("core", "first", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(ce_metric_value(a), 0);
	ce_metrics_free_all();
}

static CU_TestInfo tests[] = {
	CE_TEST(names_are_prefixed_and_values_start_at_zero),
	CE_TEST(bad_names_are_refused),
	CE_TEST(same_name_is_the_same_metric),
	CE_TEST(concurrent_updates_are_exact),
	CE_TEST(report_logs_each_metric_in_order),
	CU_TEST_INFO_NULL
};

int
main(void)
{
	CU_SuiteInfo suites[] = {
		{ .pName = "metrics", .pTests = tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}

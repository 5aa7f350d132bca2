/*
 * test_dedup.c - the memory of (alert, output) pairs: delivered pairs are
 * refused, a pair in flight is joined (and its followers come back when
 * it ends, delivered or not), the ring forgets its oldest pair, and a
 * memory of size 0 remembers nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "ce_test.h"
#include "dedup.h"

/* Records are only carried, never looked into: any distinct pointers. */
static struct ce_rec *const R1 = (struct ce_rec *)0x1001;
static struct ce_rec *const R2 = (struct ce_rec *)0x1002;
static struct ce_rec *const R3 = (struct ce_rec *)0x1003;

static size_t
count(const struct ce_dedup_follower *f)
{
	size_t n = 0;

	for (; f != NULL; f = f->next)
		n++;
	return n;
}

static int
has(const struct ce_dedup_follower *f, const struct ce_rec *r)
{
	for (; f != NULL; f = f->next)
		if (f->rec == r)
			return 1;
	return 0;
}

static void
test_fingerprint(void)
{
	uint64_t a = ce_dedup_fingerprint("k1", "datadog");

	CU_ASSERT_EQUAL(a, ce_dedup_fingerprint("k1", "datadog"));
	CU_ASSERT_NOT_EQUAL(a, ce_dedup_fingerprint("k1", "pagerduty"));
	CU_ASSERT_NOT_EQUAL(a, ce_dedup_fingerprint("k2", "datadog"));
	/* The separator keeps ("ab", "c") and ("a", "bc") apart. */
	CU_ASSERT_NOT_EQUAL(ce_dedup_fingerprint("ab", "c"),
	    ce_dedup_fingerprint("a", "bc"));
	CU_ASSERT_NOT_EQUAL(ce_dedup_fingerprint("", ""), 0);
}

static void
test_join_then_delivered(void)
{
	struct ce_dedup m;
	struct ce_dedup_entry lead, e2, e3;
	struct ce_dedup_follower *f;
	uint64_t fp = ce_dedup_fingerprint("key", "out");

	CU_ASSERT_EQUAL_FATAL(ce_dedup_init(&m, 16), 0);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp, &lead, R1), CE_DEDUP_NEW);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp, &e2, R2), CE_DEDUP_JOINED);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp, &e3, R3), CE_DEDUP_JOINED);
	/* Another pair is not affected. */
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp ^ 2, &e2, R2), CE_DEDUP_NEW);
	CU_ASSERT_PTR_NULL(ce_dedup_finish(&m, &e2, 0));

	f = ce_dedup_finish(&m, &lead, 1);
	CU_ASSERT_EQUAL(count(f), 2);
	CU_ASSERT(has(f, R2) && has(f, R3));
	CU_ASSERT(!has(f, R1));
	ce_dedup_followers_free(f);
	/* Finishing twice hands nothing back. */
	CU_ASSERT_PTR_NULL(ce_dedup_finish(&m, &lead, 1));

	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp, &e2, R2), CE_DEDUP_DELIVERED);
	/* The pair that failed was not remembered. */
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp ^ 2, &e3, R3), CE_DEDUP_NEW);
	ce_dedup_followers_free(ce_dedup_finish(&m, &e3, 0));
	ce_dedup_free(&m);
}

static void
test_failed_lead(void)
{
	struct ce_dedup m;
	struct ce_dedup_entry lead, e2;
	struct ce_dedup_follower *f;
	uint64_t fp = ce_dedup_fingerprint("key", "out");

	CU_ASSERT_EQUAL_FATAL(ce_dedup_init(&m, 16), 0);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp, &lead, R1), CE_DEDUP_NEW);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp, &e2, R2), CE_DEDUP_JOINED);
	f = ce_dedup_finish(&m, &lead, 0);
	CU_ASSERT_EQUAL(count(f), 1);
	CU_ASSERT(has(f, R2));
	ce_dedup_followers_free(f);
	/* Not delivered, not in flight: the next alert tries again. */
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp, &lead, R3), CE_DEDUP_NEW);
	ce_dedup_followers_free(ce_dedup_finish(&m, &lead, 1));
	ce_dedup_free(&m);
}

/* Entries that share an in-flight bucket unlink one another correctly. */
static void
test_same_bucket(void)
{
	struct ce_dedup m;
	struct ce_dedup_entry e[3], j;
	struct ce_dedup_follower *f;
	uint64_t fp[3];
	size_t i;

	CU_ASSERT_EQUAL_FATAL(ce_dedup_init(&m, 16), 0);
	for (i = 0; i < 3; i++) {
		fp[i] = 1 + i * CE_DEDUP_INFLIGHT_BUCKETS;
		CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp[i], &e[i], R1),
		    CE_DEDUP_NEW);
	}
	CU_ASSERT_PTR_NULL(ce_dedup_finish(&m, &e[1], 1));	/* the middle */
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp[0], &j, R2), CE_DEDUP_JOINED);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp[2], &j, R3), CE_DEDUP_JOINED);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, fp[1], &j, R2), CE_DEDUP_DELIVERED);
	f = ce_dedup_finish(&m, &e[2], 1);
	CU_ASSERT(count(f) == 1 && has(f, R3));
	ce_dedup_followers_free(f);
	f = ce_dedup_finish(&m, &e[0], 1);
	CU_ASSERT(count(f) == 1 && has(f, R2));
	ce_dedup_followers_free(f);
	ce_dedup_free(&m);
}

static void
test_ring_forgets_oldest(void)
{
	struct ce_dedup m;
	struct ce_dedup_entry e;
	uint64_t i;

	CU_ASSERT_EQUAL_FATAL(ce_dedup_init(&m, 4), 0);
	for (i = 1; i <= 5; i++) {
		CU_ASSERT_EQUAL(ce_dedup_claim(&m, i, &e, R1), CE_DEDUP_NEW);
		CU_ASSERT_PTR_NULL(ce_dedup_finish(&m, &e, 1));
	}
	/* 1 was pushed out by 5; 2..5 are remembered. */
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, 1, &e, R1), CE_DEDUP_NEW);
	ce_dedup_finish(&m, &e, 0);
	for (i = 2; i <= 5; i++)
		CU_ASSERT_EQUAL(ce_dedup_claim(&m, i, &e, R1),
		    CE_DEDUP_DELIVERED);
	ce_dedup_free(&m);
}

static void
test_off(void)
{
	struct ce_dedup m;
	struct ce_dedup_entry a, b;

	CU_ASSERT_EQUAL_FATAL(ce_dedup_init(&m, 0), 0);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, 7, &a, R1), CE_DEDUP_NEW);
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, 7, &b, R2), CE_DEDUP_NEW);
	CU_ASSERT_PTR_NULL(ce_dedup_finish(&m, &a, 1));
	CU_ASSERT_PTR_NULL(ce_dedup_finish(&m, &b, 1));
	CU_ASSERT_EQUAL(ce_dedup_claim(&m, 7, &a, R1), CE_DEDUP_NEW);
	ce_dedup_free(&m);
}

int
main(void)
{
	CU_TestInfo dedup_tests[] = {
		CE_TEST(test_fingerprint),
		CE_TEST(test_join_then_delivered),
		CE_TEST(test_failed_lead),
		CE_TEST(test_same_bucket),
		CE_TEST(test_ring_forgets_oldest),
		CE_TEST(test_off),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "dedup", NULL, NULL, NULL, NULL, dedup_tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}

/*
 * in_lambda.c - the `lambda` input: the AWS Lambda custom runtime loop.
 * Takes each invocation from the Runtime API, submits its documents with
 * the invocation's deadline, waits until every one has settled, then
 * answers exactly once: batchItemFailures for an SQS batch, otherwise a
 * response, or an error that makes Lambda retry.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cloudengine/plugin.h"
#include "lambda_api.h"
#include "lambda_invocation.h"

#define TRACE_ENV	"_X_AMZN_TRACE_ID"

struct in_lambda_conf {
	const char	*runtime_api;
	int64_t		 deadline_margin_ms;
	int64_t		 max_payload;
};

struct in_lambda {
	ce_instance		*self;
	const struct ce_host	*host;
	struct in_lambda_conf	 conf;
	struct lambda_api	*api;
	int			 curl_ready;
	/* Guards every invocation (the current one, and older ones whose
	 * late documents still settle); settled is signalled on each done(). */
	pthread_mutex_t		 lock;
	pthread_cond_t		 settled;
	int			 sync_ready;
	pthread_t		 thread;
	int			 started;
	/* _X_AMZN_TRACE_ID=...: two buffers handed to putenv() in turn. */
	char			 trace[2][sizeof(TRACE_ENV "=") +
				     sizeof(((struct lambda_next *)0)->trace_id)];
	int			 trace_cur;	/* the one in environ, or -1 */
	ce_metric		*m_invocations;
	ce_metric		*m_errors;
	ce_metric		*m_records_failed;
};

static const struct ce_option in_lambda_options[] = {
	{ CE_OPTION_HEADER, .name = "runtime_api", .type = CE_OPT_STRING,
	  .offset = offsetof(struct in_lambda_conf, runtime_api),
	  .help = "host:port of the Runtime API (default: "
	  "$AWS_LAMBDA_RUNTIME_API, as Lambda sets it)" },
	{ CE_OPTION_HEADER, .name = "deadline_margin_ms",
	  .type = CE_OPT_INTEGER, .def = "1000",
	  .offset = offsetof(struct in_lambda_conf, deadline_margin_ms),
	  .min = 0, .max = 900000,
	  .help = "stop retrying deliveries this long before the invocation's "
	  "deadline, and answer by half of it at the latest" },
	{ CE_OPTION_HEADER, .name = "max_payload", .type = CE_OPT_INTEGER,
	  .def = "16777216",
	  .offset = offsetof(struct in_lambda_conf, max_payload),
	  .min = 1024, .max = 1073741824,
	  .help = "largest invocation payload accepted, in bytes" },
	CE_OPTIONS_END
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* _X_AMZN_TRACE_ID                                                    */
/* ------------------------------------------------------------------ */

/*
 * Lambda wants the trace header in the environment for each invocation.
 * setenv() would keep every value ever set (glibc never frees them), and
 * adding a variable may move environ under a thread calling getenv().
 * So the variable is added once, at start, before any document flows,
 * and from then on putenv() swaps in one of two buffers of ours: the
 * environment entry changes with one pointer store, and the buffer a
 * reader may still hold is not the one rewritten.
 */
static void
trace_set(struct in_lambda *l, const char *value)
{
	int i = l->trace_cur == 0 ? 1 : 0;

	snprintf(l->trace[i], sizeof(l->trace[i]), TRACE_ENV "=%s", value);
	if (putenv(l->trace[i]) == 0)
		l->trace_cur = i;
}

static void
trace_start(struct in_lambda *l)
{
	const char *v = getenv(TRACE_ENV);

	trace_set(l, v != NULL ? v : "");
}

static int
trace_ours(const struct in_lambda *l, const char *v)
{
	uintptr_t p = (uintptr_t)v, b;
	int i;

	for (i = 0; i < 2; i++) {
		b = (uintptr_t)l->trace[i];
		if (p >= b && p < b + sizeof(l->trace[i]))
			return 1;
	}
	return 0;
}

/* Our buffers are about to go: leave a copy the C library owns. */
static void
trace_stop(struct in_lambda *l)
{
	const char *v = getenv(TRACE_ENV);

	if (l->trace_cur < 0)
		return;
	if (v != NULL && trace_ours(l, v))
		setenv(TRACE_ENV, v, 1);
	l->trace_cur = -1;
}

/* ------------------------------------------------------------------ */
/* One invocation                                                      */
/* ------------------------------------------------------------------ */

static void
submit_item(struct in_lambda *l, struct lambda_item *it, int64_t deadline_ms)
{
	struct ce_document doc = { .size = sizeof(doc) };
	int rc;

	if (it->state != LAMBDA_ITEM_NEW)
		return;		/* failed while the payload was cut */
	doc.origin = it->origin;
	doc.data = it->data;
	doc.len = it->len;
	doc.cookie = it;
	doc.deadline_ms = deadline_ms;
	/* done() may run before submit() returns: count it first. */
	pthread_mutex_lock(&l->lock);
	lambda_item_submitting(it);
	pthread_mutex_unlock(&l->lock);
	if ((rc = l->host->submit(l->self, &doc)) == 0)
		return;
	pthread_mutex_lock(&l->lock);
	lambda_item_not_submitted(it, rc == -ECANCELED ?
	    "the engine is shutting down" : strerror(-rc));
	pthread_mutex_unlock(&l->lock);
}

/* Wait (holding l->lock) until every document settled, or until the
 * latest moment to answer: half the margin before the deadline. */
static void
wait_settled(struct in_lambda *l, struct lambda_invocation *inv,
    int64_t deadline_ms)
{
	int64_t limit = 0, left;
	struct timespec ts;

	if (deadline_ms > 0)
		limit = deadline_ms - l->conf.deadline_margin_ms / 2;
	while (inv->pending > 0) {
		if (limit == 0) {
			pthread_cond_wait(&l->settled, &l->lock);
			continue;
		}
		if ((left = limit - now_ms()) <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&l->settled, &l->lock, &ts);
	}
}

/* Count the SQS records reported as failed (holding l->lock); the core
 * has already logged each failed document by its origin. */
static void
count_failures(struct in_lambda *l, const struct lambda_invocation *inv)
{
	size_t i, n = 0;

	if (!inv->sqs)
		return;
	for (i = 0; i < inv->nitems; i++)
		if (inv->items[i].state != LAMBDA_ITEM_OK)
			n++;
	if (n == 0)
		return;
	CE_WARNING(l->host, l->self, "invocation %s: %zu of %zu SQS records "
	    "reported in batchItemFailures", inv->request_id, n, inv->nitems);
	if (l->m_records_failed != NULL)
		l->host->metric_add(l->m_records_failed, (int64_t)n);
}

/* POST the response (error_type NULL: body) or the error. */
static void
post_answer(struct in_lambda *l, const char *request_id,
    const char *error_type, const char *message, const char *body,
    size_t len)
{
	char err[512];
	int rc;

	if (error_type != NULL) {
		CE_WARNING(l->host, l->self, "invocation %s failed (%s): %s",
		    request_id, error_type, message);
		if (l->m_errors != NULL)
			l->host->metric_add(l->m_errors, 1);
		rc = lambda_api_fail(l->api, request_id, error_type, message,
		    err, sizeof(err));
	} else
		rc = lambda_api_respond(l->api, request_id, body, len, err,
		    sizeof(err));
	if (rc < 0)
		CE_ERROR(l->host, l->self, "answering invocation %s: %s",
		    request_id, err);
}

static void
invoke(struct in_lambda *l, struct lambda_next *next)
{
	struct lambda_invocation *inv;
	struct lambda_answer a;
	int64_t doc_deadline = 0;
	size_t i;
	int rc;

	if (l->m_invocations != NULL)
		l->host->metric_add(l->m_invocations, 1);
	trace_set(l, next->trace_id);
	if (lambda_invocation_new(&inv, next->request_id, next->payload,
	    next->len) < 0) {
		post_answer(l, next->request_id, "Runtime.OutOfMemory",
		    "out of memory", NULL, 0);
		return;
	}
	if (next->deadline_ms > 0) {
		doc_deadline = next->deadline_ms - l->conf.deadline_margin_ms;
		if (doc_deadline < 1)
			doc_deadline = 1;
	}
	for (i = 0; i < inv->nitems; i++)
		submit_item(l, &inv->items[i], doc_deadline);
	lambda_invocation_drop_payload(inv);

	pthread_mutex_lock(&l->lock);
	wait_settled(l, inv, next->deadline_ms);
	rc = lambda_invocation_answer(inv, &a);
	if (rc == 0)
		count_failures(l, inv);
	lambda_invocation_unref(inv);
	pthread_mutex_unlock(&l->lock);

	if (rc < 0)
		post_answer(l, next->request_id, "Runtime.OutOfMemory",
		    "out of memory", NULL, 0);
	else
		post_answer(l, next->request_id, a.error_type, a.message,
		    a.body, a.len);
	lambda_answer_clear(&a);
}

static void *
runtime_loop(void *arg)
{
	struct in_lambda *l = arg;
	struct lambda_next next;
	char err[512];
	int rc;

	for (;;) {
		rc = lambda_api_next(l->api, &next, err, sizeof(err));
		if (rc == -EINTR)
			break;
		if (rc == -EFBIG) {
			post_answer(l, next.request_id,
			    "Function.PayloadTooLarge", err, NULL, 0);
			lambda_next_clear(&next);
			continue;
		}
		if (rc < 0) {
			/* The Runtime API is gone or says the sandbox is
			 * broken: end, so that Lambda starts a new one. */
			CE_ERROR(l->host, l->self, "Runtime API: %s: stopping",
			    err);
			l->host->finished(l->self);
			break;
		}
		invoke(l, &next);
		lambda_next_clear(&next);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The plugin                                                          */
/* ------------------------------------------------------------------ */

static int
sync_init(struct in_lambda *l)
{
	pthread_condattr_t attr;
	int rc;

	if ((rc = pthread_condattr_init(&attr)) != 0)
		return -rc;
	/* Waits are bounded by a deadline: immune to clock steps. */
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if ((rc = pthread_cond_init(&l->settled, &attr)) == 0 &&
	    (rc = pthread_mutex_init(&l->lock, NULL)) != 0)
		pthread_cond_destroy(&l->settled);
	pthread_condattr_destroy(&attr);
	if (rc != 0)
		return -rc;
	l->sync_ready = 1;
	return 0;
}

static void
in_lambda_free(struct in_lambda *l)
{
	lambda_api_free(l->api);
	if (l->sync_ready) {
		pthread_cond_destroy(&l->settled);
		pthread_mutex_destroy(&l->lock);
	}
	if (l->curl_ready)
		curl_global_cleanup();
	free(l);
}

static int
in_lambda_init(ce_instance *self, const struct ce_host *host, void **state)
{
	const char *endpoint;
	struct in_lambda *l;
	char err[320] = "out of memory";
	int rc = -ENOMEM;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		goto fail;
	l->self = self;
	l->host = host;
	l->trace_cur = -1;
	if ((rc = host->conf_apply(self, &l->conf)) < 0) {
		snprintf(err, sizeof(err), "cannot read the options");
		goto fail;
	}
	endpoint = l->conf.runtime_api != NULL ? l->conf.runtime_api :
	    getenv("AWS_LAMBDA_RUNTIME_API");
	if (endpoint == NULL) {
		snprintf(err, sizeof(err), "AWS_LAMBDA_RUNTIME_API is not set "
		    "and runtime_api is not configured: is this running "
		    "under Lambda?");
		rc = -EINVAL;
		goto fail;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, sizeof(err), "libcurl initialisation failed");
		rc = -EIO;
		goto fail;
	}
	l->curl_ready = 1;
	if ((rc = lambda_api_new(&l->api, endpoint,
	    (size_t)l->conf.max_payload, err, sizeof(err))) < 0 ||
	    (rc = sync_init(l)) < 0)
		goto fail;
	l->m_invocations = host->metric_new(self, "invocations",
	    "invocations received");
	l->m_errors = host->metric_new(self, "errors",
	    "invocations answered with an error (Lambda retries them)");
	l->m_records_failed = host->metric_new(self, "records_failed",
	    "SQS records reported in batchItemFailures");
	*state = l;
	return 0;
fail:
	/* A diagnostic, not just a log line: under Lambda the core reports
	 * the first one on /runtime/init/error before exiting. */
	host->diag(self, CE_LOG_ERROR, NULL, 0, 0, "input '%s': %s",
	    host->instance_name(self), err);
	if (l != NULL)
		in_lambda_free(l);
	return rc;
}

static void
in_lambda_destroy(void *state)
{
	in_lambda_free(state);
}

static int
in_lambda_start(void *state)
{
	struct in_lambda *l = state;
	int rc;

	trace_start(l);
	if ((rc = pthread_create(&l->thread, NULL, runtime_loop, l)) != 0) {
		trace_stop(l);
		l->host->diag(l->self, CE_LOG_ERROR, NULL, 0, 0,
		    "input '%s': cannot start a thread: %s",
		    l->host->instance_name(l->self), strerror(rc));
		return -rc;
	}
	l->started = 1;
	return 0;
}

/* Interrupts a wait for the next invocation; an invocation in progress
 * is still answered, since the engine settles its documents first. */
static void
in_lambda_stop(void *state)
{
	struct in_lambda *l = state;

	if (!l->started)
		return;
	lambda_api_interrupt(l->api);
	pthread_join(l->thread, NULL);
	l->started = 0;
	trace_stop(l);
}

static void
in_lambda_done(void *state, void *cookie, const struct ce_outcome *outcome)
{
	struct in_lambda *l = state;
	struct lambda_item *it = cookie;

	pthread_mutex_lock(&l->lock);
	if (it->inv->answered)
		CE_WARNING(l->host, l->self, "%s settled after its invocation "
		    "was answered (as failed)", it->origin);
	lambda_item_settle(it, outcome);
	pthread_cond_broadcast(&l->settled);
	pthread_mutex_unlock(&l->lock);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_INPUT,
	.name = "lambda",
	.version = "1.0.0",
	.description = "AWS Lambda custom runtime: invocations from the "
	    "Runtime API (EventBridge, SQS batches, SNS, records)",
	.options = in_lambda_options,
	.init = in_lambda_init,
	.destroy = in_lambda_destroy,
	.start = in_lambda_start,
	.stop = in_lambda_stop,
	.done = in_lambda_done,
};

/*
 * in_sqs.c - the `sqs` input: a daemon's long-polling SQS consumer.  Each
 * message body is one document; a message is deleted only when the core
 * reports it CE_DOC_OK, its visibility is extended while it is worked on,
 * and failures are left (or returned) for SQS to hand out again.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudengine/plugin.h"
#include "sqs.h"

/* After shutdown_timeout_ms, how long pending deletes may still take. */
#define FLUSH_MS		5000
#define BACKOFF_BASE_MS		200
#define BACKOFF_CAP_MS		20000
/* Between short polls (wait_seconds = 0) that found nothing. */
#define SHORT_POLL_PAUSE_MS	1000

struct sqs_conf {
	const char	*queue_url;
	const char	*region;
	const char	*endpoint;
	int64_t		 wait_seconds;
	int64_t		 max_messages;
	int64_t		 visibility_timeout;
	int64_t		 failed_visibility_timeout;
	int64_t		 concurrency;
	int64_t		 shutdown_timeout_ms;
	int64_t		 timeout_ms;
	int64_t		 connect_timeout_ms;
	const char	*ca_bundle;
};

struct in_sqs {
	ce_instance		*self;
	const struct ce_host	*host;
	struct sqs_conf		 conf;
	char			 queue[SQS_NAME_MAX + 1];
	char			 region[64];
	char			 endpoint[1024];
	struct sqs_client	*rx;		/* the receiver's */
	struct sqs_client	*ack;		/* the acknowledger's */
	struct sqs_ledger	 ledger;
	int			 ledger_ready;
	pthread_t		 rx_thread, ack_thread;
	int			 rx_started, ack_started;
	uint64_t		 seed;
	ce_metric		*m_received;
	ce_metric		*m_deleted;
	ce_metric		*m_returned;
	ce_metric		*m_released;
	ce_metric		*m_extended;
	ce_metric		*m_errors;
	ce_metric		*m_in_flight;
};

#define C(m)	offsetof(struct sqs_conf, m)
static const struct ce_option in_sqs_options[] = {
	{ CE_OPTION_HEADER, .name = "queue_url", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED, .offset = C(queue_url),
	  .help = "the queue's URL, exactly as SQS gives it "
	  "(https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)" },
	{ CE_OPTION_HEADER, .name = "region", .type = CE_OPT_STRING,
	  .offset = C(region),
	  .help = "region to sign for (default: the queue URL's, else "
	  "AWS_REGION)" },
	{ CE_OPTION_HEADER, .name = "endpoint", .type = CE_OPT_STRING,
	  .offset = C(endpoint),
	  .help = "SQS endpoint URL (default: AWS_ENDPOINT_URL_SQS, "
	  "AWS_ENDPOINT_URL, else https://sqs.REGION.amazonaws.com)" },
	{ CE_OPTION_HEADER, .name = "wait_seconds", .type = CE_OPT_INTEGER,
	  .def = "20", .offset = C(wait_seconds), .min = 0,
	  .max = SQS_WAIT_MAX,
	  .help = "long-poll wait of each ReceiveMessage, in seconds" },
	{ CE_OPTION_HEADER, .name = "max_messages", .type = CE_OPT_INTEGER,
	  .def = "10", .offset = C(max_messages), .min = 1,
	  .max = SQS_BATCH_MAX,
	  .help = "messages asked for by each ReceiveMessage" },
	{ CE_OPTION_HEADER, .name = "visibility_timeout",
	  .type = CE_OPT_INTEGER, .def = "60", .offset = C(visibility_timeout),
	  .min = 1, .max = SQS_VISIBILITY_MAX,
	  .help = "seconds a received message stays hidden; extended while "
	  "it is worked on" },
	{ CE_OPTION_HEADER, .name = "failed_visibility_timeout",
	  .type = CE_OPT_INTEGER, .def = "-1",
	  .offset = C(failed_visibility_timeout), .min = -1,
	  .max = SQS_VISIBILITY_MAX,
	  .help = "after a failed message, make it visible again in this "
	  "many seconds (0 = at once); -1 = when visibility_timeout ends" },
	{ CE_OPTION_HEADER, .name = "concurrency", .type = CE_OPT_INTEGER,
	  .def = "20", .offset = C(concurrency), .min = 1, .max = 1000,
	  .help = "messages in flight at once (received, not yet settled)" },
	{ CE_OPTION_HEADER, .name = "shutdown_timeout_ms",
	  .type = CE_OPT_INTEGER, .def = "25000",
	  .offset = C(shutdown_timeout_ms), .min = 0, .max = 600000,
	  .help = "at stop, how long the long poll in progress and the "
	  "messages in flight may take before the poll is cut short and the "
	  "messages are given back to the queue" },
	{ CE_OPTION_HEADER, .name = "timeout_ms", .type = CE_OPT_INTEGER,
	  .def = "10000", .offset = C(timeout_ms), .min = 100, .max = 600000,
	  .help = "time allowed for each SQS call, on top of the long-poll "
	  "wait" },
	{ CE_OPTION_HEADER, .name = "connect_timeout_ms",
	  .type = CE_OPT_INTEGER, .def = "5000",
	  .offset = C(connect_timeout_ms), .min = 1, .max = 600000,
	  .help = "time allowed to open a connection" },
	{ CE_OPTION_HEADER, .name = "ca_bundle", .type = CE_OPT_STRING,
	  .flags = CE_OPT_PATH, .offset = C(ca_bundle),
	  .help = "CA certificates file (default: libcurl's)" },
	CE_OPTIONS_END
};
#undef C

/* ------------------------------------------------------------------ */
/* Metrics                                                             */
/* ------------------------------------------------------------------ */

static void
metrics_new(struct in_sqs *s)
{
	const struct ce_host *h = s->host;

	s->m_received = h->metric_new(s->self, "received",
	    "messages received and submitted");
	s->m_deleted = h->metric_new(s->self, "deleted",
	    "messages deleted: every alert went out");
	s->m_returned = h->metric_new(s->self, "returned",
	    "failed messages made visible again early "
	    "(failed_visibility_timeout)");
	s->m_released = h->metric_new(s->self, "released",
	    "messages given back unfinished at shutdown");
	s->m_extended = h->metric_new(s->self, "extended",
	    "visibility extensions of messages still worked on");
	s->m_errors = h->metric_new(s->self, "errors",
	    "SQS calls that failed");
	s->m_in_flight = h->metric_new(s->self, "in_flight",
	    "messages received and not yet settled");
}

static void
metric_set(struct in_sqs *s, ce_metric *m, int64_t v)
{
	if (m != NULL)
		s->host->metric_set(m, v);
}

static void
metrics_update(struct in_sqs *s)
{
	struct sqs_ledger_counts c;
	size_t working;

	pthread_mutex_lock(&s->ledger.lock);
	c = s->ledger.counts;
	working = s->ledger.working;
	pthread_mutex_unlock(&s->ledger.lock);
	metric_set(s, s->m_received, (int64_t)c.received);
	metric_set(s, s->m_deleted, (int64_t)c.deleted);
	metric_set(s, s->m_returned, (int64_t)c.returned);
	metric_set(s, s->m_released, (int64_t)c.released);
	metric_set(s, s->m_extended, (int64_t)c.extended);
	metric_set(s, s->m_in_flight, (int64_t)working);
}

static void
count_error(struct in_sqs *s)
{
	if (s->m_errors != NULL)
		s->host->metric_add(s->m_errors, 1);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */
/* ------------------------------------------------------------------ */

/* Submit one received message; -ECANCELED once the pipeline is closed. */
static int
submit_message(struct in_sqs *s, const struct sqs_message *m)
{
	struct ce_document doc = { .size = sizeof(doc) };
	struct sqs_msg *msg;
	int oom, rc;

	msg = sqs_ledger_add(&s->ledger, s->queue, m, sqs_now_ms(), &oom);
	if (msg == NULL) {
		/* Held already (a redelivery), or no memory: it stays
		 * invisible until its timeout, then comes back. */
		if (oom)
			CE_ERROR(s->host, s->self, "sqs:%s/%s: out of memory",
			    s->queue, m->id);
		return 0;
	}
	doc.origin = msg->origin;
	doc.data = m->body;
	doc.len = m->len;
	doc.cookie = msg;
	if ((rc = s->host->submit(s->self, &doc)) == 0)
		return 0;
	if (rc != -ECANCELED)
		CE_ERROR(s->host, s->self, "%s: not submitted: %s", msg->origin,
		    strerror(-rc));
	sqs_ledger_unsubmitted(&s->ledger, msg, rc == -ECANCELED);
	return rc == -ECANCELED ? rc : 0;
}

/*
 * Submit a batch.  Once the pipeline refuses (it is closing) or the input
 * is stopping, the rest goes straight back to the queue.
 */
static int
submit_all(struct in_sqs *s, const struct sqs_messages *ms)
{
	struct sqs_msg *msg;
	size_t i;
	int oom, rc = 0;

	for (i = 0; i < ms->n; i++) {
		if (rc == 0 && sqs_ledger_closing(&s->ledger))
			rc = -ECANCELED;
		if (rc == 0) {
			rc = submit_message(s, &ms->v[i]);
			continue;
		}
		msg = sqs_ledger_add(&s->ledger, s->queue, &ms->v[i],
		    sqs_now_ms(), &oom);
		if (msg != NULL)
			sqs_ledger_unsubmitted(&s->ledger, msg, 1);
	}
	return rc;
}

static void
log_error(struct in_sqs *s, const char *op, const struct sqs_answer *a,
    int64_t retry_ms)
{
	char status[32] = "";

	if (a->status > 0)
		snprintf(status, sizeof(status), " (HTTP %ld)", a->status);
	s->host->log(s->self, a->error.retryable ? CE_LOG_WARNING :
	    CE_LOG_ERROR, "%s on %s: %s%s%s%s; retrying in %" PRId64 " ms",
	    op, s->conf.queue_url, a->error.code, a->error.message[0] ?
	    ": " : "", a->error.message, status, retry_ms);
}

/*
 * One ReceiveMessage for up to room messages.  Returns the number of
 * messages received, -ECANCELED (stop), -EIO (the call failed: a says
 * why) or -EAGAIN (failed otherwise, logged).
 */
static int
receive_once(struct in_sqs *s, size_t room, struct sqs_answer *a)
{
	struct sqs_messages ms = { 0 };
	char *body, err[256];
	int max = (int)(room < (size_t)s->conf.max_messages ? room :
	    (size_t)s->conf.max_messages);
	int rc;

	body = sqs_receive_request(s->conf.queue_url, max,
	    (int)s->conf.wait_seconds, (int)s->conf.visibility_timeout);
	if (body == NULL) {
		CE_ERROR(s->host, s->self, "out of memory");
		return -EAGAIN;
	}
	/* The HTTP timeout must outlast the long poll. */
	rc = sqs_call(s->rx, "ReceiveMessage", body,
	    s->conf.wait_seconds * 1000 + s->conf.timeout_ms, a);
	free(body);
	if (rc < 0)
		return a->aborted ? -ECANCELED : -EIO;
	if (sqs_parse_messages(a->body, a->len, &ms, err, sizeof(err)) < 0) {
		CE_ERROR(s->host, s->self, "ReceiveMessage on %s: %s",
		    s->conf.queue_url, err);
		sqs_messages_free(&ms);
		return -EAGAIN;
	}
	if (ms.dropped > 0)
		CE_WARNING(s->host, s->self, "ReceiveMessage on %s: %zu "
		    "message(s) without MessageId or ReceiptHandle ignored",
		    s->conf.queue_url, ms.dropped);
	rc = submit_all(s, &ms);
	if (rc == 0)
		rc = (int)ms.n;
	sqs_messages_free(&ms);
	return rc;
}

/* Receive while there is room for more in flight, until stopped. */
static void *
receive_loop(void *arg)
{
	struct in_sqs *s = arg;
	struct sqs_answer a;
	unsigned failures = 0;
	int64_t delay;
	size_t room;
	int rc;

	while ((room = sqs_ledger_wait_room(&s->ledger,
	    (size_t)s->conf.concurrency)) > 0) {
		rc = receive_once(s, room, &a);
		metrics_update(s);
		if (rc == -ECANCELED)
			break;
		if (rc >= 0) {
			failures = 0;
			/* Short polls that find nothing: not a busy loop. */
			if (rc == 0 && s->conf.wait_seconds == 0 &&
			    sqs_ledger_sleep(&s->ledger,
			    SHORT_POLL_PAUSE_MS) < 0)
				break;
			continue;
		}
		count_error(s);
		delay = sqs_backoff_ms(++failures, BACKOFF_BASE_MS,
		    BACKOFF_CAP_MS, &s->seed);
		if (rc == -EIO)
			log_error(s, "ReceiveMessage", &a, delay);
		if (sqs_ledger_sleep(&s->ledger, delay) < 0)
			break;
	}
	sqs_ledger_receiving(&s->ledger, 0);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Acknowledging                                                       */
/* ------------------------------------------------------------------ */

/* An entry given up: say what it means for the message. */
static void
report_entry(void *arg, const struct sqs_batch *b, size_t i,
    const char *what)
{
	struct in_sqs *s = arg;
	const struct sqs_msg *m = b->msg[i];

	count_error(s);
	if (b->action == SQS_ACT_DELETE)
		CE_WARNING(s->host, s->self, "%s: DeleteMessage failed (%s): "
		    "SQS will hand it out again; its alerts went out and "
		    "will carry the same idempotency keys", m->origin, what);
	else if (b->was[i] == SQS_WORKING)
		CE_WARNING(s->host, s->self, "%s: visibility not extended "
		    "(%s): it may be received again while still worked on",
		    m->origin, what);
	else
		CE_WARNING(s->host, s->self, "%s: visibility not changed "
		    "(%s): it comes back when its timeout ends", m->origin,
		    what);
}

/* Send one batch and apply the answer. */
static void
acknowledge(struct in_sqs *s, struct sqs_batch *b)
{
	struct sqs_entry_result res[SQS_BATCH_MAX];
	const char *op = b->action == SQS_ACT_DELETE ? "DeleteMessageBatch" :
	    "ChangeMessageVisibilityBatch";
	struct sqs_answer a;
	char *body, err[256];
	int rc = -ENOMEM;

	memset(&a, 0, sizeof(a));
	body = sqs_batch_request(s->conf.queue_url, b->entry, b->n);
	if (body == NULL) {
		snprintf(a.error.code, sizeof(a.error.code), "NoMemory");
		a.error.retryable = 1;
	} else if ((rc = sqs_call(s->ack, op, body, s->conf.timeout_ms,
	    &a)) == 0 && (rc = sqs_parse_batch(a.body, a.len, res, b->n, err,
	    sizeof(err))) < 0) {
		snprintf(a.error.code, sizeof(a.error.code), "BadAnswer");
		snprintf(a.error.message, sizeof(a.error.message), "%s", err);
	}
	free(body);
	if (rc < 0 && !a.aborted) {
		count_error(s);
		CE_WARNING(s->host, s->self, "%s on %s (%zu entries): %s%s%s; "
		    "will retry", op, s->conf.queue_url, b->n, a.error.code,
		    a.error.message[0] ? ": " : "", a.error.message);
	}
	sqs_ledger_finish(&s->ledger, b, rc == 0 ? res : NULL, &a.error,
	    report_entry, s);
	metrics_update(s);
}

static void *
acknowledge_loop(void *arg)
{
	struct in_sqs *s = arg;
	struct sqs_batch b;

	while (sqs_ledger_take(&s->ledger, &b))
		acknowledge(s, &b);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

static int
region_valid(const char *r)
{
	size_t n = strlen(r);

	return n > 0 && n < 64 && strspn(r,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Region: the option, else the queue URL's, else the host's. */
static int
resolve_region(struct in_sqs *s, const char *from_url)
{
	const char *r = s->conf.region;
	int rc;

	if (r == NULL || *r == '\0')
		r = from_url;
	if (*r == '\0') {
		if ((rc = s->host->aws_region(s->self, s->region,
		    sizeof(s->region))) < 0)
			return rc;
		r = s->region;
	}
	if (!region_valid(r)) {
		CE_ERROR(s->host, s->self, "region '%.64s' is not a region "
		    "name: expected [a-z0-9-]+", r);
		return -EINVAL;
	}
	if (r != s->region)
		snprintf(s->region, sizeof(s->region), "%s", r);
	return 0;
}

static int
loopback(const char *url)
{
	static const char *const hosts[] = {
		"http://127.", "http://localhost:", "http://localhost/",
		"http://[::1]", NULL
	};
	size_t i;

	for (i = 0; hosts[i] != NULL; i++)
		if (strncmp(url, hosts[i], strlen(hosts[i])) == 0 ||
		    strcmp(url, "http://localhost") == 0)
			return 1;
	return 0;
}

static int
configure(struct in_sqs *s)
{
	struct sqs_client_conf cc;
	char url_region[64], err[512];
	int rc;

	if ((rc = s->host->conf_apply(s->self, &s->conf)) < 0)
		return rc;
	if (sqs_queue_parse(s->conf.queue_url, s->queue, sizeof(s->queue),
	    url_region, sizeof(url_region), err, sizeof(err)) < 0) {
		CE_ERROR(s->host, s->self, "%s", err);
		return -EINVAL;
	}
	if ((rc = resolve_region(s, url_region)) < 0)
		return rc;
	if ((rc = s->host->aws_endpoint(s->self, "sqs", s->conf.endpoint,
	    s->region, s->endpoint, sizeof(s->endpoint))) < 0) {
		CE_ERROR(s->host, s->self, "no usable SQS endpoint (from the "
		    "endpoint option, AWS_ENDPOINT_URL_SQS or "
		    "AWS_ENDPOINT_URL)");
		return rc;
	}
	if (strncmp(s->endpoint, "http://", 7) == 0 && !loopback(s->endpoint))
		CE_WARNING(s->host, s->self, "endpoint %s is plain http: "
		    "message bodies and session tokens travel unencrypted",
		    s->endpoint);
	cc = (struct sqs_client_conf){
		.endpoint = s->endpoint,
		.region = s->region,
		.ca_bundle = s->conf.ca_bundle,
		.connect_timeout_ms = s->conf.connect_timeout_ms,
	};
	if ((rc = sqs_client_new(s->self, s->host, &cc, &s->rx)) < 0 ||
	    (rc = sqs_client_new(s->self, s->host, &cc, &s->ack)) < 0)
		return rc;
	if ((rc = sqs_ledger_init(&s->ledger, (int)s->conf.visibility_timeout,
	    (int)s->conf.failed_visibility_timeout)) < 0) {
		CE_ERROR(s->host, s->self, "cannot set up locks: %s",
		    strerror(-rc));
		return rc;
	}
	s->ledger_ready = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The plugin                                                          */
/* ------------------------------------------------------------------ */

static void
in_sqs_free(struct in_sqs *s)
{
	if (s->ledger_ready)
		sqs_ledger_destroy(&s->ledger);
	sqs_client_free(s->rx);
	sqs_client_free(s->ack);
	free(s);
}

static int
in_sqs_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct in_sqs *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	s->self = self;
	s->host = host;
	s->seed = (uint64_t)(uintptr_t)s ^ (uint64_t)sqs_now_ms();
	if ((rc = configure(s)) < 0) {
		in_sqs_free(s);
		return rc;
	}
	metrics_new(s);
	CE_INFO(host, self, "queue %s (region %s, endpoint %s)",
	    s->conf.queue_url, s->region, s->endpoint);
	*state = s;
	return 0;
}

static void
in_sqs_destroy(void *state)
{
	in_sqs_free(state);
}

static int
in_sqs_start(void *state)
{
	struct in_sqs *s = state;
	int rc;

	if ((rc = pthread_create(&s->ack_thread, NULL, acknowledge_loop,
	    s)) != 0)
		goto fail;
	s->ack_started = 1;
	sqs_ledger_receiving(&s->ledger, 1);
	if ((rc = pthread_create(&s->rx_thread, NULL, receive_loop, s)) != 0) {
		sqs_ledger_receiving(&s->ledger, 0);
		goto fail;
	}
	s->rx_started = 1;
	return 0;
fail:
	CE_ERROR(s->host, s->self, "cannot start a thread: %s", strerror(rc));
	if (s->ack_started) {
		sqs_ledger_quit(&s->ledger, sqs_now_ms());
		pthread_join(s->ack_thread, NULL);
		s->ack_started = 0;
	}
	return -rc;
}

/*
 * Stop receiving.  Within shutdown_timeout_ms, the long poll in progress
 * ends by itself (what it brings is given back at once) and the messages
 * still worked on settle (their deletes go out as they do).  Past it, the
 * poll is cut short -- SQS keeps what it handed to that poll invisible
 * until visibility_timeout ends -- and unfinished messages are given back
 * (visibility 0).  Then the acknowledger sends what is pending.
 */
static void
in_sqs_stop(void *state)
{
	struct in_sqs *s = state;
	int64_t deadline = sqs_now_ms() + s->conf.shutdown_timeout_ms;
	size_t left;

	if (s->rx_started) {
		sqs_ledger_close(&s->ledger);
		if (sqs_ledger_wait_receiver(&s->ledger, deadline) < 0) {
			CE_NOTICE(s->host, s->self, "cutting the long poll "
			    "short after %" PRId64 " ms", s->conf.shutdown_timeout_ms);
			sqs_client_abort(s->rx);
		}
		pthread_join(s->rx_thread, NULL);
		s->rx_started = 0;
	}
	if (!s->ack_started)
		return;
	if (sqs_ledger_wait_settled(&s->ledger, deadline) > 0 &&
	    (left = sqs_ledger_release_all(&s->ledger)) > 0)
		CE_NOTICE(s->host, s->self, "%zu message(s) not finished "
		    "within %" PRId64 " ms: given back to the queue", left,
		    s->conf.shutdown_timeout_ms);
	sqs_ledger_quit(&s->ledger, sqs_now_ms() + FLUSH_MS);
	pthread_join(s->ack_thread, NULL);
	s->ack_started = 0;
	metrics_update(s);
}

static void
in_sqs_done(void *state, void *cookie, const struct ce_outcome *outcome)
{
	struct in_sqs *s = state;
	struct sqs_msg *msg = cookie;
	int ok = outcome->status == CE_DOC_OK;

	/* The core has logged why; say what becomes of the message.  The
	 * receive count tells a poison message from a passing failure. */
	if (!ok)
		CE_WARNING(s->host, s->self, "%s: not deleted (received %u "
		    "time(s)): SQS hands it out again %s", msg->origin,
		    sqs_ledger_receives(&s->ledger, msg),
		    s->conf.failed_visibility_timeout >= 0 ? "soon" :
		    "when its visibility timeout ends");
	sqs_ledger_settle(&s->ledger, msg, ok);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_INPUT,
	.name = "sqs",
	.version = "1.0.0",
	.description = "Amazon SQS long-polling consumer: EventBridge, SNS, "
	    "S3 and CloudTrail notifications; deletes only what went out",
	.options = in_sqs_options,
	.init = in_sqs_init,
	.destroy = in_sqs_destroy,
	.start = in_sqs_start,
	.stop = in_sqs_stop,
	.done = in_sqs_done,
};

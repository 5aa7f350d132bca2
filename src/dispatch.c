/*
 * dispatch.c - alerts to outputs: a queue and a thread per output
 * instance, retries with backoff and jitter, the memory of deliveries
 * already made or going on (dedup.c), and the dead-letter file.
 *
 * Locks: a scheduler lock (the retry heap) and one lock per output queue.
 * The scheduler may take a queue lock while holding its own; nothing takes
 * the scheduler lock while holding a queue lock; the dedup lock (dedup.c)
 * is a leaf, taken with no other held.  Plugin callbacks and the
 * settling of records (which may call an input's done()) always run with
 * no lock held.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dedup.h"
#include "dispatch.h"
#include "engine.h"
#include "event.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "reap.h"

/* The opaque ce_delivery of plugin.h: one alert on its way to one output. */
struct ce_delivery {
	struct ce_alert		 alert;		/* what deliver() sees */
	struct ce_alert_data	*data;
	struct ce_instance	*out;
	struct ce_rec		*rec;
	struct ce_dispatch	*d;
	char			*called_as;
	int64_t			 first_ms;	/* monotonic, first attempt */
	int64_t			 due_ms;	/* monotonic, while delayed */
	atomic_int		 settled;	/* complete() called for this attempt */
	struct ce_dedup_entry	 dedup;		/* in the in-flight table */
	struct ce_delivery	*next;		/* ready queue */
	struct ce_grave		 grave;		/* see reap.h */
};

struct ce_outq {
	struct ce_dispatch	*d;
	struct ce_instance	*out;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct ce_delivery	*head, *tail;	/* ready to go */
	unsigned		 inflight;	/* handed to deliver(), not settled */
	unsigned		 delayed;	/* waiting in the retry heap */
	unsigned		 max_inflight;
	int			 closing;
	int			 lingering;	/* in a timed wait: see outq_idle() */
	pthread_t		 thread;
};

/*
 * How long an output thread that has just run out of deliveries waits for
 * more before it sleeps until woken.  Alerts come in bursts, and waking a
 * sleeping thread costs the worker a system call (and, on a virtual
 * machine, an inter-processor interrupt): measured with 10,000 rules where
 * 4.3% of the records alert, the wake-ups were about 5% of the worker's
 * time.  A lingering thread is not woken by new deliveries: it finds them
 * when its wait ends, so an alert waits at most this long in the queue.
 */
#define CE_OUTQ_LINGER_MS	2

/* Deliveries not yet settled, across all outputs, beyond which workers
 * wait: an output that is down holds alerts (and their events) in memory
 * only up to this bound, then back-pressure reaches the inputs. */
#define CE_MAX_PENDING_DELIVERIES	8192

struct ce_dispatch {
	struct ce_engine	*e;
	struct ce_retry_conf	 retry;
	unsigned		 max_inflight;

	pthread_mutex_t		 pending_lock;
	pthread_cond_t		 pending_cond;
	unsigned		 pending;	/* deliveries not settled */

	pthread_mutex_t		 lock;		/* the retry heap */
	pthread_cond_t		 cond;
	struct ce_delivery     **heap;
	size_t			 nheap, capheap;
	int			 stopping;
	int			 started;
	pthread_t		 scheduler;
	atomic_llong		 shutdown_deadline;	/* epoch ms, 0 = none */
	int			 sweep;

	struct ce_dedup		 dedup;

	int			 dlq_fd;	/* dead-letter file or -1 */
	pthread_mutex_t		 dlq_lock;
	ce_metric		*m_dead;
};

int64_t
ce_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ce_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Dead letters and settling                                           */
/* ------------------------------------------------------------------ */

static void
json_member(struct ce_buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	ce_buf_printf(b, ",\"%s\":", name);
	ce_buf_json_string(b, value, strlen(value));
}

static void
dead_letter(struct ce_delivery *dl, const char *reason)
{
	struct ce_dispatch *d = dl->d;
	struct ce_alert_data *a = dl->data;
	struct ce_buf b = CE_BUF_INIT;
	const char *origin, *json;
	uint64_t index = 0;
	size_t i, len = 0;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (d->dlq_fd < 0)
		return;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	origin = ce_event_origin(a->event, &index);
	ce_buf_printf(&b, "{\"time\":\"%s\"", when);
	json_member(&b, "output", dl->out->name);
	json_member(&b, "called_as", dl->called_as);
	json_member(&b, "rule", a->rule);
	json_member(&b, "severity", ce_severity_name(a->severity));
	json_member(&b, "key", a->key);
	json_member(&b, "description", a->description);
	json_member(&b, "runbook", a->runbook);
	ce_buf_puts(&b, ",\"tags\":[");
	for (i = 0; i < a->ntags; i++) {
		if (i > 0)
			ce_buf_putc(&b, ',');
		ce_buf_json_string(&b, a->tags[i], strlen(a->tags[i]));
	}
	ce_buf_printf(&b, "],\"attempts\":%u", dl->alert.attempt);
	json_member(&b, "reason", reason);
	json_member(&b, "origin", origin);
	ce_buf_printf(&b, ",\"index\":%llu", (unsigned long long)index);
	json_member(&b, "summary", a->summary);
	json = ce_event_json(a->event, &len);
	ce_buf_puts(&b, ",\"event\":");
	if (json != NULL)
		ce_buf_append(&b, json, len);
	else
		ce_buf_puts(&b, "null");
	ce_buf_puts(&b, "}\n");
	if (b.oom) {
		ce_error("dead letter for '%s' lost: out of memory", a->rule);
	} else {
		pthread_mutex_lock(&d->dlq_lock);
		/* O_APPEND and one write per line: lines never interleave. */
		if (write(d->dlq_fd, b.data, b.len) != (ssize_t)b.len)
			ce_error("cannot write the dead-letter file: %s",
			    strerror(errno));
		pthread_mutex_unlock(&d->dlq_lock);
		ce_metric_add(d->m_dead, 1);
	}
	ce_buf_free(&b);
}

static void
pending_add(struct ce_dispatch *d)
{
	pthread_mutex_lock(&d->pending_lock);
	while (d->pending >= CE_MAX_PENDING_DELIVERIES)
		pthread_cond_wait(&d->pending_cond, &d->pending_lock);
	d->pending++;
	pthread_mutex_unlock(&d->pending_lock);
}

static void
pending_sub(struct ce_dispatch *d)
{
	pthread_mutex_lock(&d->pending_lock);
	if (d->pending-- == CE_MAX_PENDING_DELIVERIES)
		pthread_cond_broadcast(&d->pending_cond);
	pthread_mutex_unlock(&d->pending_lock);
}

static void
delivery_destroy(struct ce_grave *g)
{
	struct ce_delivery *dl = (struct ce_delivery *)((char *)g -
	    offsetof(struct ce_delivery, grave));

	free(dl->called_as);
	free(dl);
}

/* The delivery is over, one way or the other; free it.  Records that
 * joined it (the same alert for the same output, seen again meanwhile)
 * settle the same way. */
static void
settle(struct ce_delivery *dl, int ok)
{
	struct ce_engine *e = dl->d->e;
	struct ce_dedup_follower *followers, *f;

	followers = ce_dedup_finish(&dl->d->dedup, &dl->dedup, ok);
	pending_sub(dl->d);

	if (ok)
		atomic_fetch_add(&e->totals.alerts, 1);
	else
		atomic_fetch_add(&e->totals.alerts_failed, 1);
	/* The output's reference goes first: once the record settles, the
	 * engine may shut down and must find the instance retired. */
	ce_engine_instance_unref(e, dl->out);
	for (f = followers; f != NULL; f = f->next)
		ce_rec_settle(f->rec, ok);
	ce_dedup_followers_free(followers);
	ce_rec_settle(dl->rec, ok);
	ce_alert_unref(dl->data);
	ce_bury(&dl->grave, delivery_destroy);
}

static void
give_up(struct ce_delivery *dl, const char *why, const char *reason)
{
	uint64_t index = 0;
	const char *origin = ce_event_origin(dl->data->event, &index);

	ce_log(CE_LOG_ERROR, dl->out->component,
	    "alert '%s' for %s:%llu not delivered after %u attempt(s) (%s)%s%s",
	    dl->data->rule, origin, (unsigned long long)index,
	    dl->alert.attempt, why, reason != NULL ? ": " : "",
	    reason != NULL ? reason : "");
	ce_metric_add(dl->out->m_failed, 1);
	dead_letter(dl, reason != NULL ? reason : why);
	settle(dl, 0);
}

/* ------------------------------------------------------------------ */
/* Output queues                                                       */
/* ------------------------------------------------------------------ */

static void
outq_push_locked(struct ce_outq *q, struct ce_delivery *dl)
{
	dl->next = NULL;
	if (q->tail != NULL)
		q->tail->next = dl;
	else
		q->head = dl;
	q->tail = dl;
	if (!q->lingering)
		pthread_cond_signal(&q->cond);
}

static void
deliver(struct ce_outq *q, struct ce_delivery *dl)
{
	int64_t deadline = ce_rec_deadline(dl->rec);
	int64_t sd = atomic_load(&q->d->shutdown_deadline);

	if (sd != 0 && (deadline == 0 || sd < deadline))
		deadline = sd;
	dl->alert.attempt++;
	dl->alert.deadline_ms = deadline;
	atomic_store(&dl->settled, 0);
	q->out->desc->deliver(q->out->state, &dl->alert, dl);
}

/* Wait on q->cond (locked): a while after work (CE_OUTQ_LINGER_MS), for
 * good when the last wait found none. */
static void
outq_idle(struct ce_outq *q, int worked)
{
	struct timespec ts;

	if (!worked) {
		pthread_cond_wait(&q->cond, &q->lock);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += CE_OUTQ_LINGER_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	q->lingering = 1;
	pthread_cond_timedwait(&q->cond, &q->lock, &ts);
	q->lingering = 0;
}

static void *
outq_main(void *arg)
{
	struct ce_outq *q = arg;
	struct ce_delivery *dl;
	int worked = 0;

	ce_reap_defer_here();
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->head != NULL && q->inflight < q->max_inflight) {
			dl = q->head;
			q->head = dl->next;
			if (q->head == NULL)
				q->tail = NULL;
			q->inflight++;
			worked = 1;
			pthread_mutex_unlock(&q->lock);
			deliver(q, dl);
			pthread_mutex_lock(&q->lock);
		}
		if (q->closing && q->head == NULL && q->inflight == 0 &&
		    q->delayed == 0)
			break;
		/* Idle: the workers may be too (reap.h). */
		pthread_mutex_unlock(&q->lock);
		ce_reap_idle();
		pthread_mutex_lock(&q->lock);
		if ((q->head != NULL && q->inflight < q->max_inflight) ||
		    (q->closing && q->head == NULL && q->inflight == 0 &&
		    q->delayed == 0))
			continue;	/* woken meanwhile */
		outq_idle(q, worked);
		worked = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int
ce_dispatch_attach(struct ce_dispatch *d, struct ce_instance *out)
{
	struct ce_outq *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;
	int rc;

	if (q == NULL)
		return -ENOMEM;
	q->d = d;
	q->out = out;
	q->max_inflight = d->max_inflight;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&q->thread, NULL, outq_main, q);
	if (rc != 0) {
		pthread_cond_destroy(&q->cond);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return -rc;
	}
	out->outq = q;
	return 0;
}

void
ce_dispatch_detach(struct ce_dispatch *d, struct ce_instance *out)
{
	struct ce_outq *q = out->outq;

	(void)d;
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->closing = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
	out->outq = NULL;
}

/* What a claim other than NEW leaves to do: drop dl, count the alert as
 * deduplicated, and give back the hold on r unless r joined. */
static int
not_delivered(struct ce_instance *out, struct ce_delivery *dl,
    struct ce_rec *r, enum ce_dedup_claim claim)
{
	if (claim != CE_DEDUP_JOINED)
		atomic_fetch_sub(&r->pending, 1);	/* the worker holds r too */
	ce_metric_add(out->m_deduplicated, 1);
	free(dl->called_as);
	free(dl);
	return 0;
}

int
ce_dispatch_alert(struct ce_dispatch *d, struct ce_instance *out,
    const char *called_as, struct ce_alert_data *a, struct ce_rec *r)
{
	struct ce_outq *q = out->outq;
	struct ce_delivery *dl;
	enum ce_dedup_claim claim;

	if (q == NULL)
		return -EINVAL;
	if ((dl = calloc(1, sizeof(*dl))) == NULL)
		return -ENOMEM;
	if ((dl->called_as = strdup(called_as)) == NULL) {
		free(dl);
		return -ENOMEM;
	}
	/* Held before the claim: a delivery r joins may settle it at once. */
	atomic_fetch_add(&r->pending, 1);
	claim = ce_dedup_claim(&d->dedup,
	    ce_dedup_fingerprint(a->key, out->name), &dl->dedup, r);
	if (claim == CE_DEDUP_DELIVERED || claim == CE_DEDUP_JOINED)
		return not_delivered(out, dl, r, claim);
	pending_add(d);		/* may wait: back-pressure */
	dl->d = d;
	dl->data = ce_alert_ref(a);
	dl->rec = r;
	dl->out = out;
	atomic_fetch_add(&out->refs, 1);
	dl->first_ms = ce_mono_ms();
	dl->alert = (struct ce_alert){
		.size = sizeof(struct ce_alert),
		.rule = a->rule,
		.severity = ce_severity_name(a->severity),
		.description = a->description,
		.runbook = a->runbook,
		.tags = (const char *const *)a->tags,
		.ntags = a->ntags,
		.key = a->key,
		.called_as = dl->called_as,
		.summary = a->summary,
		.event = a->event,
	};
	pthread_mutex_lock(&q->lock);
	outq_push_locked(q, dl);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Retries                                                             */
/* ------------------------------------------------------------------ */

static uint64_t
jitter_random(void)
{
	static _Thread_local uint64_t s;

	if (s == 0)
		s = (uint64_t)ce_mono_ms() * 0x9e3779b97f4a7c15ull ^
		    (uint64_t)(uintptr_t)&s;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* Exponential backoff with "equal jitter": half fixed, half random, so
 * retries from many alerts spread out but never come back too early. */
static int64_t
backoff_ms(const struct ce_retry_conf *rc, unsigned attempt)
{
	int64_t delay = rc->base_delay_ms;
	unsigned i;

	for (i = 1; i < attempt && delay < rc->max_delay_ms; i++)
		delay *= 2;
	if (delay > rc->max_delay_ms)
		delay = rc->max_delay_ms;
	if (delay < 2)
		return delay;
	return delay / 2 + (int64_t)(jitter_random() % (uint64_t)(delay / 2 + 1));
}

static void
heap_swap(struct ce_delivery **h, size_t i, size_t j)
{
	struct ce_delivery *t = h[i];

	h[i] = h[j];
	h[j] = t;
}

static int
heap_push_locked(struct ce_dispatch *d, struct ce_delivery *dl)
{
	size_t i;

	if (d->nheap == d->capheap) {
		size_t cap = d->capheap ? d->capheap * 2 : 64;
		struct ce_delivery **h = realloc(d->heap, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		d->heap = h;
		d->capheap = cap;
	}
	i = d->nheap++;
	d->heap[i] = dl;
	while (i > 0 && d->heap[(i - 1) / 2]->due_ms > d->heap[i]->due_ms) {
		heap_swap(d->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

static struct ce_delivery *
heap_remove_locked(struct ce_dispatch *d, size_t i)
{
	struct ce_delivery *dl = d->heap[i];
	size_t c;

	d->heap[i] = d->heap[--d->nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= d->nheap)
			break;
		if (c + 1 < d->nheap && d->heap[c + 1]->due_ms < d->heap[c]->due_ms)
			c++;
		if (d->heap[i]->due_ms <= d->heap[c]->due_ms)
			break;
		heap_swap(d->heap, i, c);
		i = c;
	}
	while (i > 0 && i < d->nheap &&
	    d->heap[(i - 1) / 2]->due_ms > d->heap[i]->due_ms) {
		heap_swap(d->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return dl;
}

/* Move a delayed delivery back to its queue, or end it. */
static void
undelay(struct ce_delivery *dl, int ready)
{
	struct ce_outq *q = dl->out->outq;

	pthread_mutex_lock(&q->lock);
	q->delayed--;
	if (ready)
		outq_push_locked(q, dl);
	else
		pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Deliveries whose next try would come after the shutdown deadline end now. */
static struct ce_delivery *
sweep_locked(struct ce_dispatch *d, int64_t now_mono)
{
	int64_t sd = atomic_load(&d->shutdown_deadline);
	int64_t limit = sd - ce_now_ms() + now_mono;	/* in monotonic time */
	struct ce_delivery *doomed = NULL, *dl;
	size_t i = 0;

	while (sd != 0 && i < d->nheap) {
		if (d->heap[i]->due_ms > limit) {
			dl = heap_remove_locked(d, i);
			dl->next = doomed;
			doomed = dl;
			i = 0;
		} else {
			i++;
		}
	}
	return doomed;
}

static void *
scheduler_main(void *arg)
{
	struct ce_dispatch *d = arg;
	struct ce_delivery *due, *doomed, *dl;
	struct timespec ts;
	int64_t now, wake;

	ce_reap_defer_here();
	pthread_mutex_lock(&d->lock);
	while (!d->stopping) {
		now = ce_mono_ms();
		doomed = NULL;
		if (d->sweep) {
			doomed = sweep_locked(d, now);
			d->sweep = 0;
		}
		due = NULL;
		while (d->nheap > 0 && d->heap[0]->due_ms <= now) {
			dl = heap_remove_locked(d, 0);
			dl->next = due;
			due = dl;
		}
		if (due != NULL || doomed != NULL) {
			pthread_mutex_unlock(&d->lock);
			while ((dl = due) != NULL) {
				due = dl->next;
				undelay(dl, 1);
			}
			while ((dl = doomed) != NULL) {
				doomed = dl->next;
				undelay(dl, 0);
				give_up(dl, "shutting down", NULL);
			}
			pthread_mutex_lock(&d->lock);
			continue;
		}
		if (d->nheap == 0) {
			pthread_cond_wait(&d->cond, &d->lock);
			continue;
		}
		wake = d->heap[0]->due_ms;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (wake - now) / 1000;
		ts.tv_nsec += ((wake - now) % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->cond, &d->lock, &ts);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/*
 * Decide what a RETRY becomes: the delay until the next try, or -1 when
 * the budget (attempts, time) or the deadline says stop; why says which.
 */
static int64_t
retry_delay(struct ce_delivery *dl, int64_t retry_after_ms, const char **why)
{
	const struct ce_retry_conf *rc = &dl->d->retry;
	int64_t delay = backoff_ms(rc, dl->alert.attempt);
	int64_t deadline = dl->alert.deadline_ms;

	if (retry_after_ms > delay)
		delay = retry_after_ms;
	if (dl->alert.attempt >= rc->max_attempts) {
		*why = "retry budget: attempts";
		return -1;
	}
	if (ce_mono_ms() + delay - dl->first_ms > rc->max_time_ms) {
		*why = "retry budget: time";
		return -1;
	}
	if (deadline != 0 && ce_now_ms() + delay >= deadline) {
		*why = "deadline";
		return -1;
	}
	return delay;
}

void
ce_dispatch_complete(ce_delivery *dl, enum ce_delivery_status status,
    int64_t retry_after_ms, const char *reason)
{
	struct ce_outq *q = dl->out->outq;
	const char *why = NULL;
	int64_t delay = -1;

	if (atomic_exchange(&dl->settled, 1)) {
		ce_log(CE_LOG_ERROR, dl->out->component,
		    "plugin bug: delivery of '%s' completed twice", dl->data->rule);
		return;
	}
	if (status == CE_DELIVERY_RETRY)
		delay = retry_delay(dl, retry_after_ms, &why);
	pthread_mutex_lock(&q->lock);
	q->inflight--;
	if (delay >= 0)
		q->delayed++;	/* in flight becomes delayed in one step */
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);

	switch (status) {
	case CE_DELIVERY_OK:
		ce_metric_add(dl->out->m_delivered, 1);
		settle(dl, 1);
		return;
	case CE_DELIVERY_RETRY:
		if (delay < 0)
			break;
		ce_metric_add(dl->out->m_retried, 1);
		ce_log(CE_LOG_INFO, dl->out->component,
		    "alert '%s': attempt %u failed%s%s; retrying in %lld ms",
		    dl->data->rule, dl->alert.attempt, reason ? ": " : "",
		    reason ? reason : "", (long long)delay);
		dl->due_ms = ce_mono_ms() + delay;
		pthread_mutex_lock(&dl->d->lock);
		if (heap_push_locked(dl->d, dl) == 0) {
			pthread_cond_signal(&dl->d->cond);
			pthread_mutex_unlock(&dl->d->lock);
			return;
		}
		pthread_mutex_unlock(&dl->d->lock);
		undelay(dl, 0);
		why = "out of memory";
		break;
	default:
		why = "refused";
		break;
	}
	give_up(dl, why, reason);
}

void
ce_dispatch_shutdown(struct ce_dispatch *d, int64_t deadline_ms)
{
	atomic_store(&d->shutdown_deadline, deadline_ms);
	pthread_mutex_lock(&d->lock);
	d->sweep = 1;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

struct ce_dispatch *
ce_dispatch_new(struct ce_engine *e)
{
	struct ce_dispatch *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;

	if (d == NULL)
		return NULL;
	d->e = e;
	d->retry = e->cfg->retry;
	d->max_inflight = e->cfg->max_inflight ? e->cfg->max_inflight : 64;
	d->dlq_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->dlq_lock, NULL);
	pthread_mutex_init(&d->pending_lock, NULL);
	pthread_cond_init(&d->pending_cond, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (ce_dedup_init(&d->dedup, e->cfg->dedup_entries) < 0)
		goto fail;
	d->m_dead = ce_metric_register("core", "dead_letters",
	    "alerts written to the dead-letter file");
	if (e->cfg->dead_letter != NULL) {
		d->dlq_fd = open(e->cfg->dead_letter,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (d->dlq_fd < 0) {
			ce_error("cannot open the dead-letter file %s: %s",
			    e->cfg->dead_letter, strerror(errno));
			goto fail;
		}
	}
	return d;
fail:
	ce_dispatch_free(d);
	return NULL;
}

int
ce_dispatch_start(struct ce_dispatch *d)
{
	int rc = pthread_create(&d->scheduler, NULL, scheduler_main, d);

	if (rc != 0)
		return -rc;
	d->started = 1;
	return 0;
}

void
ce_dispatch_free(struct ce_dispatch *d)
{
	if (d == NULL)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->lock);
		d->stopping = 1;
		pthread_cond_signal(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->scheduler, NULL);
	}
	if (d->dlq_fd >= 0)
		close(d->dlq_fd);
	free(d->heap);
	ce_dedup_free(&d->dedup);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->dlq_lock);
	pthread_cond_destroy(&d->pending_cond);
	pthread_mutex_destroy(&d->pending_lock);
	free(d);
}

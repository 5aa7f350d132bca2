/*
 * sqs_ledger.c - the messages an `sqs` input holds between ReceiveMessage
 * and their deletion or return: what each still needs (delete, return,
 * extend), when, with which receipt handle, and the lock and wakeups the
 * receiving thread, the acknowledging thread, done() and stop() share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqs.h"

#define RETRY_BASE_MS	200
#define RETRY_CAP_MS	20000
#define MAX_TRIES	8
#define FOREVER		INT64_MAX

int64_t
sqs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Extend when less than half the timeout is left: room for a slow call. */
static int64_t
extend_at(const struct sqs_ledger *l, const struct sqs_msg *m)
{
	return m->visible_at - (int64_t)l->visibility * 500;
}

int
sqs_ledger_init(struct sqs_ledger *l, int visibility, int failed_visibility)
{
	pthread_condattr_t attr;
	int rc;

	memset(l, 0, sizeof(*l));
	l->visibility = visibility;
	l->failed_visibility = failed_visibility;
	l->max_tries = MAX_TRIES;
	l->seed = (uint64_t)sqs_now_ms() ^ (uint64_t)(uintptr_t)l;
	if ((rc = pthread_condattr_init(&attr)) != 0)
		return -rc;
	/* Timed waits on the monotonic clock: a clock step must not stall
	 * an extension. */
	if ((rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) == 0 &&
	    (rc = pthread_mutex_init(&l->lock, NULL)) == 0) {
		if ((rc = pthread_cond_init(&l->changed, &attr)) == 0 &&
		    (rc = pthread_cond_init(&l->room, &attr)) != 0)
			pthread_cond_destroy(&l->changed);
		if (rc != 0)
			pthread_mutex_destroy(&l->lock);
	}
	pthread_condattr_destroy(&attr);
	return -rc;
}

static void
msg_free(struct sqs_msg *m)
{
	free(m->id);
	free(m->receipt);
	free(m->origin);
	free(m);
}

static void
unlink_msg(struct sqs_ledger *l, struct sqs_msg *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		l->head = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	l->held--;
	if (m->state == SQS_WORKING)
		l->working--;
	msg_free(m);
}

void
sqs_ledger_destroy(struct sqs_ledger *l)
{
	while (l->head != NULL)
		unlink_msg(l, l->head);
	pthread_cond_destroy(&l->changed);
	pthread_cond_destroy(&l->room);
	pthread_mutex_destroy(&l->lock);
}

/* Free m when nobody needs it any more. */
static void
maybe_free(struct sqs_ledger *l, struct sqs_msg *m)
{
	if (m->state == SQS_DROP && !m->busy && !m->awaiting_done)
		unlink_msg(l, m);
}

/* Leave WORKING (or not) and keep the count right; wake who cares. */
static void
set_state(struct sqs_ledger *l, struct sqs_msg *m, enum sqs_state s)
{
	if (m->state == SQS_WORKING && s != SQS_WORKING) {
		l->working--;
		pthread_cond_broadcast(&l->room);
	} else if (m->state != SQS_WORKING && s == SQS_WORKING) {
		l->working++;
	}
	m->state = s;
	m->tries = 0;
	m->next_try = 0;
	pthread_cond_signal(&l->changed);
}

static struct sqs_msg *
find(struct sqs_ledger *l, const char *id)
{
	struct sqs_msg *m;

	for (m = l->head; m != NULL; m = m->next)
		if (strcmp(m->id, id) == 0)
			return m;
	return NULL;
}

static int
set_receipt(struct sqs_msg *m, const char *receipt)
{
	char *r = strdup(receipt);

	if (r == NULL)
		return -ENOMEM;
	free(m->receipt);
	m->receipt = r;
	m->gen++;
	return 0;
}

static struct sqs_msg *
msg_new(const char *queue, const struct sqs_message *in)
{
	struct sqs_msg *m = calloc(1, sizeof(*m));
	size_t n = strlen(queue) + strlen(in->id) + sizeof("sqs:/");

	if (m == NULL)
		return NULL;
	m->id = strdup(in->id);
	m->receipt = strdup(in->receipt);
	if ((m->origin = malloc(n)) != NULL)
		snprintf(m->origin, n, "sqs:%s/%s", queue, in->id);
	if (m->id == NULL || m->receipt == NULL || m->origin == NULL) {
		msg_free(m);
		return NULL;
	}
	m->state = SQS_DROP;	/* set_state() counts it in */
	return m;
}

/*
 * A message received again while held: in hand (WORKING, awaiting done,
 * or DELETE) it keeps its place with the newer receipt handle; one whose
 * earlier attempt failed is taken in again as new work.
 */
static struct sqs_msg *
readd(struct sqs_ledger *l, struct sqs_msg *m, const struct sqs_message *in,
    int64_t now, int *oom)
{
	if (set_receipt(m, in->receipt) < 0) {
		*oom = 1;
		return NULL;
	}
	m->receive_count = in->receive_count;
	m->visible_at = now + (int64_t)l->visibility * 1000;
	if (m->state == SQS_WORKING || m->state == SQS_DELETE ||
	    m->state == SQS_IDLE || m->awaiting_done) {
		l->counts.duplicates++;
		if (m->state == SQS_DELETE)
			m->next_try = 0;
		pthread_cond_signal(&l->changed);
		return NULL;
	}
	l->counts.received++;
	m->no_extend = 0;
	set_state(l, m, SQS_WORKING);
	m->awaiting_done = 1;
	return m;
}

struct sqs_msg *
sqs_ledger_add(struct sqs_ledger *l, const char *queue,
    const struct sqs_message *in, int64_t now, int *oom)
{
	struct sqs_msg *m;

	*oom = 0;
	pthread_mutex_lock(&l->lock);
	if ((m = find(l, in->id)) != NULL) {
		m = readd(l, m, in, now, oom);
		goto out;
	}
	if ((m = msg_new(queue, in)) == NULL) {
		*oom = 1;
		goto out;
	}
	m->receive_count = in->receive_count;
	m->visible_at = now + (int64_t)l->visibility * 1000;
	m->awaiting_done = 1;
	m->next = l->head;
	if (l->head != NULL)
		l->head->prev = m;
	l->head = m;
	l->held++;
	l->counts.received++;
	set_state(l, m, SQS_WORKING);
out:
	pthread_mutex_unlock(&l->lock);
	return m;
}

/* A failure: give it back after failed_visibility, or leave it to SQS. */
static void
failed(struct sqs_ledger *l, struct sqs_msg *m, int visibility)
{
	if (visibility < 0) {
		set_state(l, m, SQS_DROP);
		return;
	}
	m->ret_visibility = visibility;
	set_state(l, m, SQS_RETURN);
}

void
sqs_ledger_settle(struct sqs_ledger *l, struct sqs_msg *msg, int ok)
{
	pthread_mutex_lock(&l->lock);
	msg->awaiting_done = 0;
	switch (msg->state) {
	case SQS_WORKING:
		if (ok)
			set_state(l, msg, SQS_DELETE);
		else
			failed(l, msg, l->failed_visibility);
		break;
	case SQS_RETURN:
		/* Released at shutdown but finished after all: the alerts
		 * went out, so delete it unless the release is on its way. */
		if (ok && !msg->busy)
			set_state(l, msg, SQS_DELETE);
		break;
	case SQS_IDLE:
		set_state(l, msg, SQS_DROP);
		break;
	default:
		break;
	}
	maybe_free(l, msg);
	pthread_mutex_unlock(&l->lock);
}

unsigned
sqs_ledger_receives(struct sqs_ledger *l, struct sqs_msg *msg)
{
	unsigned n;

	pthread_mutex_lock(&l->lock);
	n = msg->receive_count;
	pthread_mutex_unlock(&l->lock);
	return n;
}

void
sqs_ledger_unsubmitted(struct sqs_ledger *l, struct sqs_msg *msg,
    int cancelled)
{
	pthread_mutex_lock(&l->lock);
	msg->awaiting_done = 0;
	if (msg->state == SQS_WORKING)
		failed(l, msg, cancelled ? 0 : l->failed_visibility);
	maybe_free(l, msg);
	pthread_mutex_unlock(&l->lock);
}

/* ------------------------------------------------------------------ */
/* The receiver and stop()                                             */
/* ------------------------------------------------------------------ */

static void
deadline_ts(int64_t when_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(when_ms / 1000);
	ts->tv_nsec = (long)(when_ms % 1000) * 1000000L;
}

size_t
sqs_ledger_wait_room(struct sqs_ledger *l, size_t limit)
{
	size_t room = 0;

	pthread_mutex_lock(&l->lock);
	while (!l->closing && l->working >= limit)
		pthread_cond_wait(&l->room, &l->lock);
	if (!l->closing)
		room = limit - l->working;
	pthread_mutex_unlock(&l->lock);
	return room;
}

int
sqs_ledger_sleep(struct sqs_ledger *l, int64_t ms)
{
	int64_t until = sqs_now_ms() + ms;
	struct timespec ts;
	int rc = 0;

	deadline_ts(until, &ts);
	pthread_mutex_lock(&l->lock);
	while (!l->closing && sqs_now_ms() < until)
		pthread_cond_timedwait(&l->room, &l->lock, &ts);
	if (l->closing)
		rc = -ECANCELED;
	pthread_mutex_unlock(&l->lock);
	return rc;
}

void
sqs_ledger_close(struct sqs_ledger *l)
{
	pthread_mutex_lock(&l->lock);
	l->closing = 1;
	pthread_cond_broadcast(&l->room);
	pthread_mutex_unlock(&l->lock);
}

int
sqs_ledger_closing(struct sqs_ledger *l)
{
	int closing;

	pthread_mutex_lock(&l->lock);
	closing = l->closing;
	pthread_mutex_unlock(&l->lock);
	return closing;
}

void
sqs_ledger_receiving(struct sqs_ledger *l, int on)
{
	pthread_mutex_lock(&l->lock);
	l->receiving = on;
	pthread_cond_broadcast(&l->room);
	pthread_mutex_unlock(&l->lock);
}

int
sqs_ledger_wait_receiver(struct sqs_ledger *l, int64_t deadline)
{
	struct timespec ts;
	int rc;

	deadline_ts(deadline, &ts);
	pthread_mutex_lock(&l->lock);
	while (l->receiving && sqs_now_ms() < deadline)
		pthread_cond_timedwait(&l->room, &l->lock, &ts);
	rc = l->receiving ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&l->lock);
	return rc;
}

size_t
sqs_ledger_wait_settled(struct sqs_ledger *l, int64_t deadline)
{
	struct timespec ts;
	size_t left;

	deadline_ts(deadline, &ts);
	pthread_mutex_lock(&l->lock);
	while (l->working > 0 && sqs_now_ms() < deadline)
		pthread_cond_timedwait(&l->room, &l->lock, &ts);
	left = l->working;
	pthread_mutex_unlock(&l->lock);
	return left;
}

size_t
sqs_ledger_release_all(struct sqs_ledger *l)
{
	struct sqs_msg *m;
	size_t n = 0;

	pthread_mutex_lock(&l->lock);
	for (m = l->head; m != NULL; m = m->next) {
		if (m->state != SQS_WORKING)
			continue;
		m->ret_visibility = 0;
		set_state(l, m, SQS_RETURN);
		l->counts.released++;
		n++;
	}
	pthread_mutex_unlock(&l->lock);
	return n;
}

void
sqs_ledger_quit(struct sqs_ledger *l, int64_t deadline)
{
	pthread_mutex_lock(&l->lock);
	l->quitting = 1;
	l->quit_by = deadline;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
}

/* ------------------------------------------------------------------ */
/* The acknowledger                                                    */
/* ------------------------------------------------------------------ */

/* When m next needs a call (FOREVER: never, by itself). */
static int64_t
due_at(const struct sqs_ledger *l, const struct sqs_msg *m)
{
	int64_t at;

	if (m->busy)
		return FOREVER;
	switch (m->state) {
	case SQS_DELETE:
	case SQS_RETURN:
		return m->next_try;
	case SQS_WORKING:
		/* Extensions stop at shutdown: what is left is released. */
		if (m->no_extend || l->quitting)
			return FOREVER;
		at = extend_at(l, m);
		return at > m->next_try ? at : m->next_try;
	default:
		return FOREVER;
	}
}

/* Out of memory leaves m out: it is due again at the next look. */
static void
batch_add(struct sqs_batch *b, struct sqs_msg *m, int visibility)
{
	size_t i = b->n;

	if ((b->receipt[i] = strdup(m->receipt)) == NULL)
		return;
	b->msg[i] = m;
	b->gen[i] = m->gen;
	b->was[i] = m->state;
	b->entry[i].receipt = b->receipt[i];
	b->entry[i].visibility = visibility;
	m->busy = 1;
	b->n++;
}

static int
fill(struct sqs_ledger *l, struct sqs_batch *b, enum sqs_action action,
    int64_t now)
{
	struct sqs_msg *m;

	memset(b, 0, sizeof(*b));
	b->action = action;
	b->sent_at = now;
	for (m = l->head; m != NULL && b->n < SQS_BATCH_MAX; m = m->next) {
		if (due_at(l, m) > now)
			continue;
		if (action == SQS_ACT_DELETE && m->state == SQS_DELETE)
			batch_add(b, m, -1);
		else if (action == SQS_ACT_VISIBILITY &&
		    m->state == SQS_RETURN)
			batch_add(b, m, m->ret_visibility);
		else if (action == SQS_ACT_VISIBILITY &&
		    m->state == SQS_WORKING)
			batch_add(b, m, l->visibility);
	}
	return b->n > 0;
}

int
sqs_ledger_take_due(struct sqs_ledger *l, struct sqs_batch *b, int64_t now)
{
	return fill(l, b, SQS_ACT_DELETE, now) ||
	    fill(l, b, SQS_ACT_VISIBILITY, now);
}

/* Anything a quitting acknowledger still has to send? */
static int
pending(const struct sqs_ledger *l)
{
	const struct sqs_msg *m;

	for (m = l->head; m != NULL; m = m->next)
		if (m->state == SQS_DELETE || m->state == SQS_RETURN)
			return 1;
	return 0;
}

static int64_t
next_due(const struct sqs_ledger *l)
{
	const struct sqs_msg *m;
	int64_t at, first = FOREVER;

	for (m = l->head; m != NULL; m = m->next)
		if ((at = due_at(l, m)) < first)
			first = at;
	return first;
}

int
sqs_ledger_take(struct sqs_ledger *l, struct sqs_batch *b)
{
	struct timespec ts;
	int64_t now, at;
	int got = 0;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		now = sqs_now_ms();
		if (l->quitting && (!pending(l) || now >= l->quit_by))
			break;
		if ((got = sqs_ledger_take_due(l, b, now)) != 0)
			break;
		at = next_due(l);
		if (l->quitting && at > l->quit_by)
			at = l->quit_by;
		if (at == FOREVER) {
			pthread_cond_wait(&l->changed, &l->lock);
		} else {
			deadline_ts(at, &ts);
			pthread_cond_timedwait(&l->changed, &l->lock, &ts);
		}
	}
	pthread_mutex_unlock(&l->lock);
	return got;
}

void
sqs_batch_clear(struct sqs_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->receipt[i]);
	memset(b, 0, sizeof(*b));
}

/* Try again later, or give up after max_tries (1 = given up). */
static int
retry_later(struct sqs_ledger *l, struct sqs_msg *m, int64_t now)
{
	if (++m->tries >= l->max_tries)
		return 1;
	m->next_try = now + sqs_backoff_ms(m->tries, RETRY_BASE_MS,
	    RETRY_CAP_MS, &l->seed);
	return 0;
}

/* The call for m is over, for good or not: what is left of m. */
static void
settled_call(struct sqs_ledger *l, struct sqs_msg *m, enum sqs_state was)
{
	if (was == SQS_WORKING)
		return;		/* an extension: m goes on working */
	if (m->state == SQS_RETURN && m->awaiting_done)
		set_state(l, m, SQS_IDLE);
	else if (m->state == was)
		set_state(l, m, SQS_DROP);
}

/* One entry's answer; report() is told what went wrong. */
static void
finish_one(struct sqs_ledger *l, struct sqs_batch *b, size_t i,
    const struct sqs_entry_result *r, const struct sqs_error *error,
    void (*report)(void *, const struct sqs_batch *, size_t, const char *),
    void *arg)
{
	struct sqs_msg *m = b->msg[i];
	enum sqs_state was = b->was[i];
	int64_t now = sqs_now_ms();
	char what[400];
	int ok = r != NULL && r->status == SQS_ENTRY_OK;
	int retry;

	m->busy = 0;
	if (m->gen != b->gen[i]) {
		/* Received again meanwhile: redo it with the new handle. */
		if (m->state == SQS_DELETE || m->state == SQS_RETURN)
			m->next_try = 0;
		return;
	}
	if (was == SQS_WORKING && m->state != SQS_WORKING)
		return;		/* settled meanwhile: the extension is moot */
	if (ok && was == SQS_WORKING) {
		m->visible_at = b->sent_at + (int64_t)l->visibility * 1000;
		m->tries = 0;
		m->next_try = 0;
		l->counts.extended++;
		return;
	}
	if (ok) {
		if (was == SQS_DELETE)
			l->counts.deleted++;
		else if (m->ret_visibility > 0 || !m->awaiting_done)
			l->counts.returned++;
		settled_call(l, m, was);
		return;
	}
	/* Failed entries: the server's own trouble is retried; a sender
	 * fault (ReceiptHandleIsInvalid, a message no longer in flight, the
	 * 12-hour limit) will not get better. */
	if (r != NULL && r->status == SQS_ENTRY_FAILED) {
		retry = !r->sender_fault || sqs_code_retryable(r->code);
		snprintf(what, sizeof(what), "%s%s%s", r->code,
		    r->message[0] ? ": " : "", r->message);
	} else {
		retry = 1;
		snprintf(what, sizeof(what), "%s%s%s", error ? error->code :
		    "no answer for this entry", error && error->message[0] ?
		    ": " : "", error ? error->message : "");
	}
	if (retry && !retry_later(l, m, now))
		return;
	l->counts.given_up++;
	if (report != NULL)
		report(arg, b, i, what);
	if (was == SQS_WORKING)
		m->no_extend = 1;
	else
		settled_call(l, m, was);
}

void
sqs_ledger_finish(struct sqs_ledger *l, struct sqs_batch *b,
    const struct sqs_entry_result *res, const struct sqs_error *error,
    void (*report)(void *arg, const struct sqs_batch *b, size_t i,
    const char *what), void *arg)
{
	size_t i;

	pthread_mutex_lock(&l->lock);
	for (i = 0; i < b->n; i++) {
		finish_one(l, b, i, res != NULL ? &res[i] : NULL, error,
		    report, arg);
		maybe_free(l, b->msg[i]);
	}
	pthread_cond_signal(&l->changed);
	pthread_mutex_unlock(&l->lock);
	sqs_batch_clear(b);
}

/*
 * pipeline.c - documents from inputs to settled outcomes: a bounded queue,
 * worker threads that read, unwrap and evaluate, and the accounting that
 * settles each document exactly once.
 *
 * A document stays "pending" while a worker reads it and while any record
 * of it has alerts on their way; each such record is a ce_rec, created
 * only when a rule fires (most records fire nothing and cost no
 * allocation beyond their event).  When the last hold goes, the outcome
 * is computed and handed to the input's done().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alert.h"
#include "aws.h"
#include "buf.h"
#include "dispatch.h"
#include "document.h"
#include "engine.h"
#include "event.h"
#include "log.h"
#include "pipeline.h"
#include "reap.h"

struct ce_doc {
	struct ce_pipeline	*p;
	struct ce_instance	*input;		/* NULL for `test` files */
	void			*cookie;
	char			*origin;
	unsigned		 flags;
	int64_t			 deadline_ms;
	void			*data;		/* a copy, or NULL for a stream */
	size_t			 len;
	ssize_t		       (*read)(void *, void *, size_t);
	void		       (*close)(void *);
	void			*stream;

	atomic_uint		 pending;	/* the worker + unsettled records */
	atomic_ullong		 records;
	atomic_ullong		 failed;
	atomic_ullong		 skipped;
	atomic_ullong		 alerts;
	pthread_mutex_t		 lock;		/* reason */
	char			*reason;	/* the first failure */
	struct ce_doc		*next;		/* queue */
};

struct ce_pipeline {
	struct ce_engine	*e;
	unsigned		 nworkers;
	unsigned		 queue_size;	/* documents in flight, at most */
	pthread_t		*workers;
	unsigned		 started;

	pthread_mutex_t		 lock;
	pthread_cond_t		 work;		/* a document is queued */
	pthread_cond_t		 space;		/* room for another document */
	struct ce_doc		*head, *tail;
	unsigned long		 inflight;	/* submitted, not settled */
	int			 closed;	/* no more submits */
	int			 stopping;	/* workers exit when idle */
};

/* What a worker carries through one record: the opaque ce_alert_sink. */
struct ce_alert_sink {
	struct ce_pipeline	*p;
	struct ce_doc		*doc;
	struct ce_generation	*gen;
	const ce_event		*ev;
	struct ce_rec		*rec;		/* created on the first alert */
	int			 failed;	/* an alert could not be queued */
};

/* What a worker carries through one document. */
struct doc_ctx {
	struct ce_pipeline	*p;
	struct ce_doc		*doc;
	struct ce_generation	*gen;
	unsigned		 depth;		/* S3 objects inside documents */
};

/* ------------------------------------------------------------------ */
/* Settling                                                            */
/* ------------------------------------------------------------------ */

static void
doc_note(struct ce_doc *doc, const char *fmt, ...) CE_PRINTF(2, 3);

/* Remember the first failure of a document, for its outcome. */
static void
doc_note(struct ce_doc *doc, const char *fmt, ...)
{
	struct ce_buf b = CE_BUF_INIT;
	va_list ap;

	pthread_mutex_lock(&doc->lock);
	if (doc->reason == NULL) {
		va_start(ap, fmt);
		ce_buf_vprintf(&b, fmt, ap);
		va_end(ap);
		doc->reason = b.oom ? NULL : ce_buf_steal(&b, NULL);
	}
	pthread_mutex_unlock(&doc->lock);
	ce_buf_free(&b);
}

static void
doc_free(struct ce_doc *doc)
{
	if (doc->close != NULL)
		doc->close(doc->stream);
	free(doc->data);
	free(doc->origin);
	free(doc->reason);
	pthread_mutex_destroy(&doc->lock);
	free(doc);
}

static void
doc_finish(struct ce_doc *doc)
{
	struct ce_pipeline *p = doc->p;
	struct ce_totals *t = &p->e->totals;
	struct ce_outcome oc = {
		.size = sizeof(oc),
		.records = atomic_load(&doc->records),
		.failed = atomic_load(&doc->failed),
		.skipped = atomic_load(&doc->skipped),
		.alerts = atomic_load(&doc->alerts),
		.reason = doc->reason,
	};

	oc.status = (oc.failed > 0 || oc.skipped > 0 || doc->reason != NULL) ?
	    CE_DOC_FAILED : CE_DOC_OK;
	atomic_fetch_add(&t->documents, 1);
	atomic_fetch_add(&t->records, oc.records);
	atomic_fetch_add(&t->records_failed, oc.failed);
	atomic_fetch_add(&t->skipped, oc.skipped);
	if (oc.status != CE_DOC_OK) {
		atomic_fetch_add(&t->documents_failed, 1);
		ce_log(CE_LOG_WARNING, doc->input ? doc->input->component : NULL,
		    "%s: not fully processed: %llu record(s), %llu failed, "
		    "%llu skipped: %s", doc->origin,
		    (unsigned long long)oc.records,
		    (unsigned long long)oc.failed,
		    (unsigned long long)oc.skipped,
		    oc.reason != NULL ? oc.reason : "see above");
	}
	if (doc->input != NULL)
		doc->input->desc->done(doc->input->state, doc->cookie, &oc);
	doc_free(doc);

	pthread_mutex_lock(&p->lock);
	p->inflight--;
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->lock);
	ce_engine_wake(p->e);
}

static void
doc_unhold(struct ce_doc *doc)
{
	if (atomic_fetch_sub(&doc->pending, 1) == 1)
		doc_finish(doc);
}

/* Drop one hold on r; the last one settles the record. */
static void
rec_drop(struct ce_rec *r)
{
	struct ce_doc *doc = r->doc;

	if (atomic_fetch_sub(&r->pending, 1) != 1)
		return;
	if (atomic_load(&r->failed)) {
		atomic_fetch_add(&doc->failed, 1);
		doc_note(doc, "alerts of some records did not go out");
	}
	free(r);
	doc_unhold(doc);
}

void
ce_rec_settle(struct ce_rec *r, int ok)
{
	if (ok)
		atomic_fetch_add(&r->doc->alerts, 1);
	else
		atomic_store(&r->failed, 1);
	rec_drop(r);
}

int64_t
ce_rec_deadline(const struct ce_rec *r)
{
	return r->doc->deadline_ms;
}

const char *
ce_rec_origin(const struct ce_rec *r, uint64_t *index)
{
	if (index != NULL)
		*index = 0;
	return r->doc->origin;
}

/* ------------------------------------------------------------------ */
/* Firing                                                              */
/* ------------------------------------------------------------------ */

static struct ce_rec *
sink_rec(struct ce_alert_sink *s)
{
	if (s->rec == NULL && (s->rec = calloc(1, sizeof(*s->rec))) != NULL) {
		atomic_init(&s->rec->pending, 1);	/* the worker's hold */
		s->rec->doc = s->doc;
		atomic_fetch_add(&s->doc->pending, 1);
	}
	return s->rec;
}

static struct ce_instance *
find_output(const struct ce_generation *g, const char *name)
{
	size_t i;

	for (i = 0; g->names[i] != NULL; i++)
		if (strcmp(g->names[i], name) == 0)
			return g->by_name[i];
	return NULL;
}

/* Has an earlier name of a's outputs already reached the same instance? */
static int
called_before(const struct ce_generation *g, const struct ce_alert_data *a,
    size_t i, const struct ce_instance *out)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (find_output(g, a->outputs[j]) == out)
			return 1;
	return 0;
}

/* Send a to every output it names, once per instance. */
static int
fire_run(struct ce_alert_sink *s, struct ce_alert_data *a)
{
	struct ce_instance *out;
	size_t i;
	int rc = 0;

	for (i = 0; i < a->noutputs; i++) {
		out = find_output(s->gen, a->outputs[i]);
		if (out == NULL) {
			ce_error("rule '%s' calls output '%s', which is not "
			    "configured", a->rule, a->outputs[i]);
			rc = -ENOENT;
			continue;
		}
		if (called_before(s->gen, a, i, out))
			continue;	/* the same instance under an alias */
		if (out->min_severity >= 0 && (int)a->severity < out->min_severity)
			continue;
		if (sink_rec(s) == NULL ||
		    ce_dispatch_alert(s->p->e->dispatch, out, a->outputs[i], a,
		    s->rec) < 0)
			rc = -ENOMEM;
	}
	return rc;
}

/* `cloudengine test`: one JSON line per (record, fired rule). */
static int
fire_test(struct ce_alert_sink *s, const struct ce_alert_spec *spec)
{
	static const char *const fields[] = { "eventID", "eventSource",
	    "eventName" };
	struct ce_engine *e = s->p->e;
	struct ce_buf b = CE_BUF_INIT;
	uint64_t index = 0;
	const char *origin = ce_event_origin(s->ev, &index), *v;
	size_t i;

	if (e->test_hook != NULL) {
		pthread_mutex_lock(&e->test_lock);
		e->test_hook(e->test_hook_arg, s->ev, spec);
		e->test_fired++;
		pthread_mutex_unlock(&e->test_lock);
		return 0;
	}
	ce_buf_puts(&b, "{\"rule\":");
	ce_buf_json_string(&b, spec->rule, strlen(spec->rule));
	ce_buf_puts(&b, ",\"file\":");
	ce_buf_json_string(&b, origin, strlen(origin));
	ce_buf_printf(&b, ",\"index\":%llu", (unsigned long long)index);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ce_buf_printf(&b, ",\"%s\":", fields[i]);
		if ((v = ce_event_string(s->ev, fields[i])) != NULL)
			ce_buf_json_string(&b, v, strlen(v));
		else
			ce_buf_puts(&b, "null");
	}
	ce_buf_puts(&b, ",\"outputs\":[");
	for (i = 0; i < spec->noutputs; i++) {
		if (i > 0)
			ce_buf_putc(&b, ',');
		ce_buf_json_string(&b, spec->outputs[i], strlen(spec->outputs[i]));
	}
	ce_buf_puts(&b, "]}\n");
	if (b.oom) {
		ce_buf_free(&b);
		return -ENOMEM;
	}
	pthread_mutex_lock(&e->test_lock);
	fwrite(b.data, 1, b.len, e->test_out);
	e->test_fired++;
	pthread_mutex_unlock(&e->test_lock);
	ce_buf_free(&b);
	return 0;
}

int
ce_pipeline_fire(ce_alert_sink *s, const struct ce_alert_spec *spec)
{
	struct ce_alert_data *a;
	int rc;

	/* The 1.0 layout, line included: no byte beyond size is read. */
	if (spec == NULL || spec->size < offsetof(struct ce_alert_spec, line) +
	    sizeof(spec->line) || spec->rule == NULL)
		return -EINVAL;
	if (s->p->e->mode == CE_MODE_TEST)
		return fire_test(s, spec);
	if ((a = ce_alert_new(spec, s->ev)) == NULL) {
		s->failed = 1;
		return -ENOMEM;
	}
	rc = fire_run(s, a);
	ce_alert_unref(a);
	if (rc < 0)
		s->failed = 1;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading documents                                                   */
/* ------------------------------------------------------------------ */

static int
on_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct doc_ctx *c = arg;
	struct ce_instance *ev_inst = c->gen->evaluator;
	struct ce_alert_sink s = { .p = c->p, .doc = c->doc, .gen = c->gen };
	int rc;

	atomic_fetch_add(&c->doc->records, 1);
	ce_reap();	/* what the outputs left (reap.h) */
	s.ev = ce_event_new(record, origin, index);
	if (s.ev == NULL) {
		atomic_fetch_add(&c->doc->failed, 1);
		doc_note(c->doc, "%s:%llu: out of memory", origin,
		    (unsigned long long)index);
		return 0;
	}
	rc = ev_inst->desc->evaluate(ev_inst->state, s.ev, &s);
	if (rc < 0 || s.failed) {
		ce_warn("%s:%llu: %s", origin, (unsigned long long)index,
		    rc < 0 ? "the evaluator could not evaluate this record" :
		    "an alert of this record could not be dispatched");
		if (s.rec != NULL)
			atomic_store(&s.rec->failed, 1);
		else
			atomic_fetch_add(&c->doc->failed, 1);
		doc_note(c->doc, "%s:%llu: not evaluated or not dispatched",
		    origin, (unsigned long long)index);
	}
	if (s.rec != NULL)
		rec_drop(s.rec);	/* the worker's hold */
	ce_event_unref(s.ev);
	return 0;
}

static int
on_skipped(void *arg, const char *origin, uint64_t index, const char *msg)
{
	struct doc_ctx *c = arg;

	atomic_fetch_add(&c->doc->skipped, 1);
	atomic_fetch_add(&c->doc->failed, 1);
	if (index > 0)
		ce_warn("%s:%llu: skipped: %s", origin,
		    (unsigned long long)index, msg);
	else
		ce_warn("%s: skipped: %s", origin, msg);
	doc_note(c->doc, "%s:%llu: %s", origin, (unsigned long long)index, msg);
	return 0;
}

static int read_stream(struct doc_ctx *c, struct ce_stream *s,
    const char *origin, unsigned flags);

static int
on_s3_object(void *arg, const char *bucket, const char *key,
    const char *region, const char *origin, uint64_t index)
{
	struct doc_ctx *c = arg;
	struct ce_s3_options o = { .region = region };
	struct ce_stream s;
	struct ce_buf name = CE_BUF_INIT;
	char err[512];
	int rc;

	ce_buf_printf(&name, "s3://%s/%s", bucket, key);
	if (name.oom || c->depth >= 2) {
		rc = name.oom ? -ENOMEM : -ELOOP;
		snprintf(err, sizeof(err), "%s", name.oom ? "out of memory" :
		    "S3 object named inside an S3 object");
		goto fail;
	}
	rc = ce_s3_open(bucket, key, &o, &s, err, sizeof(err));
	if (rc < 0)
		goto fail;
	c->depth++;
	rc = read_stream(c, &s, name.data, 0);
	c->depth--;
	if (s.close != NULL)
		s.close(s.ctx);
	ce_buf_free(&name);
	return 0;
fail:
	atomic_fetch_add(&c->doc->failed, 1);
	ce_warn("%s:%llu: %s: %s", origin, (unsigned long long)index,
	    ce_buf_cstr(&name), err);
	doc_note(c->doc, "%s: %s", ce_buf_cstr(&name), err);
	ce_buf_free(&name);
	return 0;
}

static const struct ce_doc_ops doc_ops = {
	.record = on_record,
	.skipped = on_skipped,
	.s3_object = on_s3_object,
};

static int
read_stream(struct doc_ctx *c, struct ce_stream *s, const char *origin,
    unsigned flags)
{
	char err[512] = "";
	int rc;

	rc = ce_doc_read(s, origin, flags, &c->p->e->cfg->limits, &doc_ops, c,
	    err, sizeof(err));
	if (rc < 0) {	/* err names the origin already */
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s: %s", origin, strerror(-rc));
		atomic_fetch_add(&c->doc->failed, 1);
		ce_warn("%s", err);
		doc_note(c->doc, "%s", err);
	}
	return rc;
}

static void
process(struct ce_pipeline *p, struct ce_doc *doc)
{
	struct doc_ctx c = { .p = p, .doc = doc };
	struct ce_memstream m;
	struct ce_stream s = { doc->read, NULL, doc->stream };

	c.gen = ce_engine_acquire(p->e);
	if (doc->data != NULL || doc->read == NULL)
		ce_stream_memory(&s, &m, doc->data, doc->len);
	read_stream(&c, &s, doc->origin, doc->flags);
	ce_engine_release(p->e, c.gen);
	doc_unhold(doc);
}

static void *
worker_main(void *arg)
{
	struct ce_pipeline *p = arg;
	struct ce_doc *doc;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->head == NULL)
			break;
		doc = p->head;
		p->head = doc->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		process(p, doc);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Submitting                                                          */
/* ------------------------------------------------------------------ */

static struct ce_doc *
doc_new(struct ce_pipeline *p, struct ce_instance *input,
    const struct ce_document *d)
{
	struct ce_doc *doc = calloc(1, sizeof(*doc));
	const char *origin = d->origin != NULL ? d->origin :
	    input != NULL ? input->name : "-";

	if (doc == NULL)
		return NULL;
	pthread_mutex_init(&doc->lock, NULL);
	atomic_init(&doc->pending, 1);		/* the worker's hold */
	doc->p = p;
	doc->input = input;
	doc->cookie = d->cookie;
	doc->flags = d->flags;
	doc->deadline_ms = d->deadline_ms;
	doc->read = d->read;
	doc->close = d->close;
	doc->stream = d->stream;
	doc->origin = strdup(origin);
	if (d->data != NULL) {
		doc->read = NULL;
		doc->len = d->len;
		doc->data = malloc(d->len ? d->len : 1);
		if (doc->data != NULL)
			memcpy(doc->data, d->data, d->len);
	}
	if (doc->origin == NULL || (d->data != NULL && doc->data == NULL)) {
		doc_free(doc);
		return NULL;
	}
	return doc;
}

int
ce_pipeline_submit(struct ce_pipeline *p, struct ce_instance *input,
    const struct ce_document *d)
{
	struct ce_doc *doc;

	if (d == NULL || d->size < offsetof(struct ce_document, flags) +
	    sizeof(d->flags) ||
	    (d->data == NULL && d->read == NULL && d->len > 0)) {
		if (d != NULL && d->close != NULL)
			d->close(d->stream);
		return -EINVAL;
	}
	if ((doc = doc_new(p, input, d)) == NULL) {
		if (d->close != NULL)
			d->close(d->stream);
		return -ENOMEM;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->closed && p->inflight >= p->queue_size)
		pthread_cond_wait(&p->space, &p->lock);	/* back-pressure */
	if (p->closed) {
		pthread_mutex_unlock(&p->lock);
		doc_free(doc);
		return -ECANCELED;
	}
	p->inflight++;
	doc->next = NULL;
	if (p->tail != NULL)
		p->tail->next = doc;
	else
		p->head = doc;
	p->tail = doc;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

unsigned long
ce_pipeline_pending(struct ce_pipeline *p)
{
	unsigned long n;

	pthread_mutex_lock(&p->lock);
	n = p->inflight;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void
ce_pipeline_close(struct ce_pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	p->closed = 1;
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->lock);
}

struct ce_pipeline *
ce_pipeline_new(struct ce_engine *e, unsigned workers, unsigned queue_size)
{
	struct ce_pipeline *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->e = e;
	p->nworkers = workers ? workers : 1;
	p->queue_size = queue_size ? queue_size : 64;
	p->workers = calloc(p->nworkers, sizeof(*p->workers));
	if (p->workers == NULL) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->space, NULL);
	return p;
}

int
ce_pipeline_start(struct ce_pipeline *p)
{
	int rc;

	for (; p->started < p->nworkers; p->started++) {
		rc = pthread_create(&p->workers[p->started], NULL, worker_main, p);
		if (rc != 0)
			return -rc;
	}
	return 0;
}

void
ce_pipeline_free(struct ce_pipeline *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->closed = 1;
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->started; i++)
		pthread_join(p->workers[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->space);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}

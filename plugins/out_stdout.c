/*
 * out_stdout.c - the `stdout` output: one JSON line per alert on standard
 * output.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloudengine/plugin.h"
#include "common/json.h"

enum out_stdout_event {
	OUT_STDOUT_FLAT = 0,	/* the flattened map, as the rules see it */
	OUT_STDOUT_RECORD,	/* the CloudTrail record as received */
	OUT_STDOUT_NONE
};

/* The record members copied to the top of every line, in this order. */
static const char *const out_stdout_fields[] = {
	"eventID", "eventSource", "eventName", "eventTime", "awsRegion",
	"recipientAccountId"
};
#define OUT_STDOUT_NFIELDS \
	(sizeof(out_stdout_fields) / sizeof(out_stdout_fields[0]))

struct out_stdout_conf {
	int	event;
};

struct out_stdout {
	ce_instance		*self;
	const struct ce_host	*host;
	struct out_stdout_conf	 conf;
	ce_path			*fields[OUT_STDOUT_NFIELDS];
	ce_metric		*m_lines;
	ce_metric		*m_errors;
	int			 fd;
	pthread_mutex_t		 lock;		/* over line and the write */
	struct oc_json		 line;
};

static const char *const out_stdout_event_choices[] = {
	"flat", "record", "none", NULL
};

static const struct ce_option out_stdout_options[] = {
	{ CE_OPTION_HEADER, .name = "event", .type = CE_OPT_ENUM,
	  .def = "flat", .offset = offsetof(struct out_stdout_conf, event),
	  .choices = out_stdout_event_choices,
	  .help = "how the event is shown: flat (flattened map), record "
	  "(JSON as received) or none" },
	CE_OPTIONS_END
};

static void
out_stdout_tags(struct oc_json *j, const struct ce_alert *alert)
{
	size_t i;

	oc_json_key(j, "tags");
	oc_json_begin(j, '[');
	for (i = 0; i < alert->ntags; i++)
		oc_json_cstr(j, alert->tags[i]);
	oc_json_end(j, ']');
}

static void
out_stdout_event(struct out_stdout *o, const ce_event *ev)
{
	const char *json;
	size_t len = 0;

	if (o->conf.event == OUT_STDOUT_NONE)
		return;
	if (o->conf.event == OUT_STDOUT_RECORD)
		json = o->host->event_json(ev, &len);
	else
		json = o->host->event_flat_json(ev, &len);
	oc_json_key(&o->line, "event");
	if (json != NULL)
		oc_json_raw(&o->line, json, len);	/* the host's valid JSON */
	else
		oc_json_null(&o->line);
}

/* The whole line for one alert, newline included, into o->line.  Every
 * string goes through the common JSON writer: the line is valid UTF-8
 * JSON whatever an event holds, and one line whatever its newlines. */
static void
out_stdout_format(struct out_stdout *o, const struct ce_alert *alert)
{
	struct oc_json *j = &o->line;
	struct ce_value v;
	const char *origin;
	uint64_t index = 0;
	size_t i;

	oc_json_reset(j);
	oc_json_begin(j, '{');
	oc_json_key(j, "rule");
	oc_json_cstr(j, alert->rule);
	oc_json_key(j, "severity");
	oc_json_cstr(j, alert->severity);
	oc_json_key(j, "key");
	oc_json_cstr(j, alert->key);
	oc_json_key(j, "output");
	oc_json_cstr(j, alert->called_as);
	oc_json_key(j, "summary");
	oc_json_cstr(j, alert->summary != NULL ? alert->summary : "");
	for (i = 0; i < OUT_STDOUT_NFIELDS; i++) {
		v = (struct ce_value){ .size = sizeof(v) };
		o->host->event_get(alert->event, o->fields[i], &v);
		oc_json_key(j, out_stdout_fields[i]);
		oc_json_value(j, &v, 0);
	}
	if (alert->description != NULL) {
		oc_json_key(j, "description");
		oc_json_cstr(j, alert->description);
	}
	if (alert->runbook != NULL) {
		oc_json_key(j, "runbook");
		oc_json_cstr(j, alert->runbook);
	}
	if (alert->ntags > 0)
		out_stdout_tags(j, alert);
	if ((origin = o->host->event_origin(alert->event, &index)) != NULL) {
		oc_json_key(j, "origin");
		oc_json_cstr(j, origin);
		oc_json_key(j, "index");
		oc_json_int(j, (int64_t)index);
	}
	out_stdout_event(o, alert->event);
	oc_json_end(j, '}');
	oc_json_raw(j, "\n", 1);
}

/* Conditions that may go away by themselves: the host retries later. */
static int
out_stdout_transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == ENOBUFS || err == ENOMEM || err == ENOSPC;
}

/* How long a line that is partly written waits for a non-blocking
 * standard output to drain before it is given up. */
#define OUT_STDOUT_DRAIN_MS	30000

/*
 * Write the line whole.  Once part of it is out, finish it even on a
 * non-blocking descriptor (waiting for it to drain) rather than leave
 * half a line for a retry to duplicate.  Returns 0 or -errno.
 */
static int
out_stdout_write(int fd, const char *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t w;
	int ready;

	while (off < n) {
		w = write(fd, p + off, n - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && off > 0 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			ready = poll(&pfd, 1, OUT_STDOUT_DRAIN_MS);
			if (ready > 0 || (ready < 0 && errno == EINTR))
				continue;
			return -ETIMEDOUT;
		}
		return w < 0 ? -errno : -EIO;
	}
	return 0;
}

static void
out_stdout_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	struct out_stdout *o = state;
	enum ce_delivery_status status = CE_DELIVERY_OK;
	char reason[128];
	int rc;

	pthread_mutex_lock(&o->lock);
	out_stdout_format(o, alert);
	if (o->line.oom)
		rc = -ENOMEM;
	else
		rc = out_stdout_write(o->fd, o->line.data, o->line.len);
	pthread_mutex_unlock(&o->lock);

	if (rc < 0) {
		status = out_stdout_transient(-rc) ? CE_DELIVERY_RETRY :
		    CE_DELIVERY_FAIL;
		snprintf(reason, sizeof(reason), "cannot write to standard "
		    "output: %s", strerror(-rc));
		if (o->m_errors != NULL)
			o->host->metric_add(o->m_errors, 1);
	} else if (o->m_lines != NULL) {
		o->host->metric_add(o->m_lines, 1);
	}
	o->host->complete(d, status, 0, rc < 0 ? reason : NULL);
}

static void
out_stdout_free(struct out_stdout *o)
{
	size_t i;

	for (i = 0; i < OUT_STDOUT_NFIELDS; i++)
		if (o->fields[i] != NULL)
			o->host->path_free(o->fields[i]);
	pthread_mutex_destroy(&o->lock);
	oc_json_free(&o->line);
	free(o);
}

static int
out_stdout_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct out_stdout *o;
	char err[128] = "";
	size_t i;
	int rc;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	o->self = self;
	o->host = host;
	o->fd = STDOUT_FILENO;
	if ((rc = pthread_mutex_init(&o->lock, NULL)) != 0) {
		CE_ERROR(host, self, "cannot create a mutex: %s", strerror(rc));
		free(o);
		return -rc;
	}
	if ((rc = host->conf_apply(self, &o->conf)) < 0)
		goto fail;
	for (i = 0; i < OUT_STDOUT_NFIELDS; i++) {
		o->fields[i] = host->path_compile(out_stdout_fields[i],
		    strlen(out_stdout_fields[i]), err, sizeof(err));
		if (o->fields[i] == NULL) {
			CE_ERROR(host, self, "%s: %s", out_stdout_fields[i],
			    err);
			rc = -EINVAL;
			goto fail;
		}
	}
	o->m_lines = host->metric_new(self, "lines", "alerts written");
	o->m_errors = host->metric_new(self, "errors",
	    "alerts that could not be written");
	*state = o;
	return 0;
fail:
	out_stdout_free(o);
	return rc;
}

static void
out_stdout_destroy(void *state)
{
	out_stdout_free(state);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "stdout",
	.version = "1.0.0",
	.description = "write each alert as one JSON line on standard output",
	.options = out_stdout_options,
	.init = out_stdout_init,
	.destroy = out_stdout_destroy,
	.deliver = out_stdout_deliver,
};

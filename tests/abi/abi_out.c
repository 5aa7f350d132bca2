/*
 * abi_out.c - an output built against the frozen 1.0 header (tests/abi/):
 * declares an option of every type, and for each alert writes one line
 * of what the 1.0 accessors return, asking for one retry first, so the
 * ABI tests can check that a 1.0 output keeps working.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudengine/plugin.h>

struct abi_out_conf {
	const char		*file;
	const char		*label;
	int64_t			 count;
	int			 retry_first;
	double			 ratio;
	int			 mode;
	struct ce_strlist	 list;
	const char		*secret;
};

struct abi_out {
	ce_instance		*self;
	const struct ce_host	*host;
	struct abi_out_conf	 conf;
	ce_path			*event_name;
	ce_metric		*m_lines;
	ce_metric		*m_last_attempt;
};

static const char *const abi_out_modes[] = { "plain", "fancy", NULL };

static const struct ce_option abi_out_options[] = {
	{ CE_OPTION_HEADER, .name = "file", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct abi_out_conf, file),
	  .help = "file each alert is appended to" },
	{ CE_OPTION_HEADER, .name = "label", .type = CE_OPT_STRING,
	  .def = "abi", .offset = offsetof(struct abi_out_conf, label),
	  .help = "first field of each line" },
	{ CE_OPTION_HEADER, .name = "count", .type = CE_OPT_INTEGER,
	  .def = "3", .min = 0, .max = 100,
	  .offset = offsetof(struct abi_out_conf, count),
	  .help = "an integer, echoed" },
	{ CE_OPTION_HEADER, .name = "retry_first", .type = CE_OPT_BOOLEAN,
	  .def = "true", .offset = offsetof(struct abi_out_conf, retry_first),
	  .help = "answer RETRY to each alert's first attempt" },
	{ CE_OPTION_HEADER, .name = "ratio", .type = CE_OPT_DECIMAL,
	  .def = "0.5", .offset = offsetof(struct abi_out_conf, ratio),
	  .help = "a number, echoed" },
	{ CE_OPTION_HEADER, .name = "mode", .type = CE_OPT_ENUM,
	  .def = "fancy", .choices = abi_out_modes,
	  .offset = offsetof(struct abi_out_conf, mode),
	  .help = "an enumeration, echoed" },
	{ CE_OPTION_HEADER, .name = "list", .type = CE_OPT_STRING_LIST,
	  .def = "x,y", .offset = offsetof(struct abi_out_conf, list),
	  .help = "a list, echoed" },
	{ CE_OPTION_HEADER, .name = "secret", .type = CE_OPT_SECRET,
	  .def = "hidden", .offset = offsetof(struct abi_out_conf, secret),
	  .help = "a secret, echoed as its length" },
	CE_OPTIONS_END
};

static int
abi_out_count_flat(void *arg, const char *key, size_t keylen,
    const struct ce_value *v)
{
	(void)key;
	(void)v;
	if (keylen > 0)
		(*(unsigned *)arg)++;
	return 0;
}

/* One line: what the 1.0 alert and event accessors return. */
static void
abi_out_write(struct abi_out *o, const struct ce_alert *a, FILE *fp)
{
	struct ce_value v = { .size = sizeof(v) };
	const char *origin, *json;
	uint64_t index = 0;
	unsigned nflat = 0;
	size_t i, len = 0;

	o->host->event_get(a->event, o->event_name, &v);
	origin = o->host->event_origin(a->event, &index);
	json = o->host->event_json(a->event, &len);
	o->host->event_flat_foreach(a->event, abi_out_count_flat, &nflat);
	fprintf(fp, "%s|%s|%s|%s|%s|", o->conf.label, a->rule, a->severity,
	    a->description ? a->description : "-", a->called_as);
	for (i = 0; i < a->ntags; i++)
		fprintf(fp, "%s%s", i ? "," : "", a->tags[i]);
	fprintf(fp, "|attempt=%u|key=%zu|event=%.*s|origin=%s:%llu|"
	    "json=%d|flat=%u|opts=%lld,%.2f,%s,%zu:%s,%zu\n", a->attempt,
	    strlen(a->key), (int)v.len, v.str ? v.str : "", origin,
	    (unsigned long long)index, json != NULL && len > 0 &&
	    json[0] == '{', nflat, (long long)o->conf.count, o->conf.ratio,
	    abi_out_modes[o->conf.mode], o->conf.list.n,
	    o->conf.list.n ? o->conf.list.items[0] : "",
	    strlen(o->conf.secret));
}

static void
abi_out_deliver(void *state, const struct ce_alert *a, ce_delivery *d)
{
	struct abi_out *o = state;
	const ce_event *held;
	FILE *fp;

	o->host->metric_set(o->m_last_attempt, a->attempt);
	if (o->conf.retry_first && a->attempt == 1) {
		o->host->complete(d, CE_DELIVERY_RETRY, 1, "first attempt");
		return;
	}
	/* A reference outlives the delivery; given back at once here. */
	held = o->host->event_ref(a->event);
	if ((fp = fopen(o->conf.file, "a")) == NULL) {
		o->host->event_unref(held);
		o->host->complete(d, CE_DELIVERY_FAIL, 0, "cannot open file");
		return;
	}
	abi_out_write(o, a, fp);
	fclose(fp);
	o->host->event_unref(held);
	o->host->metric_add(o->m_lines, 1);
	o->host->complete(d, CE_DELIVERY_OK, 0, NULL);
}

static void
abi_out_destroy(void *state)
{
	struct abi_out *o = state;

	if (o->event_name != NULL)
		o->host->path_free(o->event_name);
	free(o);
}

static int
abi_out_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct abi_out *o = calloc(1, sizeof(*o));
	char err[128];
	int rc;

	if (o == NULL)
		return -ENOMEM;
	o->self = self;
	o->host = host;
	if ((rc = host->conf_apply(self, &o->conf)) < 0)
		goto fail;
	o->event_name = host->path_compile("eventName", 9, err, sizeof(err));
	o->m_lines = host->metric_new(self, "lines", "lines written");
	o->m_last_attempt = host->metric_new(self, "last_attempt",
	    "attempt number of the last delivery");
	if (o->event_name == NULL || o->m_lines == NULL ||
	    o->m_last_attempt == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	CE_INFO(host, self, "abi_out %s ready (host ABI %u.%u)",
	    host->instance_name(self), host->abi_major, host->abi_minor);
	*state = o;
	return 0;
fail:
	abi_out_destroy(o);
	return rc;
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "abi_out",
	.version = "1.0.0",
	.description = "ABI 1.0 output: every option type, one line per alert",
	.options = abi_out_options,
	.init = abi_out_init,
	.destroy = abi_out_destroy,
	.deliver = abi_out_deliver,
};

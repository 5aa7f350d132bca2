/*
 * out_script.c - a test-only output that fails on command: RETRY for the
 * first attempts of each alert, or always RETRY / FAIL, and appends every
 * attempt to a file as one JSON line, so integration tests can check
 * retries, budgets, idempotency keys and dead letters.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudengine/plugin.h>

struct out_script_conf {
	const char	*log;
	int64_t		 fail_first;	/* RETRY while attempt <= this */
	int		 mode;		/* index into modes */
	int64_t		 retry_after_ms;
};

static const char *const out_script_modes[] = { "ok", "retry", "fail", NULL };

struct out_script {
	ce_instance		*self;
	const struct ce_host	*host;
	struct out_script_conf	 conf;
	pthread_mutex_t		 lock;
	FILE			*log;
};

static const struct ce_option out_script_options[] = {
	{ CE_OPTION_HEADER, .name = "log", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct out_script_conf, log),
	  .help = "file to append one JSON line per attempt to" },
	{ CE_OPTION_HEADER, .name = "fail_first", .type = CE_OPT_INTEGER,
	  .def = "0", .offset = offsetof(struct out_script_conf, fail_first),
	  .help = "answer RETRY to the first N attempts of each alert",
	  .min = 0, .max = 1000 },
	{ CE_OPTION_HEADER, .name = "mode", .type = CE_OPT_ENUM, .def = "ok",
	  .offset = offsetof(struct out_script_conf, mode),
	  .choices = out_script_modes,
	  .help = "after fail_first: ok, retry (forever) or fail" },
	{ CE_OPTION_HEADER, .name = "retry_after_ms", .type = CE_OPT_INTEGER,
	  .def = "0", .offset = offsetof(struct out_script_conf, retry_after_ms),
	  .help = "delay asked for with each RETRY" },
	CE_OPTIONS_END
};

static void
out_script_deliver(void *state, const struct ce_alert *a, ce_delivery *d)
{
	struct out_script *s = state;
	enum ce_delivery_status st = CE_DELIVERY_OK;

	if ((int64_t)a->attempt <= s->conf.fail_first || s->conf.mode == 1)
		st = CE_DELIVERY_RETRY;
	else if (s->conf.mode == 2)
		st = CE_DELIVERY_FAIL;
	pthread_mutex_lock(&s->lock);
	fprintf(s->log, "{\"rule\":\"%s\",\"key\":\"%s\",\"attempt\":%u,"
	    "\"answer\":\"%s\",\"called_as\":\"%s\",\"severity\":\"%s\"}\n",
	    a->rule, a->key, a->attempt,
	    st == CE_DELIVERY_OK ? "ok" : st == CE_DELIVERY_RETRY ? "retry" :
	    "fail", a->called_as, a->severity);
	fflush(s->log);
	pthread_mutex_unlock(&s->lock);
	s->host->complete(d, st, st == CE_DELIVERY_RETRY ?
	    s->conf.retry_after_ms : 0, st == CE_DELIVERY_OK ? NULL :
	    "scripted failure");
}

static int
out_script_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct out_script *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->self = self;
	s->host = host;
	pthread_mutex_init(&s->lock, NULL);
	if ((rc = host->conf_apply(self, &s->conf)) < 0)
		goto fail;
	if ((s->log = fopen(s->conf.log, "a")) == NULL) {
		rc = -errno;
		CE_ERROR(host, self, "%s: %s", s->conf.log, strerror(errno));
		goto fail;
	}
	*state = s;
	return 0;
fail:
	pthread_mutex_destroy(&s->lock);
	free(s);
	return rc;
}

static void
out_script_destroy(void *state)
{
	struct out_script *s = state;

	fclose(s->log);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "script",
	.version = "test",
	.description = "test output: scripted answers, every attempt logged",
	.options = out_script_options,
	.init = out_script_init,
	.destroy = out_script_destroy,
	.deliver = out_script_deliver,
};

/*
 * engine.c - configuration → plugins → instances → pipeline → dispatch;
 * the run loop with its signals, the SIGHUP reload, and the orderly
 * shutdown that drains every document before anything is destroyed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "dispatch.h"
#include "document.h"
#include "engine.h"
#include "flatten.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "reap.h"

/* How long SIGTERM lets retries go on before undelivered alerts are given
 * up (and their documents left unacknowledged). */
#define CE_SHUTDOWN_GRACE_MS	10000

const char *
ce_engine_default_config(void)
{
	const char *env = getenv("CLOUDENGINE_CONFIG");

	return env != NULL && *env != '\0' ? env :
	    CE_SYSCONFDIR "/cloudengine.conf";
}

/* ------------------------------------------------------------------ */
/* Generations                                                         */
/* ------------------------------------------------------------------ */

static void
generation_free(struct ce_generation *g)
{
	free(g->outputs);
	free(g->names);
	free(g->by_name);
	free(g);
}

struct ce_generation *
ce_engine_acquire(struct ce_engine *e)
{
	struct ce_generation *g;

	pthread_mutex_lock(&e->gen_lock);
	g = e->gen;
	atomic_fetch_add(&g->refs, 1);
	pthread_mutex_unlock(&e->gen_lock);
	return g;
}

void
ce_engine_release(struct ce_engine *e, struct ce_generation *g)
{
	size_t i;

	if (g == NULL || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	if (g->evaluator != NULL)
		ce_engine_instance_unref(e, g->evaluator);
	for (i = 0; i < g->noutputs; i++)
		ce_engine_instance_unref(e, g->outputs[i]);
	generation_free(g);
}

void
ce_engine_instance_unref(struct ce_engine *e, struct ce_instance *inst)
{
	struct ce_instance **r;

	if (atomic_fetch_sub(&inst->refs, 1) != 1)
		return;
	/* Stopping and destroying belong to the main thread. */
	pthread_mutex_lock(&e->lock);
	r = realloc(e->retired, (e->nretired + 1) * sizeof(*r));
	if (r != NULL) {
		e->retired = r;
		e->retired[e->nretired++] = inst;
	} else {
		ce_error("out of memory: instance %s leaks", inst->component);
	}
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

/* Destroy retired instances; called with e->lock held, drops it meanwhile. */
static void
reap_locked(struct ce_engine *e)
{
	struct ce_instance *inst;

	while (e->nretired > 0) {
		inst = e->retired[--e->nretired];
		pthread_mutex_unlock(&e->lock);
		if (inst->kind == CE_KIND_OUTPUT && e->dispatch != NULL)
			ce_dispatch_detach(e->dispatch, inst);
		ce_instance_free(inst);
		pthread_mutex_lock(&e->lock);
	}
}

void
ce_engine_input_finished(struct ce_engine *e, struct ce_instance *inst)
{
	if (atomic_exchange(&inst->finished, 1))
		return;
	pthread_mutex_lock(&e->lock);
	e->inputs_finished++;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

void
ce_engine_wake(struct ce_engine *e)
{
	pthread_mutex_lock(&e->lock);
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

/* ------------------------------------------------------------------ */
/* Building instances from a configuration                             */
/* ------------------------------------------------------------------ */

static const struct ce_plugin_entry *
find_plugin(struct ce_engine *e, struct ce_conf_instance *ci)
{
	const struct ce_plugin_entry *entry;
	const struct ce_plugin_entry *p;
	struct ce_buf known = CE_BUF_INIT;

	entry = ce_registry_find(&e->registry, ci->kind, ci->plugin);
	if (entry != NULL)
		return entry;
	for (p = e->registry.head; p != NULL; p = p->next) {
		if (p->desc.kind != ci->kind)
			continue;
		ce_buf_printf(&known, "%s%s", known.len ? ", " : "", p->desc.name);
	}
	ce_diag_add(&e->diag, CE_LOG_ERROR, ci->file, ci->line, 0,
	    "no %s plugin named '%s' (found: %s); plugin directories are "
	    "set by plugin_dirs and CLOUDENGINE_PLUGIN_PATH",
	    ce_plugin_kind_name(ci->kind), ci->plugin,
	    known.len ? ce_buf_cstr(&known) : "none");
	ce_buf_free(&known);
	return NULL;
}

/* Bind ci's options and make an (uninitialised) instance for it. */
static struct ce_instance *
make_instance(struct ce_engine *e, struct ce_config *cfg,
    struct ce_conf_instance *ci)
{
	const struct ce_plugin_entry *entry = find_plugin(e, ci);
	struct ce_instance *inst;

	if (entry == NULL)
		return NULL;
	if (ce_config_bind(cfg, ci, &entry->desc, &e->diag) < 0)
		return NULL;
	inst = ce_instance_new(e, entry, ci);
	if (inst == NULL)
		ce_error("out of memory");
	return inst;
}

static size_t
count_instances(const struct ce_conf_instance *ci)
{
	size_t n = 0;

	for (; ci != NULL; ci = ci->next)
		n++;
	return n;
}

/* Output names and aliases of cfg → instances (NULL in test mode). */
static int
generation_names(struct ce_generation *g, const struct ce_config *cfg)
{
	const struct ce_conf_instance *ci;
	size_t n = 0, i = 0, k, a;

	for (ci = cfg->outputs; ci != NULL; ci = ci->next) {
		n++;
		for (a = 0; ci->aliases != NULL && ci->aliases[a] != NULL; a++)
			n++;
	}
	g->names = calloc(n + 1, sizeof(*g->names));
	g->by_name = calloc(n + 1, sizeof(*g->by_name));
	if (g->names == NULL || g->by_name == NULL)
		return -ENOMEM;
	for (ci = cfg->outputs, k = 0; ci != NULL; ci = ci->next, k++) {
		struct ce_instance *inst = k < g->noutputs ? g->outputs[k] : NULL;

		g->by_name[i] = inst;
		g->names[i++] = ci->name;
		for (a = 0; ci->aliases != NULL && ci->aliases[a] != NULL; a++) {
			g->by_name[i] = inst;
			g->names[i++] = ci->aliases[a];
		}
	}
	return 0;
}

/*
 * A generation for cfg: the evaluator and (except in test mode) the
 * outputs, as instances not yet initialised.  An output of `reuse` whose
 * configuration did not change is shared instead of re-created.
 */
static struct ce_generation *
generation_build(struct ce_engine *e, struct ce_config *cfg,
    const struct ce_generation *reuse)
{
	struct ce_generation *g = calloc(1, sizeof(*g));
	struct ce_conf_instance *ci;
	size_t i;

	if (g == NULL)
		return NULL;
	atomic_init(&g->refs, 1);
	if (e->mode != CE_MODE_TEST) {
		g->outputs = calloc(count_instances(cfg->outputs) + 1,
		    sizeof(*g->outputs));
		if (g->outputs == NULL)
			goto fail;
		for (ci = cfg->outputs; ci != NULL; ci = ci->next) {
			struct ce_instance *old = NULL;

			for (i = 0; reuse != NULL && i < reuse->noutputs; i++)
				if (strcmp(reuse->outputs[i]->name, ci->name) == 0)
					old = reuse->outputs[i];
			if (old != NULL && ce_config_bind(cfg, ci,
			    old->desc, &e->diag) == 0 &&
			    !ce_optvals_differ(old->conf->values, ci->values) &&
			    (old->conf->min_severity == NULL) ==
			    (ci->min_severity == NULL) &&
			    (ci->min_severity == NULL ||
			    strcmp(old->conf->min_severity, ci->min_severity) == 0)) {
				atomic_fetch_add(&old->refs, 1);
				g->outputs[g->noutputs++] = old;
				continue;
			}
			if ((g->outputs[g->noutputs] = make_instance(e, cfg, ci)) == NULL)
				goto fail;
			g->noutputs++;
		}
	}
	if (cfg->evaluator == NULL) {
		ce_diag_add(&e->diag, CE_LOG_ERROR, cfg->path, 0, 0,
		    "no evaluator configured: add an 'evaluator' group "
		    "(e.g. evaluator = { plugin = \"drl\"; rules = [ \"rules\" ]; };)");
		goto fail;
	}
	if ((g->evaluator = make_instance(e, cfg, cfg->evaluator)) == NULL ||
	    generation_names(g, cfg) < 0)
		goto fail;
	g->evaluator->output_names = g->names;
	return g;
fail:
	for (i = 0; i < g->noutputs; i++)
		if (atomic_fetch_sub(&g->outputs[i]->refs, 1) == 1)
			ce_instance_free(g->outputs[i]);
	ce_instance_free(g->evaluator);
	generation_free(g);
	return NULL;
}

/* Initialise and start what is new in g (shared outputs are running). */
static int
generation_start(struct ce_engine *e, struct ce_generation *g)
{
	size_t i;
	int rc;

	for (i = 0; i < g->noutputs; i++) {
		struct ce_instance *out = g->outputs[i];

		if (out->flags & CE_INST_INITED)
			continue;
		if ((rc = ce_instance_init(out)) < 0 ||
		    (rc = ce_instance_start(out)) < 0 ||
		    (rc = ce_dispatch_attach(e->dispatch, out)) < 0)
			return rc;
	}
	if ((rc = ce_instance_init(g->evaluator)) < 0)
		return rc;
	return ce_instance_start(g->evaluator);
}

/* Undo generation_start() and free what only g holds. */
static void
generation_discard(struct ce_engine *e, struct ce_generation *g)
{
	size_t i;

	for (i = g->noutputs; i-- > 0;) {
		struct ce_instance *out = g->outputs[i];

		if (atomic_fetch_sub(&out->refs, 1) != 1)
			continue;
		if (e->dispatch != NULL)
			ce_dispatch_detach(e->dispatch, out);
		ce_instance_free(out);
	}
	ce_instance_free(g->evaluator);
	generation_free(g);
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */
/* ------------------------------------------------------------------ */

static int
keep_config(struct ce_engine *e, struct ce_config *cfg)
{
	struct ce_config **c = realloc(e->configs,
	    (e->nconfigs + 1) * sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	e->configs = c;
	e->configs[e->nconfigs++] = cfg;
	return 0;
}

static void
load_plugin_path(struct ce_engine *e, const char *list)
{
	char *copy = strdup(list), *dir, *save = NULL;

	if (copy == NULL)
		return;
	for (dir = strtok_r(copy, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save))
		ce_registry_load_dir(&e->registry, dir, &e->diag);
	free(copy);
}

static void
load_plugins(struct ce_engine *e)
{
	const char *env = getenv("CLOUDENGINE_PLUGIN_PATH");
	size_t i;

	for (i = 0; e->cfg->plugin_dirs != NULL && e->cfg->plugin_dirs[i]; i++)
		ce_registry_load_dir(&e->registry, e->cfg->plugin_dirs[i],
		    &e->diag);
	if (env != NULL && *env != '\0')
		load_plugin_path(e, env);
	ce_registry_load_dir(&e->registry, CE_PLUGINDIR, &e->diag);
}

static int
make_inputs(struct ce_engine *e)
{
	struct ce_conf_instance *ci;
	size_t n = count_instances(e->cfg->inputs);

	if (e->mode == CE_MODE_RUN && n == 0) {
		ce_diag_add(&e->diag, CE_LOG_ERROR, e->cfg->path, 0, 0,
		    "no inputs configured: add an 'inputs' list");
		return -EINVAL;
	}
	if (e->mode == CE_MODE_TEST)
		return 0;
	e->inputs = calloc(n + 1, sizeof(*e->inputs));
	if (e->inputs == NULL)
		return -ENOMEM;
	for (ci = e->cfg->inputs; ci != NULL; ci = ci->next) {
		struct ce_instance *inst = make_instance(e, e->cfg, ci);

		if (inst == NULL)
			return -EINVAL;
		e->inputs[e->ninputs++] = inst;
	}
	return 0;
}

int
ce_engine_open(struct ce_engine **out, const struct ce_engine_options *opts)
{
	struct ce_engine *e = calloc(1, sizeof(*e));
	struct ce_config *cfg = NULL;
	const char *path = opts->config != NULL ? opts->config :
	    ce_engine_default_config();
	int rc;

	*out = e;
	if (e == NULL)
		return -ENOMEM;
	e->mode = opts->mode;
	e->test_out = stdout;
	ce_diag_init(&e->diag);
	ce_registry_init(&e->registry);
	pthread_mutex_init(&e->gen_lock, NULL);
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->test_lock, NULL);
	pthread_cond_init(&e->cond, NULL);

	if ((rc = ce_config_load(path, &cfg, &e->diag)) < 0)
		return rc;
	if ((rc = keep_config(e, cfg)) < 0) {
		ce_config_free(cfg);
		return rc;
	}
	e->cfg = cfg;
	if (opts->workers > 0)
		cfg->workers = opts->workers;
	ce_log_setup(cfg->log_level, cfg->log_format);
	ce_flatten_set_limit(cfg->limits.max_flat_bytes);
	if (opts->rules != NULL) {
		if (cfg->evaluator == NULL) {
			ce_diag_add(&e->diag, CE_LOG_ERROR, cfg->path, 0, 0,
			    "--rules given, but no evaluator is configured");
			return -EINVAL;
		}
		if ((rc = ce_config_override(cfg->evaluator, "rules",
		    &opts->rules, 1)) < 0)
			return rc;
	}
	load_plugins(e);
	if (e->diag.errors > 0)
		return -EINVAL;
	if ((rc = make_inputs(e)) < 0)
		return rc;
	e->gen = generation_build(e, cfg, NULL);
	if (e->gen == NULL || e->diag.errors > 0)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Starting and stopping                                               */
/* ------------------------------------------------------------------ */

static int
start_inputs(struct ce_engine *e)
{
	size_t i;
	int rc;

	for (i = 0; i < e->ninputs; i++)
		if ((rc = ce_instance_init(e->inputs[i])) < 0)
			return rc;
	for (i = 0; i < e->ninputs; i++)
		if ((rc = ce_instance_start(e->inputs[i])) < 0)
			return rc;
	return 0;
}

int
ce_engine_start(struct ce_engine *e)
{
	int rc;

	e->diag.echo = 1;	/* from now on, diagnostics are logged too */
	if (e->mode == CE_MODE_CHECK) {
		rc = ce_instance_init(e->gen->evaluator);
		return rc < 0 || e->diag.errors > 0 ? -EINVAL : 0;
	}
	if (e->mode == CE_MODE_RUN) {
		e->dispatch = ce_dispatch_new(e);
		if (e->dispatch == NULL)
			return -ENOMEM;
		if ((rc = ce_dispatch_start(e->dispatch)) < 0)
			return rc;
	}
	if ((rc = generation_start(e, e->gen)) < 0)
		return rc;
	e->pipeline = ce_pipeline_new(e, e->cfg->workers, e->cfg->queue_size);
	if (e->pipeline == NULL)
		return -ENOMEM;
	if ((rc = ce_pipeline_start(e->pipeline)) < 0)
		return rc;
	return start_inputs(e);
}

/* Wait, reaping retired instances, until the pipeline is idle. */
static void
drain(struct ce_engine *e)
{
	pthread_mutex_lock(&e->lock);
	for (;;) {
		reap_locked(e);
		if (e->pipeline == NULL || ce_pipeline_pending(e->pipeline) == 0)
			break;
		pthread_cond_wait(&e->cond, &e->lock);
	}
	pthread_mutex_unlock(&e->lock);
}

void
ce_engine_close(struct ce_engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	if (e->pipeline != NULL)
		ce_pipeline_close(e->pipeline);
	for (i = e->ninputs; i-- > 0;)
		ce_instance_stop(e->inputs[i]);
	drain(e);
	ce_pipeline_free(e->pipeline);
	e->pipeline = NULL;
	if (e->gen != NULL && e->gen->evaluator != NULL)
		ce_instance_stop(e->gen->evaluator);
	ce_engine_release(e, e->gen);
	e->gen = NULL;
	pthread_mutex_lock(&e->lock);
	reap_locked(e);
	pthread_mutex_unlock(&e->lock);
	for (i = e->ninputs; i-- > 0;)
		ce_instance_free(e->inputs[i]);
	free(e->inputs);
	ce_dispatch_free(e->dispatch);
	ce_reap();	/* every thread that deferred frees is gone */
	ce_registry_free(&e->registry);
	for (i = 0; i < e->nconfigs; i++)
		ce_config_free(e->configs[i]);
	free(e->configs);
	free(e->retired);
	ce_diag_free(&e->diag);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->gen_lock);
	pthread_mutex_destroy(&e->test_lock);
	free(e);
}

int
ce_engine_status(struct ce_engine *e)
{
	if (atomic_load(&e->totals.documents_failed) > 0 ||
	    atomic_load(&e->totals.skipped) > 0 ||
	    atomic_load(&e->totals.records_failed) > 0)
		return CE_EXIT_INCOMPLETE;
	return CE_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* SIGHUP                                                              */
/* ------------------------------------------------------------------ */

static int
same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same_aliases(char **a, char **b)
{
	size_t i;

	for (i = 0; a != NULL && b != NULL && a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

/* Do two instance lists name the same plugins under the same names? */
static int
same_set(const struct ce_conf_instance *a, const struct ce_conf_instance *b)
{
	for (; a != NULL && b != NULL; a = a->next, b = b->next)
		if (strcmp(a->plugin, b->plugin) != 0 ||
		    strcmp(a->name, b->name) != 0 ||
		    !same_aliases(a->aliases, b->aliases))
			return 0;
	return a == NULL && b == NULL;
}

static int
inputs_changed(struct ce_engine *e, struct ce_config *cfg)
{
	struct ce_conf_instance *ci;
	size_t i = 0;

	if (!same_set(e->cfg->inputs, cfg->inputs))
		return 1;
	for (ci = cfg->inputs; ci != NULL; ci = ci->next, i++)
		if (ce_config_bind(cfg, ci, e->inputs[i]->desc, &e->diag) < 0 ||
		    ce_optvals_differ(e->inputs[i]->conf->values, ci->values))
			return 1;
	return 0;
}

static void
reload(struct ce_engine *e)
{
	struct ce_config *cfg = NULL;
	struct ce_generation *g, *old;
	unsigned errors = e->diag.errors;

	ce_notice("SIGHUP: reloading %s", e->cfg->path);
	if (ce_config_load(e->cfg->path, &cfg, &e->diag) < 0)
		goto fail;
	if (inputs_changed(e, cfg))
		ce_notice("inputs changed: a restart is needed to apply that; "
		    "the rest is reloaded");
	if (!same_set(e->cfg->outputs, cfg->outputs) ||
	    !same_string(e->cfg->evaluator ? e->cfg->evaluator->plugin : NULL,
	    cfg->evaluator ? cfg->evaluator->plugin : NULL)) {
		ce_error("the set of outputs or the evaluator plugin changed: "
		    "restart to apply; nothing reloaded");
		goto fail;
	}
	g = generation_build(e, cfg, e->gen);
	if (g == NULL || e->diag.errors > errors)
		goto fail_gen;
	if (generation_start(e, g) < 0 || e->diag.errors > errors) {
		generation_discard(e, g);
		goto fail;
	}
	if (keep_config(e, cfg) < 0) {
		generation_discard(e, g);
		goto fail;
	}
	pthread_mutex_lock(&e->gen_lock);
	old = e->gen;
	e->gen = g;
	pthread_mutex_unlock(&e->gen_lock);
	e->cfg = cfg;
	ce_log_setup(cfg->log_level, cfg->log_format);
	ce_flatten_set_limit(cfg->limits.max_flat_bytes);
	ce_engine_release(e, old);
	ce_notice("reloaded: new rules and output options are in force");
	return;
fail_gen:
	if (g != NULL)
		generation_discard(e, g);
fail:
	ce_config_free(cfg);
	ce_error("reload failed: the previous configuration stays in force");
}

/* ------------------------------------------------------------------ */
/* Running                                                             */
/* ------------------------------------------------------------------ */

static void *
signal_main(void *arg)
{
	struct ce_engine *e = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);	/* ends this thread */
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		pthread_mutex_lock(&e->lock);
		if (sig == SIGTERM || sig == SIGINT)
			e->stop_requested++;
		else if (sig == SIGHUP)
			e->reload_requested = 1;
		else if (sig == SIGUSR1)
			e->report_requested = 1;
		pthread_cond_broadcast(&e->cond);
		pthread_mutex_unlock(&e->lock);
		if (sig == SIGUSR2)
			break;
	}
	return NULL;
}

static int
all_done_locked(struct ce_engine *e)
{
	return e->inputs_finished == e->ninputs &&
	    ce_pipeline_pending(e->pipeline) == 0;
}

/* Wait for the end of the input, a signal or a reload request. */
static void
main_loop(struct ce_engine *e)
{
	pthread_mutex_lock(&e->lock);
	for (;;) {
		reap_locked(e);
		if (e->stop_requested > 0 || all_done_locked(e))
			break;
		if (e->reload_requested) {
			e->reload_requested = 0;
			pthread_mutex_unlock(&e->lock);
			reload(e);
			pthread_mutex_lock(&e->lock);
			continue;
		}
		if (e->report_requested) {
			e->report_requested = 0;
			ce_metrics_report();
		}
		pthread_cond_wait(&e->cond, &e->lock);
	}
	pthread_mutex_unlock(&e->lock);
}

/* After SIGTERM: stop taking work, let deliveries finish within a grace
 * period (a second signal ends it at once), and wait for every document. */
static void
shutdown_drain(struct ce_engine *e)
{
	int seen;

	ce_notice("stopping: draining in-flight documents");
	ce_pipeline_close(e->pipeline);
	ce_dispatch_shutdown(e->dispatch, ce_now_ms() + CE_SHUTDOWN_GRACE_MS);
	pthread_mutex_lock(&e->lock);
	seen = e->stop_requested;
	for (;;) {
		reap_locked(e);
		if (ce_pipeline_pending(e->pipeline) == 0)
			break;
		if (e->stop_requested > seen) {
			seen = e->stop_requested;
			ce_dispatch_shutdown(e->dispatch, ce_now_ms());
		}
		pthread_cond_wait(&e->cond, &e->lock);
	}
	pthread_mutex_unlock(&e->lock);
}

int
ce_engine_run(struct ce_engine *e)
{
	pthread_t sigthread;
	int have_sigthread;

	have_sigthread = pthread_create(&sigthread, NULL, signal_main, e) == 0;
	main_loop(e);
	if (e->stop_requested > 0)
		shutdown_drain(e);
	if (have_sigthread) {
		pthread_kill(sigthread, SIGUSR2);
		pthread_join(sigthread, NULL);
	}
	ce_metrics_report();
	return ce_engine_status(e);
}

/* ------------------------------------------------------------------ */
/* `cloudengine test`                                                  */
/* ------------------------------------------------------------------ */

static void
fd_close(void *ctx)
{
	int fd = (int)(intptr_t)ctx;

	if (fd != STDIN_FILENO)
		close(fd);
}

int
ce_engine_test_files(struct ce_engine *e, char *const *files, int nfiles)
{
	struct ce_document doc;
	int i, fd, status = CE_EXIT_OK;

	for (i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0)
			fd = STDIN_FILENO;
		else
			fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ce_error("%s: %s", files[i], strerror(errno));
			status = CE_EXIT_INCOMPLETE;
			continue;
		}
		doc = (struct ce_document){
			.size = sizeof(doc),
			.origin = files[i],
			.read = ce_stream_fd_read,
			.close = fd_close,
			.stream = (void *)(intptr_t)fd,
		};
		if (ce_pipeline_submit(e->pipeline, NULL, &doc) < 0)
			status = CE_EXIT_INTERNAL;
	}
	drain(e);
	fflush(e->test_out);
	fprintf(stderr, "cloudengine test: %llu record(s) in %d file(s), "
	    "%llu rule firing(s), %llu record(s) skipped\n",
	    (unsigned long long)atomic_load(&e->totals.records), nfiles,
	    e->test_fired, (unsigned long long)atomic_load(&e->totals.skipped));
	if (status == CE_EXIT_OK)
		status = ce_engine_status(e);
	return status;
}

int
ce_engine_test_buffer(struct ce_engine *e, const char *origin,
    const char *data, size_t len)
{
	struct ce_document doc = {
		.size = sizeof(doc),
		.origin = origin,
		.data = data,
		.len = len,
	};
	int rc = ce_pipeline_submit(e->pipeline, NULL, &doc);

	if (rc == 0)
		drain(e);
	return rc;
}

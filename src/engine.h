/*
 * engine.h - the engine: configuration → plugins → instances → pipeline →
 * dispatch, the run loop (signals, SIGHUP reload, drain), and the totals
 * that become the exit status.
 *
 * Swappable parts live in a generation (the evaluator and the outputs),
 * reference counted: a document takes a reference when a worker starts on
 * it, so a reload lets in-flight documents finish on the rules and
 * outputs they started with.
 */
#ifndef CE_ENGINE_H
#define CE_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "config.h"
#include "diag.h"
#include "instance.h"
#include "loader.h"

enum ce_mode {
	CE_MODE_RUN = 0,	/* inputs → evaluator → outputs */
	CE_MODE_TEST,		/* files → evaluator → JSON lines, no output called */
	CE_MODE_CHECK		/* configuration, plugins and rules only */
};

/* Exit statuses (documented in cloudengine(1)). */
enum {
	CE_EXIT_OK = 0,
	CE_EXIT_INCOMPLETE = 1,	/* something skipped or not delivered */
	CE_EXIT_USAGE = 2,
	CE_EXIT_CONFIG = 3,	/* configuration, plugin or rule error */
	CE_EXIT_INTERNAL = 4
};

struct ce_generation {
	atomic_int		 refs;
	struct ce_instance	*evaluator;
	struct ce_instance     **outputs;	/* noutputs */
	size_t			 noutputs;
	const char	       **names;		/* output names and aliases, NULL-terminated */
	struct ce_instance     **by_name;	/* the instance for names[i] */
};

struct ce_pipeline;
struct ce_dispatch;

struct ce_totals {
	atomic_ullong	documents;
	atomic_ullong	documents_failed;
	atomic_ullong	records;
	atomic_ullong	records_failed;
	atomic_ullong	skipped;
	atomic_ullong	alerts;
	atomic_ullong	alerts_failed;
};

struct ce_engine {
	enum ce_mode		 mode;
	struct ce_config	*cfg;		/* current */
	struct ce_config      **configs;	/* every one loaded; freed at the end */
	size_t			 nconfigs;
	struct ce_registry	 registry;
	struct ce_diag		 diag;
	struct ce_instance     **inputs;
	size_t			 ninputs;

	pthread_mutex_t		 gen_lock;
	struct ce_generation	*gen;

	struct ce_pipeline	*pipeline;
	struct ce_dispatch	*dispatch;

	/* the run loop: signalled by inputs, the pipeline and the signal thread */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	unsigned		 inputs_finished;
	int			 stop_requested;	/* SIGTERM/SIGINT count */
	int			 reload_requested;
	int			 report_requested;
	struct ce_instance     **retired;	/* instances whose last reference went */
	size_t			 nretired;

	struct ce_totals	 totals;

	/* test mode: where fired rules are printed, unless test_hook is set
	 * (test-rules), which is then called for each firing instead */
	FILE			*test_out;
	void		       (*test_hook)(void *arg, const ce_event *ev,
				    const struct ce_alert_spec *spec);
	void			*test_hook_arg;
	pthread_mutex_t		 test_lock;
	unsigned long long	 test_fired;
};

struct ce_engine_options {
	enum ce_mode	 mode;
	const char	*config;	/* path; NULL = the default */
	const char	*rules;		/* --rules: replaces the evaluator's rules */
	unsigned	 workers;	/* -j: 0 = from the configuration */
	int		 need_inputs;	/* run: inputs must be configured */
};

/* The default configuration file: $CLOUDENGINE_CONFIG, else the compiled-in
 * $(sysconfdir)/cloudengine/cloudengine.conf. */
const char	*ce_engine_default_config(void);

/* Load the configuration and plugins, bind options, make the instances
 * (not initialised).  Problems are in e->diag.  0 or -errno. */
int		 ce_engine_open(struct ce_engine **out,
		    const struct ce_engine_options *opts);
/* Initialise and start everything for e->mode; on failure roll back. */
int		 ce_engine_start(struct ce_engine *e);
/* Run until every input finished and every document settled, or a
 * signal stops it; SIGHUP reloads.  Returns an exit status. */
int		 ce_engine_run(struct ce_engine *e);
/* test mode: submit files as documents and wait for them. */
int		 ce_engine_test_files(struct ce_engine *e, char *const *files,
		    int nfiles);
/* test mode: evaluate one in-memory document and wait for it. */
int		 ce_engine_test_buffer(struct ce_engine *e, const char *origin,
		    const char *data, size_t len);
/* Stop and destroy everything, in reverse order. */
void		 ce_engine_close(struct ce_engine *e);
/* The exit status the totals call for. */
int		 ce_engine_status(struct ce_engine *e);

/* Generations (pipeline.c and dispatch.c use these). */
struct ce_generation *ce_engine_acquire(struct ce_engine *e);
void		 ce_engine_release(struct ce_engine *e, struct ce_generation *g);
/* Drop a reference to an output or evaluator instance; the last one hands
 * it to the main thread to be stopped and destroyed. */
void		 ce_engine_instance_unref(struct ce_engine *e,
		    struct ce_instance *inst);
/* An input called host->finished(). */
void		 ce_engine_input_finished(struct ce_engine *e,
		    struct ce_instance *inst);
/* Wake the run loop (a document settled). */
void		 ce_engine_wake(struct ce_engine *e);

#endif /* CE_ENGINE_H */

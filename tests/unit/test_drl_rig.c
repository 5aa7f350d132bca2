/*
 * test_drl_rig.c - helpers shared by the drl test programs, which include
 * this file: a drl instance on a fake host, rules written to a private
 * temporary directory, events evaluated and fired rules counted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ce_test.h"
#include "fake_host.h"

extern const struct ce_plugin cloudengine_plugin;

/* The outputs a test configuration has. */
static const char *const rig_outputs[] = {
	"Out", "DatadogAlertService", "Pager", NULL
};

struct rig {
	struct fake_host	 fh;
	void			*state;
	char			 dir[256];
	char			 path[320];
	const char		*paths[1];
	int			 rc;		/* init()'s result */
};

static void
rig_setup(struct rig *r)
{
	const char *tmp = getenv("TMPDIR");

	memset(r, 0, sizeof(*r));
	fake_host_init(&r->fh, &cloudengine_plugin);
	r->fh.outputs = rig_outputs;
	snprintf(r->dir, sizeof(r->dir), "%s/drltest.XXXXXX",
	    tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(r->dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(r->path, sizeof(r->path), "%s/rules.drl", r->dir);
}

static int
rig_start(struct rig *r, const char *const *paths, size_t n)
{
	fake_host_set_list(&r->fh, "rules", paths, n);
	r->rc = cloudengine_plugin.init(fake_host_self(&r->fh), &r->fh.host,
	    &r->state);
	if (r->rc < 0)
		r->state = NULL;
	return r->rc;
}

/* Load rules from text (written to the private directory). */
static int
rig_load(struct rig *r, const char *text)
{
	FILE *fp = fopen(r->path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(r->path);
		exit(99);
	}
	r->paths[0] = r->path;
	return rig_start(r, r->paths, 1);
}

static void
rig_teardown(struct rig *r)
{
	if (r->state != NULL)
		cloudengine_plugin.destroy(r->state);
	r->state = NULL;
	unlink(r->path);
	rmdir(r->dir);
	fake_host_free(&r->fh);
}

/* Evaluate one event given as JSON; fired alerts are recorded in r->fh
 * (cleared first).  Returns evaluate()'s result. */
static int
rig_eval(struct rig *r, const char *json)
{
	const ce_event *ev = fake_event(json);
	int rc;

	if (ev == NULL) {
		fprintf(stderr, "bad test event: %s\n", json);
		exit(99);
	}
	fake_host_clear(&r->fh);
	rc = cloudengine_plugin.evaluate(r->state, ev, fake_host_sink(&r->fh));
	fake_event_free(ev);
	return rc;
}

static void
rig_dump_diags(const struct rig *r)
{
	size_t i;

	for (i = 0; i < r->fh.ndiags; i++)
		fprintf(stderr, "  %s\n", r->fh.diags[i]);
}

/*
 * Does the constraint hold for the event?  1 or 0; -1 when the rule does
 * not compile (its diagnostics are printed).
 */
static int __attribute__((unused))
cond_holds(const char *cond, const char *json)
{
	struct rig r;
	char *text;
	size_t n = strlen(cond) + 256;
	int fired = -1;

	if ((text = malloc(n)) == NULL)
		exit(99);
	snprintf(text, n,
	    "import cloudengine.AlertServices.Out;\n"
	    "rule \"*: t\"\nwhen\n    $m : Map( %s )\nthen\n"
	    "    new Out().report($m, drools.getRule().getName());\nend\n",
	    cond);
	rig_setup(&r);
	if (rig_load(&r, text) == 0) {
		if (rig_eval(&r, json) == 0)
			fired = fake_host_fired(&r.fh, "*: t") > 0;
	} else {
		fprintf(stderr, "does not compile: %s\n", cond);
		rig_dump_diags(&r);
	}
	rig_teardown(&r);
	free(text);
	return fired;
}

/*
 * test_loader.c - the plugin loader: real test .so files for every refusal
 * that needs one, in-memory descriptors broken one member at a time for
 * the rest, directory precedence, and the single exported symbol.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ce_test.h"
#include "diag.h"
#include "config.h"
#include "loader.h"
#include "log.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* $CE_TEST_PLUGIN_DIR/<name>.so, malloc'd. */
static char *
plugin_path(const char *name)
{
	const char *dir = getenv("CE_TEST_PLUGIN_DIR");
	char *p;
	size_t n;

	if (dir == NULL) {
		fprintf(stderr, "CE_TEST_PLUGIN_DIR is not set: run through "
		    "make check, or set it to BUILDDIR/tests/plugins/.libs\n");
		exit(99);
	}
	n = strlen(dir) + strlen(name) + 5;
	p = malloc(n);
	if (p == NULL)
		exit(99);
	snprintf(p, n, "%s/%s.so", dir, name);
	return p;
}

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		exit(99);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* A fresh directory under $TMPDIR (or /tmp), malloc'd. */
static char *
temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p = join(tmp && *tmp ? tmp : "/tmp", "ce_loader_XXXXXX");

	if (mkdtemp(p) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	return p;
}

/* dir/link -> the test plugin target; returns the link's path. */
static char *
link_plugin(const char *dir, const char *link, const char *target)
{
	char *to = plugin_path(target), *at = join(dir, link);

	if (symlink(to, at) < 0) {
		perror("symlink");
		exit(99);
	}
	free(to);
	return at;
}

static void
remove_dir(char *dir, char **files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	rmdir(dir);
	free(dir);
}

/* The diag entry holding every needle, or NULL. */
static const struct ce_diag_entry *
diag_find(const struct ce_diag *d, const char *const *needles)
{
	const struct ce_diag_entry *e;
	size_t i;

	for (e = d->head; e != NULL; e = e->next) {
		for (i = 0; needles[i] != NULL; i++)
			if (strstr(e->text, needles[i]) == NULL)
				break;
		if (needles[i] == NULL)
			return e;
	}
	return NULL;
}

#define DIAG_HAS(d, ...)						\
	(diag_find((d), (const char *const[]){ __VA_ARGS__, NULL }) != NULL)

static void
diag_dump(const struct ce_diag *d)
{
	const struct ce_diag_entry *e;

	for (e = d->head; e != NULL; e = e->next)
		fprintf(stderr, "\n    diag: %s", e->text);
}

static size_t
registry_size(const struct ce_registry *reg)
{
	const struct ce_plugin_entry *e;
	size_t n = 0;

	for (e = reg->head; e != NULL; e = e->next)
		n++;
	return n;
}

/* Log lines captured through the log sink. */
struct captured {
	char	text[16][512];
	int	n;
};

static void
capture(void *arg, enum ce_log_level level, const char *component,
    const char *msg)
{
	struct captured *c = arg;

	(void)level;
	(void)component;
	if (c->n < 16)
		snprintf(c->text[c->n++], sizeof(c->text[0]), "%s", msg);
}

static int
captured_has(const struct captured *c, const char *a, const char *b)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strstr(c->text[i], a) && (b == NULL || strstr(c->text[i], b)))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Real shared objects                                                 */
/* ------------------------------------------------------------------ */

static void
good_plugin_loads_as_a_copy(void)
{
	char *path = plugin_path("ldr_good");
	const struct ce_plugin_entry *e;
	const struct ce_plugin *sym;
	const struct ce_option *o;
	struct ce_registry reg;
	struct ce_diag d;
	void *state = &reg;

	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_load_file(&reg, path, &d), 0);
	CU_ASSERT_EQUAL(d.errors, 0);
	diag_dump(&d);
	e = ce_registry_find(&reg, CE_KIND_OUTPUT, "ldr_good");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->file, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->dl);
	CU_ASSERT_STRING_EQUAL(e->desc.version, "1.2.3");
	CU_ASSERT_EQUAL(e->desc.size, sizeof(struct ce_plugin));
	CU_ASSERT_EQUAL(e->desc.abi_major, CE_PLUGIN_ABI_MAJOR);
	/* Callbacks it does not set read as NULL. */
	CU_ASSERT_PTR_NULL(e->desc.start);
	CU_ASSERT_PTR_NULL(e->desc.stop);
	CU_ASSERT_PTR_NULL(e->desc.done);
	CU_ASSERT_PTR_NULL(e->desc.evaluate);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->desc.init);
	CU_ASSERT_EQUAL(e->desc.init(NULL, NULL, &state), 0);
	CU_ASSERT_PTR_NULL(state);
	/* A copy, not the plugin's own descriptor. */
	sym = dlsym(e->dl, CE_PLUGIN_SYMBOL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sym);
	CU_ASSERT(sym != &e->desc);
	CU_ASSERT(sym->options != e->desc.options);
	CU_ASSERT_PTR_EQUAL(sym->deliver, e->desc.deliver);
	/* The option table, normalised to this host's layout. */
	o = e->desc.options;
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(o[0].name, "url");
	CU_ASSERT_EQUAL(o[0].flags, CE_OPT_REQUIRED);
	CU_ASSERT_STRING_EQUAL(o[1].name, "mode");
	CU_ASSERT_STRING_EQUAL(o[1].choices[1], "safe");
	CU_ASSERT_STRING_EQUAL(o[2].name, "retries");
	CU_ASSERT_EQUAL(o[2].max, 10);
	CU_ASSERT_PTR_NULL(o[3].name);
	CU_ASSERT_EQUAL(o[3].size, sizeof(struct ce_option));
	CU_ASSERT_PTR_NULL(ce_registry_find(&reg, CE_KIND_INPUT, "ldr_good"));
	CU_ASSERT_PTR_NULL(ce_registry_find(&reg, CE_KIND_OUTPUT, "ldr"));
	ce_registry_free(&reg);
	CU_ASSERT_PTR_NULL(reg.head);
	ce_diag_free(&d);
	free(path);
}

/* One refused file: -EINVAL, one error naming the file, nothing kept. */
static void
expect_file_refused(const char *name, const char *n1, const char *n2,
    const char *n3)
{
	char *path = plugin_path(name), prefix[1024];
	struct ce_registry reg;
	struct ce_diag d;

	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_load_file(&reg, path, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.errors, 1);
	CU_ASSERT_PTR_NULL(reg.head);
	snprintf(prefix, sizeof(prefix), "%s: error: ", path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d.head);
	CU_ASSERT_EQUAL(strncmp(d.head->text, prefix, strlen(prefix)), 0);
	CU_ASSERT(DIAG_HAS(&d, n1, n2 ? n2 : n1, n3 ? n3 : n1));
	if (!DIAG_HAS(&d, n1, n2 ? n2 : n1, n3 ? n3 : n1))
		diag_dump(&d);
	ce_registry_free(&reg);
	ce_diag_free(&d);
	free(path);
}

static void
refuses_other_major(void)
{
	char built[64], speaks[64];

	snprintf(built, sizeof(built), "built for plugin ABI %d.0",
	    CE_PLUGIN_ABI_MAJOR + 1);
	snprintf(speaks, sizeof(speaks), "this cloudengine speaks %d.%d",
	    CE_PLUGIN_ABI_MAJOR, CE_PLUGIN_ABI_MINOR);
	expect_file_refused("ldr_bad_major", built, speaks, "rebuild it");
}

static void
refuses_newer_minor(void)
{
	char built[64];

	snprintf(built, sizeof(built), "built for plugin ABI %d.%d",
	    CE_PLUGIN_ABI_MAJOR, CE_PLUGIN_ABI_MINOR + 1);
	expect_file_refused("ldr_newer_minor", built, "newer than", NULL);
}

static void
refuses_truncated_descriptor(void)
{
	expect_file_refused("ldr_truncated", "descriptor is truncated",
	    "CE_PLUGIN_HEADER", NULL);
}

static void
refuses_missing_callback(void)
{
	expect_file_refused("ldr_missing_callback",
	    "output plugin 'ldr_missing_callback'",
	    "required callback 'deliver' is not set", "every output plugin");
}

static void
refuses_unknown_kind(void)
{
	expect_file_refused("ldr_unknown_kind", "'ldr_unknown_kind'",
	    "unknown kind 9", NULL);
}

static void
refuses_object_without_symbol(void)
{
	expect_file_refused("ldr_no_symbol", "not a cloudengine plugin",
	    "'" CE_PLUGIN_SYMBOL "'", NULL);
}

static void
refuses_what_dlopen_cannot_open(void)
{
	char *dir = temp_dir(), *junk = join(dir, "junk.so");
	char *absent = join(dir, "absent.so");
	struct ce_registry reg;
	struct ce_diag d;
	FILE *fp;

	fp = fopen(junk, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("not ELF\n", fp);
	fclose(fp);
	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_load_file(&reg, junk, &d), -EINVAL);
	CU_ASSERT_EQUAL(ce_registry_load_file(&reg, absent, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.errors, 2);
	CU_ASSERT(DIAG_HAS(&d, junk, ": error: cannot load plugin", "ldd(1)"));
	CU_ASSERT(DIAG_HAS(&d, absent, "cannot load plugin",
	    "No such file"));
	CU_ASSERT_PTR_NULL(reg.head);
	ce_registry_free(&reg);
	ce_diag_free(&d);
	free(absent);
	remove_dir(dir, &junk, 1);
}

static void
same_name_twice_in_one_directory_names_both_files(void)
{
	char *dir = temp_dir(), *files[2];
	const struct ce_plugin_entry *e;
	struct ce_registry reg;
	struct ce_diag d;

	files[0] = link_plugin(dir, "a.so", "ldr_dup_a");
	files[1] = link_plugin(dir, "b.so", "ldr_dup_b");
	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_load_dir(&reg, dir, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.errors, 1);
	CU_ASSERT(DIAG_HAS(&d, files[1], "output plugin 'ldr_dup'",
	    files[0]));
	e = ce_registry_find(&reg, CE_KIND_OUTPUT, "ldr_dup");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->desc.version, "a");
	CU_ASSERT_EQUAL(registry_size(&reg), 1);
	ce_registry_free(&reg);
	ce_diag_free(&d);
	remove_dir(dir, files, 2);
}

static void
earlier_directory_takes_precedence(void)
{
	char *dir1 = temp_dir(), *dir2 = temp_dir(), *f1[1], *f2[2];
	const struct ce_plugin_entry *e;
	struct captured log = { .n = 0 };
	enum ce_log_level level = ce_log_get_level();
	struct ce_registry reg;
	struct ce_diag d;

	f1[0] = link_plugin(dir1, "good.so", "ldr_good");
	f2[0] = link_plugin(dir2, "good.so", "ldr_good");
	f2[1] = link_plugin(dir2, "other.so", "ldr_dup_a");
	ce_registry_init(&reg);
	ce_diag_init(&d);
	ce_log_setup(CE_LOG_DEBUG, CE_LOG_TEXT);
	ce_log_set_sink(capture, &log);
	CU_ASSERT_EQUAL(ce_registry_load_dir(&reg, dir1, &d), 0);
	CU_ASSERT_EQUAL(ce_registry_load_dir(&reg, dir2, &d), 0);
	ce_log_set_sink(NULL, NULL);
	ce_log_setup(level, CE_LOG_TEXT);
	CU_ASSERT_EQUAL(d.errors, 0);
	CU_ASSERT_EQUAL(registry_size(&reg), 2);
	e = ce_registry_find(&reg, CE_KIND_OUTPUT, "ldr_good");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->file, f1[0]);
	e = ce_registry_find(&reg, CE_KIND_OUTPUT, "ldr_dup");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->file, f2[1]);
	CU_ASSERT(captured_has(&log, f2[0], "already loaded from"));
	CU_ASSERT(captured_has(&log, f1[0], NULL));
	/* Files and the registry ignore each other once loaded. */
	ce_registry_free(&reg);
	ce_diag_free(&d);
	remove_dir(dir1, f1, 1);
	remove_dir(dir2, f2, 2);
}

static void
directory_reports_every_refusal_and_keeps_the_rest(void)
{
	char *dir = temp_dir(), *files[4], *missing;
	const struct ce_diag_entry *e;
	struct ce_registry reg;
	struct ce_diag d;

	files[0] = link_plugin(dir, "1_major.so", "ldr_bad_major");
	files[1] = link_plugin(dir, "2_good.so", "ldr_good");
	files[2] = link_plugin(dir, "3_nosym.so", "ldr_no_symbol");
	files[3] = join(dir, "4_not_a_plugin.txt");
	fclose(fopen(files[3], "w"));
	missing = join(dir, "absent");
	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_load_dir(&reg, dir, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.errors, 2);
	CU_ASSERT_PTR_NOT_NULL(ce_registry_find(&reg, CE_KIND_OUTPUT,
	    "ldr_good"));
	/* In file name order; the .txt is not looked at. */
	e = d.head;
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->text, files[0]));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->next);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->next->text, files[2]));
	/* A directory that does not exist is not an error. */
	CU_ASSERT_EQUAL(ce_registry_load_dir(&reg, missing, &d), 0);
	CU_ASSERT_EQUAL(d.errors, 2);
	ce_registry_free(&reg);
	ce_diag_free(&d);
	free(missing);
	remove_dir(dir, files, 4);
}

static void
plugin_exports_only_the_descriptor(void)
{
	char *path = plugin_path("ldr_good"), cmd[1200], line[512];
	char type, sym[256];
	int n = 0, other = 0;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", path);
	fp = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%*s %c %255s", &type, sym) != 2)
			continue;
		if (strcmp(sym, CE_PLUGIN_SYMBOL) == 0)
			n++;
		else
			other++;
		if (strcmp(sym, CE_PLUGIN_SYMBOL) != 0)
			fprintf(stderr, "\n    also exported: %s", sym);
	}
	CU_ASSERT_EQUAL(pclose(fp), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(other, 0);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Descriptors from memory                                             */
/* ------------------------------------------------------------------ */

static int
m_init(ce_instance *self, const struct ce_host *host, void **state)
{
	(void)self;
	(void)host;
	*state = NULL;
	return 0;
}

static void m_destroy(void *state) { (void)state; }
static int m_start(void *state) { (void)state; return 0; }
static void m_stop(void *state) { (void)state; }

static void
m_done(void *state, void *cookie, const struct ce_outcome *outcome)
{
	(void)state;
	(void)cookie;
	(void)outcome;
}

static int
m_evaluate(void *state, const ce_event *ev, ce_alert_sink *sink)
{
	(void)state;
	(void)ev;
	(void)sink;
	return 0;
}

static void
m_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	(void)state;
	(void)alert;
	(void)d;
}

static const char *const m_choices[] = { "low", "high", NULL };
static const char *const m_no_choices[] = { NULL };

/* A valid option table, copied into opts (room for 8 entries). */
static void
valid_options(struct ce_option *opts)
{
	const struct ce_option v[] = {
		{ CE_OPTION_HEADER, .name = "path", .type = CE_OPT_STRING,
		  .flags = CE_OPT_PATH | CE_OPT_REQUIRED },
		{ CE_OPTION_HEADER, .name = "level", .type = CE_OPT_ENUM,
		  .choices = m_choices, .def = "low" },
		{ CE_OPTION_HEADER, .name = "count", .type = CE_OPT_INTEGER,
		  .def = "5", .min = 1, .max = 9 },
		{ CE_OPTION_HEADER, .name = "on", .type = CE_OPT_BOOLEAN,
		  .def = "TRUE" },
		{ CE_OPTION_HEADER, .name = "ratio", .type = CE_OPT_DECIMAL,
		  .def = "0.5" },
		{ CE_OPTION_HEADER, .name = "key", .type = CE_OPT_SECRET },
		CE_OPTIONS_END
	};

	memset(opts, 0, 8 * sizeof(*opts));
	memcpy(opts, v, sizeof(v));
}

static struct ce_plugin
valid(enum ce_plugin_kind kind)
{
	struct ce_plugin p = {
		CE_PLUGIN_HEADER,
		.kind = kind,
		.name = "mem",
		.version = "0",
		.init = m_init,
		.destroy = m_destroy,
	};

	if (kind == CE_KIND_INPUT) {
		p.start = m_start;
		p.stop = m_stop;
		p.done = m_done;
	} else if (kind == CE_KIND_EVALUATOR) {
		p.evaluate = m_evaluate;
	} else {
		p.deliver = m_deliver;
	}
	return p;
}

/* Add p to a fresh registry; d keeps what was reported. */
static int
try_add(const struct ce_plugin *p, struct ce_diag *d)
{
	struct ce_registry reg;
	int rc;

	ce_registry_init(&reg);
	ce_diag_init(d);
	rc = ce_registry_add(&reg, p, "mem.test", d);
	if (rc == 0)
		CU_ASSERT_PTR_NOT_NULL(ce_registry_find(&reg, p->kind,
		    p->name));
	ce_registry_free(&reg);
	return rc;
}

/* p must be refused with exactly one error holding both needles. */
static void
expect_refused(const struct ce_plugin *p, const char *n1, const char *n2)
{
	struct ce_diag d;

	CU_ASSERT_EQUAL(try_add(p, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.errors, 1);
	CU_ASSERT(DIAG_HAS(&d, "mem.test: error: ", n1, n2 ? n2 : n1));
	if (d.errors != 1 || !DIAG_HAS(&d, n1, n2 ? n2 : n1)) {
		fprintf(stderr, "\n    expected '%s' '%s':", n1, n2 ? n2 : "");
		diag_dump(&d);
	}
	ce_diag_free(&d);
}

static void
expect_accepted(const struct ce_plugin *p)
{
	struct ce_diag d;

	CU_ASSERT_EQUAL(try_add(p, &d), 0);
	CU_ASSERT_EQUAL(d.errors, 0);
	diag_dump(&d);
	ce_diag_free(&d);
}

static void
each_kind_valid_is_accepted(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);
	struct ce_option opts[8];

	expect_accepted(&p);
	p = valid(CE_KIND_INPUT);
	expect_accepted(&p);
	p = valid(CE_KIND_EVALUATOR);
	expect_accepted(&p);
	/* Optional callbacks may be set too. */
	p = valid(CE_KIND_OUTPUT);
	p.start = m_start;
	p.stop = m_stop;
	valid_options(opts);
	p.options = opts;
	expect_accepted(&p);
}

static void
each_missing_required_callback_is_named(void)
{
	static const struct {
		enum ce_plugin_kind	 kind;
		const char		*member;
		size_t			 offset;
		const char		*why;
	} cases[] = {
		{ CE_KIND_INPUT, "init", offsetof(struct ce_plugin, init),
		  "every plugin" },
		{ CE_KIND_OUTPUT, "destroy",
		  offsetof(struct ce_plugin, destroy), "every plugin" },
		{ CE_KIND_INPUT, "start", offsetof(struct ce_plugin, start),
		  "every input plugin" },
		{ CE_KIND_INPUT, "stop", offsetof(struct ce_plugin, stop),
		  "every input plugin" },
		{ CE_KIND_INPUT, "done", offsetof(struct ce_plugin, done),
		  "every input plugin" },
		{ CE_KIND_EVALUATOR, "evaluate",
		  offsetof(struct ce_plugin, evaluate),
		  "every evaluator plugin" },
		{ CE_KIND_OUTPUT, "deliver",
		  offsetof(struct ce_plugin, deliver), "every output plugin" },
	};
	void (*none)(void) = NULL;
	char member[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ce_plugin p = valid(cases[i].kind);

		memcpy((char *)&p + cases[i].offset, &none, sizeof(none));
		snprintf(member, sizeof(member),
		    "required callback '%s' is not set", cases[i].member);
		expect_refused(&p, member, cases[i].why);
	}
}

static void
versions_are_checked_first(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);

	p.abi_major = CE_PLUGIN_ABI_MAJOR + 1;
	p.name = "Not Even Read";
	expect_refused(&p, "built for plugin ABI", "rebuild it");
	p = valid(CE_KIND_OUTPUT);
	p.abi_minor = CE_PLUGIN_ABI_MINOR + 1;
	expect_refused(&p, "newer than", NULL);
	/* An older minor of the same major loads. */
	p = valid(CE_KIND_OUTPUT);
	p.abi_minor = 0;
	expect_accepted(&p);
}

static void
size_smaller_than_0_1_is_truncated(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);
	struct {
		struct ce_plugin	p;
		char			later[64];	/* a later minor's members */
	} big;

	p.size = offsetof(struct ce_plugin, deliver);
	expect_refused(&p, "descriptor is truncated", "CE_PLUGIN_HEADER");
	p.size = 8;
	expect_refused(&p, "descriptor is truncated", NULL);
	/* Larger than ours: only our members are copied. */
	memset(&big, 0x5a, sizeof(big));
	big.p = valid(CE_KIND_OUTPUT);
	big.p.size = sizeof(big);
	expect_accepted(&big.p);
}

/*
 * The loader reads no byte beyond d->size: under AddressSanitizer these
 * exact-sized heap copies would fault if it did.
 */
static void
reads_nothing_beyond_size(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT), *exact;
	unsigned char *tiny;
	struct ce_diag d;

	exact = malloc(sizeof(*exact));
	CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
	memcpy(exact, &p, sizeof(p));
	CU_ASSERT_EQUAL(try_add(exact, &d), 0);
	ce_diag_free(&d);
	free(exact);
	tiny = malloc(8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tiny);
	p.size = 8;
	memcpy(tiny, &p, 8);
	expect_refused((const struct ce_plugin *)(void *)tiny,
	    "descriptor is truncated", NULL);
	free(tiny);
}

static void
entry_is_a_copy(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);
	const struct ce_plugin_entry *e;
	struct ce_option opts[8];
	struct ce_registry reg;
	struct ce_diag d;

	valid_options(opts);
	p.options = opts;
	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_add(&reg, &p, NULL, &d), 0);
	p.deliver = NULL;
	p.kind = CE_KIND_INPUT;
	opts[0].name = "changed";
	e = ce_registry_find(&reg, CE_KIND_OUTPUT, "mem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->file, "<memory>");
	CU_ASSERT_PTR_NULL(e->dl);
	CU_ASSERT_PTR_EQUAL(e->desc.deliver, m_deliver);
	CU_ASSERT_STRING_EQUAL(e->desc.options[0].name, "path");
	CU_ASSERT_STRING_EQUAL(e->desc.options[5].name, "key");
	CU_ASSERT_PTR_NULL(e->desc.options[6].name);
	ce_registry_free(&reg);
	ce_diag_free(&d);
}

static void
bad_names_are_refused(void)
{
	static const char *const bad[] = { "", "Mem", "mem-x", "mem x",
	    "m\xc3\xa9m", "a.b" };
	struct ce_plugin p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = valid(CE_KIND_OUTPUT);
		p.name = bad[i];
		expect_refused(&p, "invalid name", "[a-z0-9_]+");
	}
	p = valid(CE_KIND_OUTPUT);
	p.name = NULL;
	expect_refused(&p, "invalid name", NULL);
	/* Quoted safely: a newline cannot start a new diagnostic. */
	p.name = "evil\nmem.test: error: forged";
	expect_refused(&p, "'evil?mem.test: error: forged'", NULL);
	p.name = "a_0_z9";
	expect_accepted(&p);
}

static void
unknown_kinds_are_refused(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);

	p.kind = (enum ce_plugin_kind)0;
	expect_refused(&p, "unknown kind 0", "expected 1 input");
	p.kind = (enum ce_plugin_kind)4;
	expect_refused(&p, "unknown kind 4", NULL);
}

static void
every_problem_is_reported(void)
{
	struct ce_plugin p = valid(CE_KIND_EVALUATOR);
	struct ce_option opts[8];
	struct ce_diag d;

	valid_options(opts);
	opts[1].choices = NULL;
	p.options = opts;
	p.name = "Bad";
	p.init = NULL;
	p.evaluate = NULL;
	CU_ASSERT_EQUAL(try_add(&p, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.errors, 4);
	CU_ASSERT(DIAG_HAS(&d, "evaluator plugin 'Bad'", "invalid name"));
	CU_ASSERT(DIAG_HAS(&d, "'init' is not set"));
	CU_ASSERT(DIAG_HAS(&d, "'evaluate' is not set"));
	CU_ASSERT(DIAG_HAS(&d, "'level' is an ENUM without choices"));
	ce_diag_free(&d);
}

static void
duplicate_kind_and_name_is_refused(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT), q = valid(CE_KIND_INPUT);
	struct ce_registry reg;
	struct ce_diag d;

	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_add(&reg, &p, "first.c", &d), 0);
	CU_ASSERT_EQUAL(ce_registry_add(&reg, &p, "second.c", &d), -EINVAL);
	CU_ASSERT(DIAG_HAS(&d, "second.c: error: output plugin 'mem' is "
	    "also declared by first.c"));
	/* The same name for another kind is another plugin. */
	CU_ASSERT_EQUAL(ce_registry_add(&reg, &q, "third.c", &d), 0);
	CU_ASSERT_EQUAL(d.errors, 1);
	CU_ASSERT_EQUAL(registry_size(&reg), 2);
	ce_registry_free(&reg);
	ce_diag_free(&d);
}

/* valid() with valid_options() after fn broke one entry. */
static void
expect_options_refused(void (*fn)(struct ce_option *), const char *n1,
    const char *n2)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);
	struct ce_option opts[8];

	valid_options(opts);
	fn(opts);
	p.options = opts;
	expect_refused(&p, n1, n2);
}

static void o_size_small(struct ce_option *o) { o[0].size = 16; }
static void o_size_odd(struct ce_option *o) { o[0].size += 3; }
static void o_size_differs(struct ce_option *o) { o[2].size += 8; }
static void o_type_zero(struct ce_option *o) { o[1].type = 0; o[1].choices = NULL; }
static void o_type_big(struct ce_option *o) { o[5].type = (enum ce_option_type)99; }
static void o_enum_null(struct ce_option *o) { o[1].choices = NULL; }
static void o_enum_empty(struct ce_option *o) { o[1].choices = m_no_choices; }
static void o_dup(struct ce_option *o) { o[4].name = "count"; }
static void o_res_plugin(struct ce_option *o) { o[5].name = "plugin"; }
static void o_res_name(struct ce_option *o) { o[5].name = "name"; }
static void o_res_aliases(struct ce_option *o) { o[5].name = "aliases"; }
static void o_res_sev(struct ce_option *o) { o[5].name = "min_severity"; }
static void o_bad_name(struct ce_option *o) { o[3].name = "On"; }
static void o_flags(struct ce_option *o) { o[0].flags |= 0x10; }
static void o_path_int(struct ce_option *o) { o[2].flags = CE_OPT_PATH; }
static void o_choices_str(struct ce_option *o) { o[0].choices = m_choices; }

static void
malformed_option_tables_are_refused(void)
{
	expect_options_refused(o_size_small, "entry size is 16 bytes",
	    "CE_OPTION_HEADER");
	expect_options_refused(o_size_odd, "entry size is", NULL);
	expect_options_refused(o_size_differs, "entry 3 has size", NULL);
	expect_options_refused(o_type_zero, "option 'level' has unknown "
	    "type 0", NULL);
	expect_options_refused(o_type_big, "option 'key' has unknown type 99",
	    NULL);
	expect_options_refused(o_enum_null, "'level' is an ENUM without "
	    "choices", NULL);
	expect_options_refused(o_enum_empty, "'level' is an ENUM without "
	    "choices", NULL);
	expect_options_refused(o_dup, "option 'count' is declared twice",
	    "entries 3 and 5");
	expect_options_refused(o_res_plugin, "option 'plugin' uses a key "
	    "reserved", NULL);
	expect_options_refused(o_res_name, "option 'name' uses a key reserved",
	    NULL);
	expect_options_refused(o_res_aliases, "option 'aliases' uses a key "
	    "reserved", NULL);
	expect_options_refused(o_res_sev, "option 'min_severity' uses a key "
	    "reserved", NULL);
	expect_options_refused(o_bad_name, "option 4 has an invalid name 'On'",
	    NULL);
	expect_options_refused(o_flags, "'path' has unknown flags 0x10", NULL);
	expect_options_refused(o_path_int, "'count' has CE_OPT_PATH", NULL);
	expect_options_refused(o_choices_str, "'path' has choices but is not "
	    "an ENUM", NULL);
}

static void
option_table_without_end_is_refused(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);
	static char names[1024][8];
	struct ce_option *opts;
	size_t i;

	/* Exactly 1024 entries: reading a 1025th would fault under ASan. */
	opts = calloc(1024, sizeof(*opts));
	CU_ASSERT_PTR_NOT_NULL_FATAL(opts);
	for (i = 0; i < 1024; i++) {
		snprintf(names[i], sizeof(names[i]), "o%zu", i);
		opts[i].size = sizeof(opts[i]);
		opts[i].name = names[i];
		opts[i].type = CE_OPT_STRING;
	}
	p.options = opts;
	expect_refused(&p, "option table has no end", "CE_OPTIONS_END");
	free(opts);
}

/* A plugin built against a later minor whose option entries are larger. */
static void
larger_option_entries_are_stepped_by_their_size(void)
{
	struct later_option {
		struct ce_option	o;
		int64_t			later_member;
	} lo[3];
	struct ce_plugin p = valid(CE_KIND_OUTPUT);
	const struct ce_plugin_entry *e;
	struct ce_registry reg;
	struct ce_diag d;
	size_t i;

	memset(lo, 0, sizeof(lo));
	for (i = 0; i < 3; i++) {
		lo[i].o.size = sizeof(lo[i]);
		lo[i].later_member = -1;
	}
	lo[0].o.name = "first";
	lo[0].o.type = CE_OPT_STRING;
	lo[1].o.name = "second";
	lo[1].o.type = CE_OPT_INTEGER;
	lo[1].o.def = "7";
	p.options = &lo[0].o;
	ce_registry_init(&reg);
	ce_diag_init(&d);
	CU_ASSERT_EQUAL(ce_registry_add(&reg, &p, NULL, &d), 0);
	diag_dump(&d);
	e = ce_registry_find(&reg, CE_KIND_OUTPUT, "mem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->desc.options[1].name, "second");
	CU_ASSERT_STRING_EQUAL(e->desc.options[1].def, "7");
	CU_ASSERT_EQUAL(e->desc.options[1].size, sizeof(struct ce_option));
	CU_ASSERT_PTR_NULL(e->desc.options[2].name);
	ce_registry_free(&reg);
	ce_diag_free(&d);
}

static void
without_diag_refusals_go_to_the_log(void)
{
	struct ce_plugin p = valid(CE_KIND_OUTPUT);
	struct captured log = { .n = 0 };
	struct ce_registry reg;

	p.deliver = NULL;
	ce_registry_init(&reg);
	ce_log_set_sink(capture, &log);
	CU_ASSERT_EQUAL(ce_registry_add(&reg, &p, "nodiag.c", NULL), -EINVAL);
	ce_log_set_sink(NULL, NULL);
	CU_ASSERT(captured_has(&log, "nodiag.c: ", "'deliver'"));
	ce_registry_free(&reg);
}

static void
kind_names(void)
{
	CU_ASSERT_STRING_EQUAL(ce_plugin_kind_name(CE_KIND_INPUT), "input");
	CU_ASSERT_STRING_EQUAL(ce_plugin_kind_name(CE_KIND_EVALUATOR),
	    "evaluator");
	CU_ASSERT_STRING_EQUAL(ce_plugin_kind_name(CE_KIND_OUTPUT), "output");
	CU_ASSERT_STRING_EQUAL(ce_plugin_kind_name((enum ce_plugin_kind)7),
	    "unknown");
}

static CU_TestInfo file_tests[] = {
	CE_TEST(good_plugin_loads_as_a_copy),
	CE_TEST(refuses_other_major),
	CE_TEST(refuses_newer_minor),
	CE_TEST(refuses_truncated_descriptor),
	CE_TEST(refuses_missing_callback),
	CE_TEST(refuses_unknown_kind),
	CE_TEST(refuses_object_without_symbol),
	CE_TEST(refuses_what_dlopen_cannot_open),
	CE_TEST(same_name_twice_in_one_directory_names_both_files),
	CE_TEST(earlier_directory_takes_precedence),
	CE_TEST(directory_reports_every_refusal_and_keeps_the_rest),
	CE_TEST(plugin_exports_only_the_descriptor),
	CU_TEST_INFO_NULL
};

static CU_TestInfo memory_tests[] = {
	CE_TEST(each_kind_valid_is_accepted),
	CE_TEST(each_missing_required_callback_is_named),
	CE_TEST(versions_are_checked_first),
	CE_TEST(size_smaller_than_0_1_is_truncated),
	CE_TEST(reads_nothing_beyond_size),
	CE_TEST(entry_is_a_copy),
	CE_TEST(bad_names_are_refused),
	CE_TEST(unknown_kinds_are_refused),
	CE_TEST(every_problem_is_reported),
	CE_TEST(duplicate_kind_and_name_is_refused),
	CE_TEST(malformed_option_tables_are_refused),
	CE_TEST(option_table_without_end_is_refused),
	CE_TEST(larger_option_entries_are_stepped_by_their_size),
	CE_TEST(without_diag_refusals_go_to_the_log),
	CE_TEST(kind_names),
	CU_TEST_INFO_NULL
};

int
main(void)
{
	CU_SuiteInfo suites[] = {
		{ .pName = "loader_files", .pTests = file_tests },
		{ .pName = "loader_memory", .pTests = memory_tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}

/*
 * test_core_plugins.c - the file input and the stdout output, loaded from
 * their shared objects and driven through a stub host.
 */
#include "autoconf.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "ce_test.h"
#include "cloudengine/plugin.h"

#define MAX_DOCS	32
#define MAX_OPTS	8
#define MAX_METRICS	8
#define MAX_ITEMS	8

/* ------------------------------------------------------------------ */
/* The stub host                                                       */
/* ------------------------------------------------------------------ */

struct ce_metric {
	const char	*name;
	int64_t		 value;
};

struct ce_path {
	char	*key;
};

struct ce_event {
	const char	*json;		/* event_json */
	const char	*flat;		/* event_flat_json */
	const char	*origin;
	uint64_t	 index;
	const char	*keys[MAX_ITEMS];
	struct ce_value	 values[MAX_ITEMS];
};

struct ce_delivery {
	int				 completed;
	enum ce_delivery_status		 status;
	char				 reason[256];
};

/* What one submit() received: the stream read to its end. */
struct stub_doc {
	char		*origin;
	char		*data;
	size_t		 len;
	ssize_t		 err;		/* read()'s negative result, or 0 */
	unsigned	 reads;		/* read() calls that returned bytes */
	unsigned	 flags;
	void		*cookie;
};

struct ce_instance {
	const struct ce_plugin	*plugin;
	const char		*opt_names[MAX_OPTS];
	const char		*opt_values[MAX_OPTS];	/* lists: "a,b" */
	size_t			 nopts;
	char			*lists[MAX_OPTS][MAX_ITEMS];	/* owned */
	struct ce_metric	 metrics[MAX_METRICS];
	size_t			 nmetrics;

	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct stub_doc		 docs[MAX_DOCS];
	size_t			 ndocs;
	unsigned		 submits;
	int			 submit_rc;	/* non-zero: refuse with it */
	unsigned		 finished;
	char			 log[16384];
	size_t			 loglen;
};

static void
stub_log(ce_instance *self, enum ce_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {
		[CE_LOG_ERROR] = "ERROR", [CE_LOG_WARNING] = "WARNING",
		[CE_LOG_NOTICE] = "NOTICE", [CE_LOG_INFO] = "INFO",
		[CE_LOG_DEBUG] = "DEBUG"
	};
	size_t room;
	va_list ap;
	int n;

	pthread_mutex_lock(&self->lock);
	room = sizeof(self->log) - self->loglen;
	n = snprintf(self->log + self->loglen, room, "%s ", names[level]);
	if (n > 0 && (size_t)n < room) {
		self->loglen += (size_t)n;
		room -= (size_t)n;
		va_start(ap, fmt);
		n = vsnprintf(self->log + self->loglen, room, fmt, ap);
		va_end(ap);
		if (n > 0 && (size_t)n + 1 < room) {
			self->loglen += (size_t)n;
			self->log[self->loglen++] = '\n';
			self->log[self->loglen] = '\0';
		}
	}
	pthread_mutex_unlock(&self->lock);
}

static void
stub_diag(ce_instance *self, enum ce_log_level level, const char *file,
    unsigned line, unsigned col, const char *fmt, ...)
{
	stub_log(self, level, "%s:%u:%u: diag", file, line, col);
}

static const char *
stub_instance_name(ce_instance *self)
{
	return self->plugin->name;
}

static const char *
stub_opt_value(ce_instance *self, const struct ce_option *opt)
{
	size_t i;

	for (i = 0; i < self->nopts; i++)
		if (strcmp(self->opt_names[i], opt->name) == 0)
			return self->opt_values[i];
	return opt->def;
}

/* Fill one member the way the host does (plugin.h, "Options"). */
static int
stub_apply_one(ce_instance *self, const struct ce_option *opt, size_t slot,
    const char *v, char *conf)
{
	struct ce_strlist *l;
	char *copy, *tok, *save;
	size_t i;

	switch (opt->type) {
	case CE_OPT_STRING:
	case CE_OPT_SECRET:
		*(const char **)(conf + opt->offset) = v;
		return 0;
	case CE_OPT_BOOLEAN:
		*(int *)(conf + opt->offset) = strcmp(v, "true") == 0;
		return 0;
	case CE_OPT_ENUM:
		for (i = 0; opt->choices[i] != NULL; i++)
			if (strcmp(opt->choices[i], v) == 0) {
				*(int *)(conf + opt->offset) = (int)i;
				return 0;
			}
		return -EINVAL;
	case CE_OPT_STRING_LIST:
		l = (struct ce_strlist *)(conf + opt->offset);
		if ((copy = strdup(v)) == NULL)
			return -ENOMEM;
		i = 0;
		for (tok = strtok_r(copy, ",", &save); tok != NULL &&
		    i < MAX_ITEMS; tok = strtok_r(NULL, ",", &save))
			self->lists[slot][i++] = strdup(tok);
		free(copy);
		l->n = i;
		l->items = (const char *const *)self->lists[slot];
		return 0;
	default:
		return -EINVAL;
	}
}

static int
stub_conf_apply(ce_instance *self, void *conf)
{
	const struct ce_option *opt = self->plugin->options;
	size_t slot = 0, i, known = 0;
	const char *v;
	int rc;

	for (; opt->name != NULL; slot++,
	    opt = (const void *)((const char *)opt + opt->size)) {
		for (i = 0; i < self->nopts; i++)
			known += strcmp(self->opt_names[i], opt->name) == 0;
		if ((v = stub_opt_value(self, opt)) == NULL) {
			if (opt->flags & CE_OPT_REQUIRED)
				return -EINVAL;
			continue;
		}
		if ((rc = stub_apply_one(self, opt, slot, v, conf)) < 0)
			return rc;
	}
	/* Every option the test set must be in the plugin's table. */
	return known == self->nopts ? 0 : -EINVAL;
}

static ce_metric *
stub_metric_new(ce_instance *self, const char *name, const char *help)
{
	ce_metric *m;

	if (self->nmetrics == MAX_METRICS)
		return NULL;
	m = &self->metrics[self->nmetrics++];
	m->name = name;
	m->value = 0;
	return m;
}

static void
stub_metric_add(ce_metric *m, int64_t delta)
{
	__atomic_add_fetch(&m->value, delta, __ATOMIC_SEQ_CST);
}

static void
stub_metric_set(ce_metric *m, int64_t value)
{
	__atomic_store_n(&m->value, value, __ATOMIC_SEQ_CST);
}

/* Read the whole stream here, on the input's thread, with a small
 * buffer so that a file takes many reads. */
static void
stub_drain(const struct ce_document *doc, struct stub_doc *d)
{
	char buf[1000], *grown;
	size_t cap = 0;
	ssize_t n;

	while ((n = doc->read(doc->stream, buf, sizeof(buf))) > 0) {
		if (cap - d->len < (size_t)n + 1) {
			cap = cap ? cap * 2 : 4096;
			if ((grown = realloc(d->data, cap)) == NULL)
				abort();
			d->data = grown;
		}
		memcpy(d->data + d->len, buf, (size_t)n);
		d->len += (size_t)n;
		d->data[d->len] = '\0';
		d->reads++;
	}
	d->err = n;
}

static int
stub_submit(ce_instance *self, const struct ce_document *doc)
{
	struct stub_doc *d;
	int rc = 0;

	pthread_mutex_lock(&self->lock);
	self->submits++;
	if (self->submit_rc != 0 || self->ndocs == MAX_DOCS) {
		rc = self->submit_rc != 0 ? self->submit_rc : -ENOMEM;
		pthread_mutex_unlock(&self->lock);
		doc->close(doc->stream);
		return rc;
	}
	d = &self->docs[self->ndocs++];
	pthread_mutex_unlock(&self->lock);

	d->origin = strdup(doc->origin != NULL ? doc->origin : "(null)");
	d->flags = doc->flags;
	d->cookie = doc->cookie;
	if (doc->data != NULL || doc->read == NULL)
		d->err = -EINVAL;	/* the file input always streams */
	else
		stub_drain(doc, d);
	doc->close(doc->stream);
	return 0;
}

static void
stub_finished(ce_instance *self)
{
	pthread_mutex_lock(&self->lock);
	self->finished++;
	pthread_cond_broadcast(&self->cond);
	pthread_mutex_unlock(&self->lock);
}

static ce_path *
stub_path_compile(const char *key, size_t keylen, char *err, size_t errlen)
{
	ce_path *p = malloc(sizeof(*p));

	if (p == NULL || (p->key = strndup(key, keylen)) == NULL) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return p;
}

static void
stub_path_free(ce_path *path)
{
	free(path->key);
	free(path);
}

static enum ce_value_type
stub_event_get(const ce_event *ev, const ce_path *path, struct ce_value *out)
{
	uint32_t size = out->size;
	size_t i;

	for (i = 0; i < MAX_ITEMS && ev->keys[i] != NULL; i++)
		if (strcmp(ev->keys[i], path->key) == 0) {
			*out = ev->values[i];
			out->size = size;
			return out->type;
		}
	*out = (struct ce_value){ .size = size, .type = CE_VALUE_MISSING };
	return CE_VALUE_MISSING;
}

static const char *
stub_event_json(const ce_event *ev, size_t *len)
{
	*len = strlen(ev->json);
	return ev->json;
}

static const char *
stub_event_flat_json(const ce_event *ev, size_t *len)
{
	*len = strlen(ev->flat);
	return ev->flat;
}

static const char *
stub_event_origin(const ce_event *ev, uint64_t *index)
{
	if (index != NULL)
		*index = ev->index;
	return ev->origin;
}

static void
stub_complete(ce_delivery *d, enum ce_delivery_status status,
    int64_t retry_after_ms, const char *reason)
{
	d->completed++;
	d->status = status;
	snprintf(d->reason, sizeof(d->reason), "%s",
	    reason != NULL ? reason : "");
}

static const struct ce_host stub_host = {
	.abi_major = CE_PLUGIN_ABI_MAJOR,
	.abi_minor = CE_PLUGIN_ABI_MINOR,
	.size = sizeof(struct ce_host),
	.log = stub_log,
	.diag = stub_diag,
	.instance_name = stub_instance_name,
	.conf_apply = stub_conf_apply,
	.metric_new = stub_metric_new,
	.metric_add = stub_metric_add,
	.metric_set = stub_metric_set,
	.submit = stub_submit,
	.finished = stub_finished,
	.path_compile = stub_path_compile,
	.path_free = stub_path_free,
	.event_get = stub_event_get,
	.event_json = stub_event_json,
	.event_flat_json = stub_event_flat_json,
	.event_origin = stub_event_origin,
	.complete = stub_complete,
};

static void
stub_init(ce_instance *self, const struct ce_plugin *plugin)
{
	memset(self, 0, sizeof(*self));
	self->plugin = plugin;
	pthread_mutex_init(&self->lock, NULL);
	pthread_cond_init(&self->cond, NULL);
}

static void
stub_opt(ce_instance *self, const char *name, const char *value)
{
	self->opt_names[self->nopts] = name;
	self->opt_values[self->nopts++] = value;
}

static void
stub_free(ce_instance *self)
{
	size_t i, j;

	for (i = 0; i < self->ndocs; i++) {
		free(self->docs[i].origin);
		free(self->docs[i].data);
	}
	for (i = 0; i < MAX_OPTS; i++)
		for (j = 0; j < MAX_ITEMS; j++)
			free(self->lists[i][j]);
	pthread_mutex_destroy(&self->lock);
	pthread_cond_destroy(&self->cond);
}

static int64_t
stub_metric(ce_instance *self, const char *name)
{
	size_t i;

	for (i = 0; i < self->nmetrics; i++)
		if (strcmp(self->metrics[i].name, name) == 0)
			return __atomic_load_n(&self->metrics[i].value,
			    __ATOMIC_SEQ_CST);
	return -1;
}

/* Wait (bounded, without sleeping blindly) for the input to finish. */
static int
stub_wait_finished(ce_instance *self)
{
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 20;
	pthread_mutex_lock(&self->lock);
	while (self->finished == 0 && rc == 0)
		rc = pthread_cond_timedwait(&self->cond, &self->lock,
		    &deadline);
	pthread_mutex_unlock(&self->lock);
	return self->finished;
}

/* ------------------------------------------------------------------ */
/* Plugins and files                                                   */
/* ------------------------------------------------------------------ */

static void *dl_in_file, *dl_out_stdout;
static const struct ce_plugin *in_file, *out_stdout;
static char tmpdir[256];

static const struct ce_plugin *
load_plugin(const char *name, void **handle)
{
	const char *dir = getenv("CE_TOP_BUILDDIR");
	const struct ce_plugin *p;
	char path[4096];

	if (dir == NULL) {
		fprintf(stderr, "CE_TOP_BUILDDIR is not set: run through "
		    "make check\n");
		exit(99);
	}
	snprintf(path, sizeof(path), "%s/plugins/.libs/%s.so", dir, name);
	if ((*handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		exit(99);
	}
	p = dlsym(*handle, CE_PLUGIN_SYMBOL);
	if (p == NULL) {
		fprintf(stderr, "%s: no %s\n", path, CE_PLUGIN_SYMBOL);
		exit(99);
	}
	return p;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
suite_init(void)
{
	const char *t = getenv("TMPDIR");

	in_file = load_plugin("in_file", &dl_in_file);
	out_stdout = load_plugin("out_stdout", &dl_out_stdout);
	snprintf(tmpdir, sizeof(tmpdir), "%s/ce-core-plugins-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
suite_clean(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	dlclose(dl_in_file);
	dlclose(dl_out_stdout);
	return 0;
}

/* tmpdir/rel, made with the given bytes; returns the malloc'd path. */
static char *
put_file(const char *rel, const char *data, size_t len)
{
	char *path;
	FILE *fp;

	if (asprintf(&path, "%s/%s", tmpdir, rel) < 0)
		return NULL;
	fp = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, fp), len);
	fclose(fp);
	return path;
}

static char *
put_dir(const char *rel)
{
	char *path;

	if (asprintf(&path, "%s/%s", tmpdir, rel) < 0)
		return NULL;
	CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
	return path;
}

static void
put_str(const char *rel, const char *data)
{
	free(put_file(rel, data, strlen(data)));
}

/* Run one file input over the instance's options to its end; returns
 * its state, stopped but not destroyed (documents are still to settle). */
static void *
run_input(ce_instance *self)
{
	void *state = NULL;

	CU_ASSERT_EQUAL_FATAL(in_file->init(self, &stub_host, &state), 0);
	CU_ASSERT_EQUAL(in_file->start(state), 0);
	CU_ASSERT_EQUAL(stub_wait_finished(self), 1);
	in_file->stop(state);
	CU_ASSERT_EQUAL(self->finished, 1);
	return state;
}

/* Settle every recorded document as the host would, then destroy. */
static void
settle_all(ce_instance *self, void *state, enum ce_doc_status status,
    const char *reason)
{
	struct ce_outcome out = { .size = sizeof(out), .status = status,
	    .records = 3, .failed = 1, .skipped = 2, .reason = reason };
	size_t i;

	for (i = 0; i < self->ndocs; i++)
		in_file->done(state, self->docs[i].cookie, &out);
	in_file->destroy(state);
}

static int
origin_is(const struct stub_doc *d, const char *rel)
{
	char want[512];

	snprintf(want, sizeof(want), "%s/%s", tmpdir, rel);
	return d->origin != NULL && strcmp(d->origin, want) == 0;
}

/* ------------------------------------------------------------------ */
/* The file input                                                      */
/* ------------------------------------------------------------------ */

static void
test_plugin_descriptors(void)
{
	CU_ASSERT_EQUAL(in_file->abi_major, CE_PLUGIN_ABI_MAJOR);
	CU_ASSERT(in_file->abi_minor <= CE_PLUGIN_ABI_MINOR);
	CU_ASSERT_EQUAL(in_file->size, sizeof(struct ce_plugin));
	CU_ASSERT_EQUAL(in_file->kind, CE_KIND_INPUT);
	CU_ASSERT_STRING_EQUAL(in_file->name, "file");
	CU_ASSERT_PTR_NOT_NULL(in_file->start);
	CU_ASSERT_PTR_NOT_NULL(in_file->stop);
	CU_ASSERT_PTR_NOT_NULL(in_file->done);
	CU_ASSERT_EQUAL(out_stdout->kind, CE_KIND_OUTPUT);
	CU_ASSERT_STRING_EQUAL(out_stdout->name, "stdout");
	CU_ASSERT_PTR_NOT_NULL(out_stdout->deliver);
	/* Nothing but the descriptor is exported. */
	CU_ASSERT_PTR_NULL(dlsym(dl_in_file, "in_file_options"));
	CU_ASSERT_PTR_NULL(dlsym(dl_out_stdout, "out_stdout_deliver"));
}

static void
test_file_requires_paths(void)
{
	ce_instance self;
	void *state = NULL;

	stub_init(&self, in_file);
	CU_ASSERT(in_file->init(&self, &stub_host, &state) < 0);
	stub_free(&self);
}

static void
test_file_directory_sorted(void)
{
	ce_instance self;
	void *state;
	char *dir = put_dir("sorted");

	put_str("sorted/b.json", "{\"b\":1}");
	put_str("sorted/a.json", "{\"a\":1}");
	put_str("sorted/C.json", "{\"C\":1}");
	put_str("sorted/.hidden.json", "{\"hidden\":1}");
	free(put_dir("sorted/sub"));
	put_str("sorted/sub/x.json", "{\"x\":1}");

	stub_init(&self, in_file);
	stub_opt(&self, "paths", dir);
	state = run_input(&self);
	/* Bytewise order, dot-files and subdirectories left out. */
	CU_ASSERT_EQUAL_FATAL(self.ndocs, 3);
	CU_ASSERT(origin_is(&self.docs[0], "sorted/C.json"));
	CU_ASSERT(origin_is(&self.docs[1], "sorted/a.json"));
	CU_ASSERT(origin_is(&self.docs[2], "sorted/b.json"));
	CU_ASSERT_STRING_EQUAL(self.docs[1].data, "{\"a\":1}");
	CU_ASSERT_EQUAL(self.docs[1].err, 0);
	CU_ASSERT_EQUAL(self.docs[1].flags, 0);
	CU_ASSERT_EQUAL(stub_metric(&self, "files"), 3);

	settle_all(&self, state, CE_DOC_OK, NULL);
	CU_ASSERT_EQUAL(stub_metric(&self, "failed"), 0);
	CU_ASSERT_PTR_NULL(strstr(self.log, "WARNING"));
	stub_free(&self);
	free(dir);
}

static void
test_file_recursive_lines(void)
{
	ce_instance self;
	char *dir = put_dir("rec"), *loop;
	void *state = NULL;

	put_str("rec/a.ndjson", "{\"a\":1}\n{\"a\":2}\n");
	free(put_dir("rec/m"));
	put_str("rec/m/y.json", "{}");
	free(put_dir("rec/m/deep"));
	put_str("rec/m/deep/z.json", "[]");
	put_str("rec/z.json", "{}");
	/* A symlink back up must not send the walk round in circles. */
	if (asprintf(&loop, "%s/rec/m/deep/up", tmpdir) > 0) {
		CU_ASSERT_EQUAL(symlink("../..", loop), 0);
		free(loop);
	}

	stub_init(&self, in_file);
	/* A trailing '/' is not doubled in origins. */
	if (asprintf(&loop, "%s/", dir) > 0) {
		stub_opt(&self, "paths", loop);
		stub_opt(&self, "recursive", "true");
		stub_opt(&self, "lines", "true");
		state = run_input(&self);
		free(loop);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(state);
	CU_ASSERT_EQUAL_FATAL(self.ndocs, 4);
	CU_ASSERT(origin_is(&self.docs[0], "rec/a.ndjson"));
	CU_ASSERT(origin_is(&self.docs[1], "rec/m/deep/z.json"));
	CU_ASSERT(origin_is(&self.docs[2], "rec/m/y.json"));
	CU_ASSERT(origin_is(&self.docs[3], "rec/z.json"));
	CU_ASSERT_EQUAL(self.docs[0].flags, CE_DOC_LINES);
	CU_ASSERT_STRING_EQUAL(self.docs[0].data, "{\"a\":1}\n{\"a\":2}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(self.log, "loop"));
	settle_all(&self, state, CE_DOC_OK, NULL);
	stub_free(&self);
	free(dir);
}

/* A large file arrives through many reads, byte for byte. */
static void
test_file_streams_large_file(void)
{
	const size_t len = 3 * 1024 * 1024 + 17;
	ce_instance self;
	char *data = malloc(len), *path;
	void *state;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	for (i = 0; i < len; i++)
		data[i] = (char)('a' + (i * 7 + i / 1000) % 26);
	path = put_file("large.json", data, len);

	stub_init(&self, in_file);
	stub_opt(&self, "paths", path);
	state = run_input(&self);
	CU_ASSERT_EQUAL_FATAL(self.ndocs, 1);
	CU_ASSERT_STRING_EQUAL(self.docs[0].origin, path);
	CU_ASSERT_EQUAL(self.docs[0].len, len);
	CU_ASSERT(self.docs[0].reads > 1);
	CU_ASSERT(self.docs[0].data != NULL &&
	    memcmp(self.docs[0].data, data, len) == 0);
	settle_all(&self, state, CE_DOC_OK, NULL);
	stub_free(&self);
	free(path);
	free(data);
}

/* A missing path is logged, handed over as a failing document, and the
 * other paths are still read. */
static void
test_file_missing_path(void)
{
	ce_instance self;
	char *missing, *ok = put_file("present.json", "{}", 2), *list;
	void *state;

	if (asprintf(&missing, "%s/no-such-file.json", tmpdir) < 0 ||
	    asprintf(&list, "%s,%s", missing, ok) < 0)
		CU_FAIL_FATAL("asprintf");
	stub_init(&self, in_file);
	stub_opt(&self, "paths", list);
	state = run_input(&self);
	CU_ASSERT_EQUAL_FATAL(self.ndocs, 2);
	CU_ASSERT_STRING_EQUAL(self.docs[0].origin, missing);
	CU_ASSERT_EQUAL(self.docs[0].err, -ENOENT);
	CU_ASSERT_EQUAL(self.docs[0].len, 0);
	CU_ASSERT_STRING_EQUAL(self.docs[1].origin, ok);
	CU_ASSERT_EQUAL(self.docs[1].err, 0);
	CU_ASSERT_STRING_EQUAL(self.docs[1].data, "{}");
	CU_ASSERT_PTR_NOT_NULL(strstr(self.log, "ERROR"));
	CU_ASSERT_PTR_NOT_NULL(strstr(self.log, missing));
	CU_ASSERT_PTR_NOT_NULL(strstr(self.log, "No such file"));

	/* Failed outcomes: one warning, for the document not yet reported,
	 * with its counts and reason; both count as failed. */
	self.loglen = 0;
	self.log[0] = '\0';
	settle_all(&self, state, CE_DOC_FAILED, "an alert was not delivered");
	CU_ASSERT_EQUAL(stub_metric(&self, "failed"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(self.log, ok));
	CU_ASSERT_PTR_NOT_NULL(strstr(self.log, "an alert was not delivered"));
	CU_ASSERT_PTR_NOT_NULL(strstr(self.log,
	    "3 records, 1 failed, 2 skipped, 0 alerts"));
	CU_ASSERT_PTR_NULL(strstr(self.log, missing));
	stub_free(&self);
	free(missing);
	free(ok);
	free(list);
}

/* When the host refuses (shutting down), nothing more is submitted but
 * the input still reports that it has finished. */
static void
test_file_cancelled(void)
{
	ce_instance self;
	char *dir = put_dir("cancel");
	void *state;

	put_str("cancel/1.json", "{}");
	put_str("cancel/2.json", "{}");
	stub_init(&self, in_file);
	stub_opt(&self, "paths", dir);
	self.submit_rc = -ECANCELED;
	state = run_input(&self);
	CU_ASSERT_EQUAL(self.submits, 1);
	CU_ASSERT_EQUAL(self.ndocs, 0);
	CU_ASSERT_EQUAL(stub_metric(&self, "files"), 0);
	settle_all(&self, state, CE_DOC_OK, NULL);
	stub_free(&self);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* The stdout output                                                   */
/* ------------------------------------------------------------------ */

static const char *const test_tags[] = { "ec2", "network" };

static void
make_event(ce_event *ev)
{
	static const char *const keys[] = {
		"eventID", "eventSource", "eventName", "awsRegion",
		"recipientAccountId"
	};
	static const char *const strs[] = {
		"6c2a2e7c-1c5f-4c1e-9a3e-0123456789ab", "ec2.amazonaws.com",
		"AuthorizeSecurityGroupIngress", "us-east-1"
	};
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->json = "{\"eventID\":\"6c2a2e7c\",\"n\":1.50}";
	ev->flat = "{\"eventID\":\"6c2a2e7c\",\"userIdentity.arn\":"
	    "\"arn:aws:iam::123456789012:user/user@company.com\"}";
	ev->origin = "examples/events/x.json";
	ev->index = 7;
	for (i = 0; i < 5; i++) {
		ev->keys[i] = keys[i];
		ev->values[i].size = sizeof(struct ce_value);
		if (i < 4) {
			ev->values[i].type = CE_VALUE_STRING;
			ev->values[i].str = strs[i];
			ev->values[i].len = strlen(strs[i]);
		}
	}
	/* A number keeps its lexeme (eventTime is left missing). */
	ev->values[4].type = CE_VALUE_INTEGER;
	ev->values[4].str = "123456789012";
	ev->values[4].len = 12;
}

static void
make_alert(struct ce_alert *a, const ce_event *ev, const char *rule)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->rule = rule;
	a->severity = "high";
	a->description = "Someone opened a security group";
	a->tags = test_tags;
	a->ntags = 2;
	a->key = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	a->called_as = "DatadogAlertService";
	a->summary = "user@company.com called AuthorizeSecurityGroupIngress";
	a->event = ev;
	a->attempt = 1;
}

/*
 * Deliver n alerts (n rules) with standard output sent to a file, and
 * return what was written.  event_opt NULL keeps the default.
 */
static char *
deliver_captured(const char *event_opt, const char *const *rules, size_t n,
    ce_delivery *ds)
{
	char path[512], *out;
	ce_instance self;
	struct ce_alert a;
	ce_event ev;
	void *state = NULL;
	int fd, saved;
	size_t i;

	stub_init(&self, out_stdout);
	if (event_opt != NULL)
		stub_opt(&self, "event", event_opt);
	CU_ASSERT_EQUAL_FATAL(out_stdout->init(&self, &stub_host, &state), 0);
	make_event(&ev);
	snprintf(path, sizeof(path), "%s/stdout-XXXXXX", tmpdir);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	for (i = 0; i < n; i++) {
		make_alert(&a, &ev, rules[i]);
		out_stdout->deliver(state, &a, &ds[i]);
	}
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	out = ce_test_slurp(path, NULL);
	unlink(path);
	CU_ASSERT_EQUAL(stub_metric(&self, "lines"), (int64_t)n);
	out_stdout->destroy(state);
	stub_free(&self);
	return out;
}

static json_object *
parse_line(const char *line, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static const char *
member(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
test_stdout_line_fields(void)
{
	static const char *const rules[] = {
		"ec2.amazonaws.com: Test Alert - Someone is Changing security group",
		"second"
	};
	ce_delivery ds[2] = { { 0 } };
	json_object *obj, *v;
	char *out = deliver_captured(NULL, rules, 2, ds), *nl;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(ds[0].completed, 1);
	CU_ASSERT_EQUAL(ds[0].status, CE_DELIVERY_OK);
	CU_ASSERT_EQUAL(ds[1].completed, 1);
	nl = strchr(out, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
	/* Exactly two lines. */
	CU_ASSERT(strchr(nl + 1, '\n') != NULL &&
	    strchr(nl + 1, '\n')[1] == '\0');
	obj = parse_line(out, (size_t)(nl - out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT_STRING_EQUAL(member(obj, "rule"), rules[0]);
	CU_ASSERT_STRING_EQUAL(member(obj, "severity"), "high");
	CU_ASSERT_STRING_EQUAL(member(obj, "output"), "DatadogAlertService");
	CU_ASSERT_STRING_EQUAL(member(obj, "eventID"),
	    "6c2a2e7c-1c5f-4c1e-9a3e-0123456789ab");
	CU_ASSERT_STRING_EQUAL(member(obj, "eventSource"), "ec2.amazonaws.com");
	CU_ASSERT_STRING_EQUAL(member(obj, "eventName"),
	    "AuthorizeSecurityGroupIngress");
	CU_ASSERT_STRING_EQUAL(member(obj, "awsRegion"), "us-east-1");
	CU_ASSERT_STRING_EQUAL(member(obj, "description"),
	    "Someone opened a security group");
	CU_ASSERT_STRING_EQUAL(member(obj, "origin"), "examples/events/x.json");
	CU_ASSERT_PTR_NOT_NULL(member(obj, "key"));
	CU_ASSERT_PTR_NOT_NULL(member(obj, "summary"));
	CU_ASSERT_PTR_NULL(member(obj, "runbook"));
	/* A missing member is null, a number stays a number. */
	CU_ASSERT(json_object_object_get_ex(obj, "eventTime", &v) && v == NULL);
	CU_ASSERT(strstr(out, "\"recipientAccountId\":123456789012,") != NULL);
	CU_ASSERT(json_object_object_get_ex(obj, "tags", &v) &&
	    json_object_array_length(v) == 2);
	CU_ASSERT(json_object_object_get_ex(obj, "event", &v) &&
	    json_object_is_type(v, json_type_object));
	CU_ASSERT_STRING_EQUAL(member(v, "userIdentity.arn"),
	    "arn:aws:iam::123456789012:user/user@company.com");
	json_object_put(obj);
	free(out);
}

static void
test_stdout_event_modes(void)
{
	static const char *const rules[] = { "r" };
	ce_delivery d = { 0 };
	json_object *obj, *v;
	char *out;

	out = deliver_captured("record", rules, 1, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	obj = parse_line(out, strlen(out) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT(json_object_object_get_ex(obj, "event", &v));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"event\":{\"eventID\":\"6c2a2e7c\","
	    "\"n\":1.50}}"));
	json_object_put(obj);
	free(out);

	out = deliver_captured("none", rules, 1, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	obj = parse_line(out, strlen(out) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT_FALSE(json_object_object_get_ex(obj, "event", NULL));
	json_object_put(obj);
	free(out);
}

/* Quotes, backslashes and controls escaped, '/' left alone, invalid
 * UTF-8 replaced: the line stays one valid JSON text. */
static void
test_stdout_escaping(void)
{
	static const char *const rules[] = {
		"a \"q\" \\ b/c\nd\x01\x1f\t \xff\xc3\xa9 \xe2\x80\xa8 "
		"\xed\xa0\x80 \xf0\x9f\x98\x80 \xe2\x82"
	};
	static const char want[] =
		"a \"q\" \\ b/c\nd\x01\x1f\t \xef\xbf\xbd\xc3\xa9 \xe2\x80\xa8 "
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80 "
		"\xef\xbf\xbd\xef\xbf\xbd";
	ce_delivery d = { 0 };
	json_object *obj;
	char *out = deliver_captured("none", rules, 1, &d);

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(strchr(out, '\n') - out, (long)strlen(out) - 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "b/c\\nd\\u0001\\u001f\\t"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\\u2028"));
	CU_ASSERT_PTR_NULL(strstr(out, "\\/"));
	obj = parse_line(out, strlen(out) - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT_STRING_EQUAL(member(obj, "rule"), want);
	json_object_put(obj);
	free(out);
}

/* Deliver one alert with standard output on fd; returns the delivery.
 * flat replaces the event's flattened map when not NULL. */
static ce_delivery
deliver_to_fd(int fd, const char *flat)
{
	static const char *const rule = "r";
	ce_delivery d = { 0 };
	ce_instance self;
	struct ce_alert a;
	ce_event ev;
	void *state = NULL;
	int saved;

	stub_init(&self, out_stdout);
	CU_ASSERT_EQUAL(out_stdout->init(&self, &stub_host, &state), 0);
	make_event(&ev);
	if (flat != NULL)
		ev.flat = flat;
	make_alert(&a, &ev, rule);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	out_stdout->deliver(state, &a, &d);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	CU_ASSERT_EQUAL(stub_metric(&self, "errors"), d.status != CE_DELIVERY_OK);
	out_stdout->destroy(state);
	stub_free(&self);
	return d;
}

static void
test_stdout_write_errors(void)
{
	char fill[4096];
	ce_delivery d;
	int p[2];

	memset(fill, 'x', sizeof(fill));
	/* A full non-blocking pipe: may drain later, so retry. */
	CU_ASSERT_FATAL(pipe(p) == 0);
	fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
	while (write(p[1], fill, sizeof(fill)) > 0)
		;
	d = deliver_to_fd(p[1], NULL);
	CU_ASSERT_EQUAL(d.completed, 1);
	CU_ASSERT_EQUAL(d.status, CE_DELIVERY_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.reason, "standard output"));
	close(p[0]);

	/* Nobody reading any more: that will not get better. */
	d = deliver_to_fd(p[1], NULL);
	CU_ASSERT_EQUAL(d.completed, 1);
	CU_ASSERT_EQUAL(d.status, CE_DELIVERY_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.reason, "Broken pipe"));
	close(p[1]);
}

/* Reads a pipe to its end, as a slow consumer of standard output. */
struct drain {
	int	 fd;
	char	*data;
	size_t	 len;
};

static void *
drain_pipe(void *arg)
{
	struct drain *dr = arg;
	char buf[512], *grown;
	ssize_t n;

	while ((n = read(dr->fd, buf, sizeof(buf))) > 0) {
		if ((grown = realloc(dr->data, dr->len + (size_t)n + 1)) == NULL)
			abort();
		dr->data = grown;
		memcpy(dr->data + dr->len, buf, (size_t)n);
		dr->len += (size_t)n;
		dr->data[dr->len] = '\0';
	}
	return NULL;
}

/* A line far larger than the pipe, on a non-blocking descriptor: it goes
 * out in pieces, waiting for the reader, and arrives whole. */
static void
test_stdout_partial_writes(void)
{
	const size_t big = 512 * 1024;
	struct drain dr = { 0 };
	char *flat = malloc(big + 16);
	json_object *obj, *v;
	pthread_t reader;
	ce_delivery d;
	int p[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(flat);
	memcpy(flat, "{\"k\":\"", 6);
	memset(flat + 6, 'y', big);
	memcpy(flat + 6 + big, "\"}", 3);
	CU_ASSERT_FATAL(pipe(p) == 0);
	fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
	dr.fd = p[0];
	CU_ASSERT_FATAL(pthread_create(&reader, NULL, drain_pipe, &dr) == 0);
	d = deliver_to_fd(p[1], flat);
	close(p[1]);
	pthread_join(reader, NULL);
	close(p[0]);
	CU_ASSERT_EQUAL(d.completed, 1);
	CU_ASSERT_EQUAL(d.status, CE_DELIVERY_OK);
	CU_ASSERT_FATAL(dr.len > big && dr.data[dr.len - 1] == '\n');
	CU_ASSERT_PTR_EQUAL(strchr(dr.data, '\n'), dr.data + dr.len - 1);
	obj = parse_line(dr.data, dr.len - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
	CU_ASSERT(json_object_object_get_ex(obj, "event", &v) &&
	    json_object_object_get_ex(v, "k", &v) &&
	    json_object_get_string_len(v) == (int)big);
	json_object_put(obj);
	free(dr.data);
	free(flat);
}

static CU_TestInfo file_tests[] = {
	CE_TEST(test_plugin_descriptors),
	CE_TEST(test_file_requires_paths),
	CE_TEST(test_file_directory_sorted),
	CE_TEST(test_file_recursive_lines),
	CE_TEST(test_file_streams_large_file),
	CE_TEST(test_file_missing_path),
	CE_TEST(test_file_cancelled),
	CU_TEST_INFO_NULL
};

static CU_TestInfo stdout_tests[] = {
	CE_TEST(test_stdout_line_fields),
	CE_TEST(test_stdout_event_modes),
	CE_TEST(test_stdout_escaping),
	CE_TEST(test_stdout_write_errors),
	CE_TEST(test_stdout_partial_writes),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ "in_file", NULL, NULL, NULL, NULL, file_tests },
	{ "out_stdout", NULL, NULL, NULL, NULL, stdout_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	int rc;

	/* A write to a closed pipe must fail with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (suite_init() < 0) {
		perror("mkdtemp");
		return 99;
	}
	rc = ce_test_main(suites);
	suite_clean();
	return rc;
}

/*
 * in_file.c - the `file` input: streams files, directories and standard
 * input to the host as documents, then reports that it has finished.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloudengine/plugin.h"

struct in_file_conf {
	struct ce_strlist	 paths;
	int			 lines;
	int			 recursive;
};

struct in_file {
	ce_instance		*self;
	const struct ce_host	*host;
	struct in_file_conf	 conf;
	ce_metric		*m_files;	/* documents submitted */
	ce_metric		*m_failed;	/* documents not fully processed */
	pthread_t		 thread;
	int			 started;
	atomic_int		 stopping;
};

/* The stream behind one document.  fd < 0 stands for a path that could
 * not be opened: reading it fails with err, so the host settles the
 * document as failed and the exit status shows it. */
struct in_file_stream {
	int	fd;
	int	owned;		/* close fd at the end (not for stdin) */
	int	err;
};

/* Handed back to done(). */
struct in_file_doc {
	int	logged;		/* the failure was already reported */
	char	origin[];
};

/* A directory on the way down, to refuse symlink loops. */
struct in_file_dir {
	dev_t				 dev;
	ino_t				 ino;
	const struct in_file_dir	*up;
};

static const struct ce_option in_file_options[] = {
	{ CE_OPTION_HEADER, .name = "paths", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct in_file_conf, paths),
	  .help = "files and directories to read, \"-\" for standard input" },
	{ CE_OPTION_HEADER, .name = "lines", .type = CE_OPT_BOOLEAN,
	  .def = "false", .offset = offsetof(struct in_file_conf, lines),
	  .help = "read every file as NDJSON, one record per line" },
	{ CE_OPTION_HEADER, .name = "recursive", .type = CE_OPT_BOOLEAN,
	  .def = "false", .offset = offsetof(struct in_file_conf, recursive),
	  .help = "descend into subdirectories of configured directories" },
	CE_OPTIONS_END
};

static void
in_file_count(struct in_file *f, ce_metric *m)
{
	if (m != NULL)
		f->host->metric_add(m, 1);
}

static ssize_t
in_file_stream_read(void *stream, void *buf, size_t cap)
{
	struct in_file_stream *s = stream;
	ssize_t n;

	if (s->fd < 0)
		return -s->err;
	do
		n = read(s->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void
in_file_stream_close(void *stream)
{
	struct in_file_stream *s = stream;

	if (s->owned && s->fd >= 0)
		close(s->fd);
	free(s);
}

/*
 * Submit one document over fd (or, when fd < 0, one that fails with err).
 * The host owns the stream from here on, even when submit() fails.
 * Returns submit()'s result.
 */
static int
in_file_submit(struct in_file *f, const char *origin, int fd, int owned,
    int err)
{
	struct ce_document doc = { .size = sizeof(doc) };
	struct in_file_stream *s;
	struct in_file_doc *cookie;
	size_t len = strlen(origin);
	int rc;

	s = malloc(sizeof(*s));
	cookie = malloc(sizeof(*cookie) + len + 1);
	if (s == NULL || cookie == NULL) {
		CE_ERROR(f->host, f->self, "%s: out of memory", origin);
		if (owned && fd >= 0)
			close(fd);
		free(s);
		free(cookie);
		return -ENOMEM;
	}
	*s = (struct in_file_stream){ .fd = fd, .owned = owned, .err = err };
	cookie->logged = fd < 0;
	memcpy(cookie->origin, origin, len + 1);

	doc.origin = origin;
	doc.read = in_file_stream_read;
	doc.close = in_file_stream_close;
	doc.stream = s;
	doc.cookie = cookie;
	doc.flags = f->conf.lines ? CE_DOC_LINES : 0;
	rc = f->host->submit(f->self, &doc);
	if (rc < 0) {
		/* done() will not come for it. */
		free(cookie);
		if (rc != -ECANCELED)
			CE_ERROR(f->host, f->self, "%s: cannot submit: %s",
			    origin, strerror(-rc));
		in_file_count(f, f->m_failed);
		return rc;
	}
	if (fd >= 0)
		in_file_count(f, f->m_files);
	return 0;
}

/* A path that cannot be read is logged here and still goes to the host
 * as a failing document, so it counts in the run's outcome. */
static int
in_file_fail(struct in_file *f, const char *path, int err)
{
	CE_ERROR(f->host, f->self, "%s: %s", path, strerror(err));
	return in_file_submit(f, path, -1, 0, err);
}

static int
in_file_open(struct in_file *f, const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0)
		return in_file_submit(f, "<stdin>", STDIN_FILENO, 0, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return in_file_fail(f, path, errno);
	return in_file_submit(f, path, fd, 1, 0);
}

static int
in_file_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
in_file_names_free(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

/* The entries of an open directory, dot-files left out, sorted bytewise
 * so the order never depends on the file system or the locale. */
static int
in_file_names(DIR *dir, char ***out, size_t *nout)
{
	char **names = NULL, **grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = -ENOMEM;

	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(names, cap * sizeof(*names));
			if (grown == NULL)
				goto fail;
			names = grown;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto fail;
		n++;
	}
	if (errno != 0) {
		rc = -errno;
		goto fail;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), in_file_cmp);
	*out = names;
	*nout = n;
	return 0;
fail:
	in_file_names_free(names, n);
	return rc;
}

static char *
in_file_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] == '/';
	char *p = malloc(dl + !slash + nl + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, dir, dl);
	if (!slash)
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

static int in_file_dir(struct in_file *f, const char *path,
    const struct stat *st, const struct in_file_dir *up);

/* One entry found inside a directory: regular files are read,
 * subdirectories only when recursive, anything else is left alone. */
static int
in_file_entry(struct in_file *f, const char *path,
    const struct in_file_dir *up)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return in_file_fail(f, path, errno);
	if (S_ISDIR(st.st_mode)) {
		if (!f->conf.recursive) {
			CE_DEBUG(f->host, f->self,
			    "%s: directory skipped (recursive is off)", path);
			return 0;
		}
		return in_file_dir(f, path, &st, up);
	}
	if (!S_ISREG(st.st_mode)) {
		CE_DEBUG(f->host, f->self, "%s: not a regular file, skipped",
		    path);
		return 0;
	}
	return in_file_open(f, path);
}

static int
in_file_dir(struct in_file *f, const char *path, const struct stat *st,
    const struct in_file_dir *up)
{
	struct in_file_dir here = { st->st_dev, st->st_ino, up };
	const struct in_file_dir *a;
	char **names = NULL, *child;
	size_t n = 0, i;
	DIR *dir;
	int rc = 0;

	for (a = up; a != NULL; a = a->up)
		if (a->dev == st->st_dev && a->ino == st->st_ino) {
			CE_WARNING(f->host, f->self,
			    "%s: directory loop, skipped", path);
			return 0;
		}
	if ((dir = opendir(path)) == NULL)
		return in_file_fail(f, path, errno);
	rc = in_file_names(dir, &names, &n);
	closedir(dir);
	if (rc < 0)
		return in_file_fail(f, path, -rc);
	for (i = 0; i < n && !atomic_load(&f->stopping); i++) {
		if ((child = in_file_join(path, names[i])) == NULL) {
			rc = -ENOMEM;
			break;
		}
		rc = in_file_entry(f, child, &here);
		free(child);
		if (rc == -ECANCELED || rc == -ENOMEM)
			break;
		rc = 0;
	}
	in_file_names_free(names, n);
	return rc;
}

/* One configured path: a directory is always listed, whatever
 * `recursive` says; anything else (a file, a FIFO, /dev/stdin) is read. */
static int
in_file_path(struct in_file *f, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return in_file_open(f, path);
	if (stat(path, &st) < 0)
		return in_file_fail(f, path, errno);
	if (S_ISDIR(st.st_mode))
		return in_file_dir(f, path, &st, NULL);
	return in_file_open(f, path);
}

static void *
in_file_run(void *arg)
{
	struct in_file *f = arg;
	size_t i;
	int rc;

	for (i = 0; i < f->conf.paths.n && !atomic_load(&f->stopping); i++) {
		rc = in_file_path(f, f->conf.paths.items[i]);
		/* A failed path was logged and counted; only a shutdown or
		 * an exhausted memory stops the others. */
		if (rc == -ECANCELED || rc == -ENOMEM)
			break;
	}
	f->host->finished(f->self);
	return NULL;
}

static int
in_file_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct in_file *f;
	int rc;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	f->self = self;
	f->host = host;
	atomic_init(&f->stopping, 0);
	if ((rc = host->conf_apply(self, &f->conf)) < 0)
		goto fail;
	f->m_files = host->metric_new(self, "files",
	    "documents submitted (files, standard input)");
	f->m_failed = host->metric_new(self, "failed",
	    "paths unreadable or documents not fully processed");
	if (f->conf.paths.n == 0)
		CE_WARNING(host, self, "paths is empty: nothing to read");
	*state = f;
	return 0;
fail:
	free(f);
	return rc;
}

static void
in_file_destroy(void *state)
{
	free(state);
}

static int
in_file_start(void *state)
{
	struct in_file *f = state;
	int rc;

	rc = pthread_create(&f->thread, NULL, in_file_run, f);
	if (rc != 0) {
		CE_ERROR(f->host, f->self, "cannot start a thread: %s",
		    strerror(rc));
		return -rc;
	}
	f->started = 1;
	return 0;
}

static void
in_file_stop(void *state)
{
	struct in_file *f = state;

	atomic_store(&f->stopping, 1);
	if (f->started)
		pthread_join(f->thread, NULL);
	f->started = 0;
}

static void
in_file_done(void *state, void *cookie, const struct ce_outcome *outcome)
{
	struct in_file *f = state;
	struct in_file_doc *doc = cookie;

	if (outcome->status != CE_DOC_OK) {
		in_file_count(f, f->m_failed);
		/* The core logs a warning per failed document already. */
		if (!doc->logged)
			CE_DEBUG(f->host, f->self, "%s: not fully processed "
			    "(%" PRIu64 " records, %" PRIu64 " failed, %" PRIu64
			    " skipped, %" PRIu64 " alerts): %s", doc->origin,
			    outcome->records, outcome->failed,
			    outcome->skipped, outcome->alerts,
			    outcome->reason != NULL ? outcome->reason :
			    "no reason given");
	} else {
		CE_DEBUG(f->host, f->self, "%s: %" PRIu64 " records, %"
		    PRIu64 " skipped, %" PRIu64 " alerts", doc->origin,
		    outcome->records, outcome->skipped, outcome->alerts);
	}
	free(doc);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_INPUT,
	.name = "file",
	.version = "1.0.0",
	.description = "read CloudTrail files, directories or standard input",
	.options = in_file_options,
	.init = in_file_init,
	.destroy = in_file_destroy,
	.start = in_file_start,
	.stop = in_file_stop,
	.done = in_file_done,
};

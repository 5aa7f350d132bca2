/*
 * spool.c - the `spool` input: submits every file of a directory once and
 * deletes each file only when all of its alerts went out.
 *
 * A minimal example of an out-of-tree input plugin.  It shows the parts
 * every input has: a thread started in start() and joined in stop(),
 * documents handed over as streams, and the delivery contract: a file is
 * "acknowledged" (deleted) in done() only when outcome->status is
 * CE_DOC_OK, so a file whose alerts could not be delivered stays in the
 * spool for the next run.  Run it from cron, or after a sync of CloudTrail
 * files into the directory.
 */
#define _POSIX_C_SOURCE 200809L	/* openat, fdopendir, strdup */

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

#include <cloudengine/plugin.h>

struct spool_conf {
	const char	*dir;
	int		 delete_done;
	int		 lines;
};

static const struct ce_option spool_options[] = {
	{ CE_OPTION_HEADER, .name = "dir", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct spool_conf, dir),
	  .help = "the spool directory; its regular files not starting "
	  "with '.' are read, in name order" },
	{ CE_OPTION_HEADER, .name = "delete_done", .type = CE_OPT_BOOLEAN,
	  .def = "true", .offset = offsetof(struct spool_conf, delete_done),
	  .help = "delete a file once every alert of it was delivered" },
	{ CE_OPTION_HEADER, .name = "lines", .type = CE_OPT_BOOLEAN,
	  .def = "false", .offset = offsetof(struct spool_conf, lines),
	  .help = "read every file as NDJSON, one record per line" },
	CE_OPTIONS_END
};

struct spool {
	ce_instance		*self;
	const struct ce_host	*host;
	struct spool_conf	 conf;	/* strings owned by the host */
	ce_metric		*m_done;
	ce_metric		*m_kept;
	pthread_t		 thread;
	int			 started;
	atomic_int		 stopping;
};

static void
spool_count(const struct spool *s, ce_metric *m)
{
	if (m != NULL)
		s->host->metric_add(m, 1);
}

/* The host reads the stream on one of its threads, once, to the end. */
static ssize_t
spool_read(void *stream, void *buf, size_t cap)
{
	int fd = *(int *)stream;
	ssize_t n;

	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Called exactly once, even when submit() fails. */
static void
spool_close(void *stream)
{
	close(*(int *)stream);
	free(stream);
}

/*
 * Submit dir/name as a stream.  The cookie, handed back to done(), is
 * the file's path.  Returns 0, or an error after which done() will not
 * come for this file.
 */
static int
spool_submit(struct spool *s, int dirfd, const char *name)
{
	struct ce_document doc = { .size = sizeof(doc) };
	size_t len = strlen(s->conf.dir) + strlen(name) + 2;
	char *path = malloc(len);
	int *fd = malloc(sizeof(*fd));
	int rc;

	if (path == NULL || fd == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(path, len, "%s/%s", s->conf.dir, name);
	if ((*fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		rc = -errno;
		goto fail;
	}
	doc.origin = path;		/* copied by submit() */
	doc.read = spool_read;
	doc.close = spool_close;
	doc.stream = fd;
	doc.cookie = path;
	doc.flags = s->conf.lines ? CE_DOC_LINES : 0;
	/* From here the host owns the stream, whatever submit() returns. */
	fd = NULL;
	if ((rc = s->host->submit(s->self, &doc)) < 0)
		goto fail;
	return 0;
fail:
	/* -ECANCELED: the engine is stopping; not worth a message. */
	if (rc != -ECANCELED)
		CE_ERROR(s->host, s->self, "%s/%s: %s", s->conf.dir, name,
		    strerror(-rc));
	free(path);
	free(fd);
	return rc;
}

static int
spool_wanted(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static int
spool_by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The input's thread: one pass over the directory, then finished(). */
static void *
spool_run(void *arg)
{
	struct spool *s = arg;
	struct dirent **names = NULL;
	struct stat st;
	int dirfd, i, n = 0;

	dirfd = open(s->conf.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0)
		n = scandir(s->conf.dir, &names, spool_wanted, spool_by_name);
	if (dirfd < 0 || n < 0)
		CE_ERROR(s->host, s->self, "%s: %s", s->conf.dir,
		    strerror(errno));
	for (i = 0; i < n; i++) {
		/* After stop() an input submits nothing more. */
		if (!atomic_load(&s->stopping) &&
		    fstatat(dirfd, names[i]->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    spool_submit(s, dirfd, names[i]->d_name) == -ECANCELED)
			atomic_store(&s->stopping, 1);
		free(names[i]);
	}
	free(names);
	if (dirfd >= 0)
		close(dirfd);
	s->host->finished(s->self);
	return NULL;
}

/*
 * The delivery contract: acknowledge (here: delete the file) only when
 * the document is settled OK.  Runs on a host thread, possibly
 * concurrently for different files, possibly after stop().
 */
static void
spool_done(void *state, void *cookie, const struct ce_outcome *outcome)
{
	struct spool *s = state;
	char *path = cookie;

	if (outcome->status != CE_DOC_OK) {
		spool_count(s, s->m_kept);
		CE_WARNING(s->host, s->self, "%s: kept for the next run: %s",
		    path, outcome->reason != NULL ? outcome->reason :
		    "not fully processed");
	} else {
		spool_count(s, s->m_done);
		CE_DEBUG(s->host, s->self, "%s: %" PRIu64 " records, %" PRIu64
		    " alerts", path, outcome->records, outcome->alerts);
		if (s->conf.delete_done && unlink(path) < 0)
			CE_WARNING(s->host, s->self, "%s: cannot delete: %s",
			    path, strerror(errno));
	}
	free(path);
}

static int
spool_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct spool *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	s->self = self;
	s->host = host;
	if ((rc = host->conf_apply(self, &s->conf)) < 0) {
		free(s);
		return rc;
	}
	s->m_done = host->metric_new(self, "files_done",
	    "files whose every alert went out");
	s->m_kept = host->metric_new(self, "files_kept",
	    "files left in the spool for the next run");
	*state = s;
	return 0;
}

/* start() must not block: the work happens on our own thread. */
static int
spool_start(void *state)
{
	struct spool *s = state;
	int rc;

	if ((rc = pthread_create(&s->thread, NULL, spool_run, s)) != 0) {
		CE_ERROR(s->host, s->self, "cannot start a thread: %s",
		    strerror(rc));
		return -rc;
	}
	s->started = 1;
	return 0;
}

static void
spool_stop(void *state)
{
	struct spool *s = state;

	atomic_store(&s->stopping, 1);
	if (s->started)
		pthread_join(s->thread, NULL);
	s->started = 0;
}

static void
spool_destroy(void *state)
{
	free(state);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_INPUT,
	.name = "spool",
	.version = "1.0.0",
	.description = "read each file of a spool directory once; delete it "
	    "when its alerts went out",
	.options = spool_options,
	.init = spool_init,
	.destroy = spool_destroy,
	.start = spool_start,
	.stop = spool_stop,
	.done = spool_done,
};

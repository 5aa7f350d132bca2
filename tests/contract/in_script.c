/*
 * in_script.c - a test-only input: each line written to a FIFO becomes a
 * document; each outcome is appended to a file as one JSON line.  Lets the
 * integration tests drive a running engine and watch the delivery
 * contract (done() exactly once, with the right status) from outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cloudengine/plugin.h>

struct in_script_conf {
	const char	*fifo;
	const char	*outcomes;
};

struct in_script {
	ce_instance		*self;
	const struct ce_host	*host;
	struct in_script_conf	 conf;
	pthread_t		 thread;
	int			 started;
	int			 stop_pipe[2];
	pthread_mutex_t		 lock;
	FILE			*out;
	unsigned long		 next_id;
};

static const struct ce_option in_script_options[] = {
	{ CE_OPTION_HEADER, .name = "fifo", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct in_script_conf, fifo),
	  .help = "named pipe to read documents from, one per line" },
	{ CE_OPTION_HEADER, .name = "outcomes", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct in_script_conf, outcomes),
	  .help = "file to append one JSON line per settled document to" },
	CE_OPTIONS_END
};

static void
submit_line(struct in_script *s, const char *line, size_t len)
{
	struct ce_document doc = {
		.size = sizeof(doc),
		.data = line,
		.len = len,
		.cookie = (void *)(uintptr_t)++s->next_id,
		.flags = CE_DOC_LINES,
	};
	char origin[32];

	snprintf(origin, sizeof(origin), "fifo#%lu", s->next_id);
	doc.origin = origin;
	if (s->host->submit(s->self, &doc) < 0)
		CE_WARNING(s->host, s->self, "document %lu refused", s->next_id);
}

/* Read lines until stop() writes to the stop pipe. */
static void *
in_script_main(void *arg)
{
	struct in_script *s = arg;
	char buf[65536];
	size_t used = 0;
	ssize_t n;
	char *nl;
	int fd;

	/* O_RDWR keeps the FIFO open (no EOF) when writers come and go. */
	fd = open(s->conf.fifo, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		CE_ERROR(s->host, s->self, "%s: %s", s->conf.fifo, strerror(errno));
		return NULL;
	}
	for (;;) {
		fd_set rd;

		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		FD_SET(s->stop_pipe[0], &rd);
		if (select((fd > s->stop_pipe[0] ? fd : s->stop_pipe[0]) + 1,
		    &rd, NULL, NULL, NULL) < 0 && errno != EINTR)
			break;
		if (FD_ISSET(s->stop_pipe[0], &rd))
			break;
		if (!FD_ISSET(fd, &rd))
			continue;
		n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		while ((nl = memchr(buf, '\n', used)) != NULL) {
			if (nl > buf)
				submit_line(s, buf, (size_t)(nl - buf));
			used -= (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, used);
		}
		if (used == sizeof(buf) - 1)
			used = 0;	/* an over-long line is dropped */
	}
	close(fd);
	return NULL;
}

static int
in_script_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct in_script *s = calloc(1, sizeof(*s));
	int rc = -ENOMEM;

	if (s == NULL)
		return -ENOMEM;
	s->self = self;
	s->host = host;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	if ((rc = host->conf_apply(self, &s->conf)) < 0)
		goto fail;
	if ((s->out = fopen(s->conf.outcomes, "a")) == NULL ||
	    pipe(s->stop_pipe) < 0) {
		rc = -errno;
		CE_ERROR(host, self, "%s: %s", s->conf.outcomes, strerror(errno));
		goto fail;
	}
	*state = s;
	return 0;
fail:
	if (s->out != NULL)
		fclose(s->out);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return rc;
}

static int
in_script_start(void *state)
{
	struct in_script *s = state;

	if (pthread_create(&s->thread, NULL, in_script_main, s) != 0)
		return -EAGAIN;
	s->started = 1;
	return 0;
}

static void
in_script_stop(void *state)
{
	struct in_script *s = state;

	if (!s->started)
		return;
	if (write(s->stop_pipe[1], "x", 1) < 0)
		CE_ERROR(s->host, s->self, "cannot stop: %s", strerror(errno));
	pthread_join(s->thread, NULL);
	s->started = 0;
	s->host->finished(s->self);
}

static void
in_script_done(void *state, void *cookie, const struct ce_outcome *oc)
{
	struct in_script *s = state;

	pthread_mutex_lock(&s->lock);
	fprintf(s->out, "{\"id\":%lu,\"status\":\"%s\",\"records\":%llu,"
	    "\"failed\":%llu,\"skipped\":%llu,\"alerts\":%llu}\n",
	    (unsigned long)(uintptr_t)cookie,
	    oc->status == CE_DOC_OK ? "ok" : "failed",
	    (unsigned long long)oc->records, (unsigned long long)oc->failed,
	    (unsigned long long)oc->skipped, (unsigned long long)oc->alerts);
	fflush(s->out);
	pthread_mutex_unlock(&s->lock);
}

static void
in_script_destroy(void *state)
{
	struct in_script *s = state;

	fclose(s->out);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_INPUT,
	.name = "script",
	.version = "test",
	.description = "test input: documents from a FIFO, outcomes to a file",
	.options = in_script_options,
	.init = in_script_init,
	.destroy = in_script_destroy,
	.start = in_script_start,
	.stop = in_script_stop,
	.done = in_script_done,
};

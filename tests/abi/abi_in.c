/*
 * abi_in.c - an input built against the frozen 1.0 header (tests/abi/):
 * submits one file whole and another as a stream, and writes each
 * document's outcome to a report file, so the ABI tests can check that a
 * 1.0 input keeps working.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cloudengine/plugin.h>

struct abi_in_conf {
	const char	*path;
	const char	*stream_path;
	const char	*report;
};

struct abi_in {
	ce_instance		*self;
	const struct ce_host	*host;
	struct abi_in_conf	 conf;
	pthread_mutex_t		 lock;		/* over the report file */
	pthread_t		 thread;
	int			 started;
};

static const struct ce_option abi_in_options[] = {
	{ CE_OPTION_HEADER, .name = "path", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct abi_in_conf, path),
	  .help = "NDJSON file submitted whole" },
	{ CE_OPTION_HEADER, .name = "stream_path", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct abi_in_conf, stream_path),
	  .help = "file submitted as a stream" },
	{ CE_OPTION_HEADER, .name = "report", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct abi_in_conf, report),
	  .help = "file each outcome is appended to" },
	CE_OPTIONS_END
};

static ssize_t
abi_in_read(void *stream, void *buf, size_t cap)
{
	ssize_t n = read(*(int *)stream, buf, cap);

	return n < 0 ? -errno : n;
}

static void
abi_in_close(void *stream)
{
	close(*(int *)stream);
	free(stream);
}

/* The whole file, malloc'd; NULL on failure. */
static char *
abi_in_slurp(const char *path, size_t *len)
{
	char *data = NULL;
	long n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1)) &&
	    fread(data, 1, (size_t)n, fp) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(data);
		data = NULL;
	}
	fclose(fp);
	return data;
}

static void
abi_in_submit_whole(struct abi_in *in)
{
	struct ce_document doc = { .size = sizeof(doc) };
	size_t len = 0;
	char *data = abi_in_slurp(in->conf.path, &len);

	if (data == NULL) {
		CE_ERROR(in->host, in->self, "%s: cannot read", in->conf.path);
		return;
	}
	doc.origin = "whole";
	doc.data = data;
	doc.len = len;
	doc.cookie = "whole";
	doc.flags = CE_DOC_LINES;
	if (in->host->submit(in->self, &doc) < 0)
		CE_ERROR(in->host, in->self, "whole: submit failed");
	free(data);		/* submit() copied it */
}

static void
abi_in_submit_stream(struct abi_in *in)
{
	struct ce_document doc = { .size = sizeof(doc) };
	int *fd = malloc(sizeof(*fd));

	if (fd == NULL || (*fd = open(in->conf.stream_path, O_RDONLY)) < 0) {
		CE_ERROR(in->host, in->self, "%s: cannot open",
		    in->conf.stream_path);
		free(fd);
		return;
	}
	doc.origin = "stream";
	doc.read = abi_in_read;
	doc.close = abi_in_close;
	doc.stream = fd;
	doc.cookie = "stream";
	if (in->host->submit(in->self, &doc) < 0)
		CE_ERROR(in->host, in->self, "stream: submit failed");
}

static void *
abi_in_run(void *arg)
{
	struct abi_in *in = arg;

	abi_in_submit_whole(in);
	abi_in_submit_stream(in);
	in->host->finished(in->self);
	return NULL;
}

static void
abi_in_done(void *state, void *cookie, const struct ce_outcome *o)
{
	struct abi_in *in = state;
	FILE *fp;

	pthread_mutex_lock(&in->lock);
	if ((fp = fopen(in->conf.report, "a")) != NULL) {
		fprintf(fp, "%s status=%s records=%" PRIu64 " failed=%" PRIu64
		    " skipped=%" PRIu64 " alerts=%" PRIu64 " size_ok=%d\n",
		    (const char *)cookie, o->status == CE_DOC_OK ? "ok" :
		    "failed", o->records, o->failed, o->skipped, o->alerts,
		    o->size >= sizeof(*o));
		fclose(fp);
	}
	pthread_mutex_unlock(&in->lock);
}

static int
abi_in_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct abi_in *in = calloc(1, sizeof(*in));
	int rc;

	if (in == NULL)
		return -ENOMEM;
	in->self = self;
	in->host = host;
	if ((rc = host->conf_apply(self, &in->conf)) < 0) {
		free(in);
		return rc;
	}
	pthread_mutex_init(&in->lock, NULL);
	*state = in;
	return 0;
}

static int
abi_in_start(void *state)
{
	struct abi_in *in = state;
	int rc = pthread_create(&in->thread, NULL, abi_in_run, in);

	in->started = rc == 0;
	return -rc;
}

static void
abi_in_stop(void *state)
{
	struct abi_in *in = state;

	if (in->started)
		pthread_join(in->thread, NULL);
	in->started = 0;
}

static void
abi_in_destroy(void *state)
{
	struct abi_in *in = state;

	pthread_mutex_destroy(&in->lock);
	free(in);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_INPUT,
	.name = "abi_in",
	.version = "1.0.0",
	.description = "ABI 1.0 input: one file, whole and streamed",
	.options = abi_in_options,
	.init = abi_in_init,
	.destroy = abi_in_destroy,
	.start = abi_in_start,
	.stop = abi_in_stop,
	.done = abi_in_done,
};

/*
 * cmd_flatten.c - `cloudengine flatten`: each record's flattened map, one
 * JSON object per line, keys in document order: what rule authors read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "document.h"
#include "engine.h"
#include "event.h"

static const char usage_flatten[] =
"usage: cloudengine flatten [FILE...]\n"
"\n"
"Print each record of FILEs (standard input when none, or '-') as its\n"
"flattened map: one JSON object per line, keys as rules write them\n"
"(userIdentity.arn, resources[0].ARN ...), in document order.  Envelopes\n"
"(EventBridge, SNS, SQS, CloudTrail log files, gzip) are unwrapped.\n";

struct flatten_ctx {
	unsigned long	 bad;
	int		 write_error;
};

static int
flatten_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct flatten_ctx *c = arg;
	ce_event *ev = ce_event_new(record, origin, index);
	const char *json;
	size_t len;

	if (ev == NULL)
		return -ENOMEM;
	json = ce_event_flat_json(ev, &len);
	if (json == NULL) {
		/* A bad record (or no memory): say so, go on with the rest. */
		c->bad++;
		fprintf(stderr, "%s:%llu: the flattened record is larger than "
		    "limits.max_flat_bytes (or memory ran out)\n", origin,
		    (unsigned long long)index);
	} else if (fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF)
		c->write_error = 1;
	ce_event_unref(ev);
	return c->write_error ? -EIO : 0;
}

static int
flatten_skipped(void *arg, const char *origin, uint64_t index, const char *msg)
{
	struct flatten_ctx *c = arg;

	c->bad++;
	fprintf(stderr, "%s:%llu: %s\n", origin, (unsigned long long)index, msg);
	return 0;
}

static int
flatten_s3(void *arg, const char *bucket, const char *key, const char *region,
    const char *origin, uint64_t index)
{
	struct flatten_ctx *c = arg;

	(void)region;
	c->bad++;
	fprintf(stderr, "%s:%llu: names s3://%s/%s, which flatten does not "
	    "fetch\n", origin, (unsigned long long)index, bucket, key);
	return 0;
}

static int
flatten_file(const char *path, struct flatten_ctx *c)
{
	static const struct ce_doc_ops ops = {
		.record = flatten_record,
		.skipped = flatten_skipped,
		.s3_object = flatten_s3,
	};
	struct ce_doc_limits limits;
	struct ce_stream s = { ce_stream_fd_read, NULL, NULL };
	char err[512] = "";
	int fd, rc;

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO :
	    open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "cloudengine flatten: %s: %s\n", path,
		    strerror(errno));
		return -errno;
	}
	s.ctx = (void *)(intptr_t)fd;
	ce_doc_limits_default(&limits);
	rc = ce_doc_read(&s, path, 0, &limits, &ops, c, err, sizeof(err));
	/* err names the origin already */
	if (rc < 0 && !c->write_error && err[0] != '\0')
		fprintf(stderr, "cloudengine flatten: %s\n", err);
	else if (rc < 0 && !c->write_error)
		fprintf(stderr, "cloudengine flatten: %s: %s\n", path,
		    strerror(-rc));
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

int
ce_cmd_flatten(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct flatten_ctx c = { 0, 0 };
	struct ce_cli cli;
	char **files;
	int i, n, rc, failed = 0;

	if ((rc = ce_cli_parse(argc, argv, &cli, 0, usage_flatten)) != 0 ||
	    cli.help)
		return rc;
	files = argv + cli.first_arg;
	n = argc - cli.first_arg;
	if (n == 0) {
		files = stdin_only;
		n = 1;
	}
	for (i = 0; i < n && !c.write_error; i++)
		if (flatten_file(files[i], &c) < 0)
			failed = 1;
	if (fflush(stdout) == EOF)
		c.write_error = 1;
	if (c.write_error)
		fprintf(stderr, "cloudengine flatten: cannot write the output\n");
	return failed || c.bad > 0 || c.write_error ? CE_EXIT_INCOMPLETE :
	    CE_EXIT_OK;
}

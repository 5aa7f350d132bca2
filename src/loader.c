/*
 * loader.c - open plugin shared objects, check each descriptor against the
 * plugin ABI and keep a zero-extended copy of it in a registry.
 */
#ifdef HAVE_CONFIG_H
#include "autoconf.h"	/* _GNU_SOURCE, for O_PATH */
#endif

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "loader.h"
#include "log.h"

/*
 * The 1.0 layouts, frozen (the same as 0.1's): later minors only append
 * members, so whatever the minor, a descriptor or option entry smaller
 * than this is truncated.
 */
#define CE_PLUGIN_SIZE_1_0						\
	(offsetof(struct ce_plugin, deliver) +				\
	 sizeof(((struct ce_plugin *)0)->deliver))
#define CE_OPTION_SIZE_1_0						\
	(offsetof(struct ce_option, max) + sizeof(int64_t))

_Static_assert(CE_PLUGIN_SIZE_1_0 <= sizeof(struct ce_plugin),
    "the 1.0 descriptor layout cannot shrink");
_Static_assert(CE_OPTION_SIZE_1_0 <= sizeof(struct ce_option),
    "the 1.0 option layout cannot shrink");

/* A table longer than this has lost its terminator. */
#define CE_OPTIONS_MAX		1024

#define KIND_BIT(k)		(1u << (k))
#define KIND_ALL		(KIND_BIT(CE_KIND_INPUT) |		\
				 KIND_BIT(CE_KIND_EVALUATOR) |		\
				 KIND_BIT(CE_KIND_OUTPUT))

/* Callbacks a kind cannot do without (plugin.h, "Required."). */
static const struct {
	const char	*member;
	size_t		 offset;
	unsigned	 kinds;
} required_callbacks[] = {
	{ "init", offsetof(struct ce_plugin, init), KIND_ALL },
	{ "destroy", offsetof(struct ce_plugin, destroy), KIND_ALL },
	{ "start", offsetof(struct ce_plugin, start), KIND_BIT(CE_KIND_INPUT) },
	{ "stop", offsetof(struct ce_plugin, stop), KIND_BIT(CE_KIND_INPUT) },
	{ "done", offsetof(struct ce_plugin, done), KIND_BIT(CE_KIND_INPUT) },
	{ "evaluate", offsetof(struct ce_plugin, evaluate),
	  KIND_BIT(CE_KIND_EVALUATOR) },
	{ "deliver", offsetof(struct ce_plugin, deliver),
	  KIND_BIT(CE_KIND_OUTPUT) },
};

/* Keys the host reads from every instance's configuration group. */
static const char *const reserved_keys[] = {
	"plugin", "name", "aliases", "min_severity", NULL
};

/* An entry, its normalised option table and its file name: one block. */
struct entry_block {
	struct ce_plugin_entry	 entry;
	int			 fd;		/* what dl was opened through, or -1 */
	struct ce_option	 options[];
};

/* A plugin's string made safe to quote in a message. */
static const char *
printable(const char *s, char *buf, size_t len)
{
	size_t i;

	if (s == NULL)
		return "(null)";
	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void refuse(struct ce_diag *diag, const char *file, const char *fmt,
    ...) CE_PRINTF(3, 4);

/* Report one problem with a plugin file (or with a descriptor). */
static void
refuse(struct ce_diag *diag, const char *file, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (diag != NULL)
		ce_diag_add(diag, CE_LOG_ERROR, file, 0, 0, "%s", msg);
	else
		ce_log(CE_LOG_ERROR, "loader", "%s: %s", file, msg);
}

/* Version and size: the only members read before the copy is made. */
static int
check_header(const struct ce_plugin *d, const char *file,
    struct ce_diag *diag)
{
	if (d->abi_major != CE_PLUGIN_ABI_MAJOR) {
		/* The ABI's version is not cloudengine's: name the header. */
		refuse(diag, file, "plugin was built for plugin ABI %u.%u; "
		    "this cloudengine speaks %u.%u: rebuild it against this "
		    "cloudengine's <cloudengine/plugin.h>", d->abi_major,
		    d->abi_minor, CE_PLUGIN_ABI_MAJOR, CE_PLUGIN_ABI_MINOR);
		return -EINVAL;
	}
	if (d->abi_minor > CE_PLUGIN_ABI_MINOR) {
		refuse(diag, file, "plugin was built for plugin ABI %u.%u, "
		    "newer than this cloudengine's %u.%u: upgrade cloudengine "
		    "or rebuild the plugin against %u.%u", d->abi_major,
		    d->abi_minor, CE_PLUGIN_ABI_MAJOR, CE_PLUGIN_ABI_MINOR,
		    CE_PLUGIN_ABI_MAJOR, CE_PLUGIN_ABI_MINOR);
		return -EINVAL;
	}
	if (d->size < CE_PLUGIN_SIZE_1_0) {
		refuse(diag, file, "plugin descriptor is truncated: its size "
		    "is %" PRIu32 " bytes, the 1.0 layout needs at least %zu: "
		    "build it with CE_PLUGIN_HEADER", d->size,
		    (size_t)CE_PLUGIN_SIZE_1_0);
		return -EINVAL;
	}
	return 0;
}

/* Check one entry of an option table; returns the number of problems. */
static int
check_option(const struct ce_option *o, size_t i, const char *file,
    const char *who, struct ce_diag *diag)
{
	char nb[80];
	const char *name;
	int type = (int)o->type, bad = 0;

	name = printable(o->name, nb, sizeof(nb));
	if (!ce_name_ok(o->name)) {
		refuse(diag, file, "%s: option %zu has an invalid name '%s': "
		    "expected [a-z0-9_]+", who, i + 1, name);
		bad++;
	}
	for (size_t k = 0; reserved_keys[k] != NULL; k++) {
		if (strcmp(o->name, reserved_keys[k]) != 0)
			continue;
		refuse(diag, file, "%s: option '%s' uses a key reserved for "
		    "the host (plugin, name, aliases, min_severity)", who,
		    name);
		bad++;
	}
	if (type < CE_OPT_STRING || type > CE_OPT_SECRET) {
		refuse(diag, file, "%s: option '%s' has unknown type %d",
		    who, name, type);
		return bad + 1;
	}
	if ((o->flags & ~(CE_OPT_REQUIRED | CE_OPT_PATH)) != 0) {
		refuse(diag, file, "%s: option '%s' has unknown flags 0x%x",
		    who, name, o->flags & ~(CE_OPT_REQUIRED | CE_OPT_PATH));
		bad++;
	}
	if ((o->flags & CE_OPT_PATH) && type != CE_OPT_STRING &&
	    type != CE_OPT_STRING_LIST) {
		refuse(diag, file, "%s: option '%s' has CE_OPT_PATH but is "
		    "not a STRING or STRING_LIST", who, name);
		bad++;
	}
	if (type == CE_OPT_ENUM &&
	    (o->choices == NULL || o->choices[0] == NULL)) {
		refuse(diag, file, "%s: option '%s' is an ENUM without "
		    "choices", who, name);
		return bad + 1;
	}
	if (type != CE_OPT_ENUM && o->choices != NULL) {
		refuse(diag, file, "%s: option '%s' has choices but is not an "
		    "ENUM", who, name);
		bad++;
	}
	/* Defaults are parsed, with their location, by the config area. */
	return bad;
}

/*
 * Walk the option table with the plugin's own entry size; on success
 * *count is the number of options before the terminator.  Returns the
 * number of problems.
 */
static int
check_options(const struct ce_plugin *p, const char *file, const char *who,
    struct ce_diag *diag, size_t *count)
{
	const char *base = (const char *)p->options;
	uint32_t step;
	size_t i, j;
	int bad = 0;

	*count = 0;
	if (p->options == NULL)
		return 0;
	step = p->options[0].size;
	if (step < CE_OPTION_SIZE_1_0 || step % alignof(struct ce_option)) {
		refuse(diag, file, "%s: option table entry size is %" PRIu32
		    " bytes, the 1.0 layout needs at least %zu (a multiple of "
		    "%zu): build each entry with CE_OPTION_HEADER", who, step,
		    (size_t)CE_OPTION_SIZE_1_0, alignof(struct ce_option));
		return 1;
	}
	for (i = 0;; i++) {
		const struct ce_option *o = (const void *)(base + i * step);

		if (i == CE_OPTIONS_MAX) {
			refuse(diag, file, "%s: option table has no end after "
			    "%d entries: end it with CE_OPTIONS_END", who,
			    CE_OPTIONS_MAX);
			return bad + 1;
		}
		if (o->size != step) {
			refuse(diag, file, "%s: option table entry %zu has size "
			    "%" PRIu32 ", the first has %" PRIu32 ": build each "
			    "entry with CE_OPTION_HEADER", who, i + 1, o->size,
			    step);
			return bad + 1;
		}
		if (o->name == NULL)
			break;
		bad += check_option(o, i, file, who, diag);
		for (j = 0; j < i; j++) {
			const struct ce_option *q = (const void *)(base +
			    j * step);
			char nb[80];

			if (strcmp(q->name, o->name) == 0) {
				refuse(diag, file, "%s: option '%s' is declared "
				    "twice (entries %zu and %zu)", who,
				    printable(o->name, nb, sizeof(nb)), j + 1,
				    i + 1);
				bad++;
				break;
			}
		}
	}
	*count = i;
	return bad;
}

/* Everything beyond the header, on the zero-extended copy. */
static int
check_body(const struct ce_plugin *p, const char *file, struct ce_diag *diag,
    size_t *noptions)
{
	char nb[80], who[128];
	const char *kind = ce_plugin_kind_name(p->kind);
	int k = (int)p->kind, bad = 0;
	size_t i;

	if (k < CE_KIND_INPUT || k > CE_KIND_OUTPUT)
		kind = "";
	snprintf(who, sizeof(who), "%s%splugin '%s'", kind, *kind ? " " : "",
	    printable(p->name, nb, sizeof(nb)));
	if (*kind == '\0') {
		refuse(diag, file, "%s: unknown kind %d (expected %d input, "
		    "%d evaluator or %d output)", who, k, CE_KIND_INPUT,
		    CE_KIND_EVALUATOR, CE_KIND_OUTPUT);
		bad++;
		k = 0;
	}
	if (!ce_name_ok(p->name)) {
		refuse(diag, file, "%s: invalid name: expected [a-z0-9_]+",
		    who);
		bad++;
	}
	for (i = 0; i < sizeof(required_callbacks) /
	    sizeof(required_callbacks[0]); i++) {
		unsigned kinds = required_callbacks[i].kinds;
		void (*fn)(void);

		if (kinds != KIND_ALL && !(kinds & KIND_BIT(k)))
			continue;
		memcpy(&fn, (const char *)p + required_callbacks[i].offset,
		    sizeof(fn));
		if (fn != NULL)
			continue;
		refuse(diag, file, "%s: required callback '%s' is not set "
		    "(every %s%splugin needs it)", who,
		    required_callbacks[i].member,
		    kinds == KIND_ALL ? "" : kind, kinds == KIND_ALL ? "" : " ");
		bad++;
	}
	bad += check_options(p, file, who, diag, noptions);
	return bad;
}

/* The entry for p, its options normalised to this host's layout. */
static struct ce_plugin_entry *
entry_new(const struct ce_plugin *p, size_t noptions, const char *file,
    void *dl, int fd)
{
	const char *src = (const char *)p->options;
	size_t flen = strlen(file) + 1, nopt = p->options ? noptions + 1 : 0;
	struct entry_block *b;
	uint32_t step;
	size_t i;

	b = calloc(1, sizeof(*b) + nopt * sizeof(b->options[0]) + flen);
	if (b == NULL)
		return NULL;
	b->entry.desc = *p;
	b->entry.dl = dl;
	b->fd = fd;
	b->entry.file = (char *)&b->options[nopt];
	memcpy(b->entry.file, file, flen);
	if (p->options == NULL)
		return &b->entry;
	step = p->options[0].size;
	for (i = 0; i < noptions; i++) {
		memcpy(&b->options[i], src + i * step,
		    step < sizeof(b->options[i]) ? step : sizeof(b->options[i]));
		b->options[i].size = sizeof(b->options[i]);
	}
	b->options[noptions].size = sizeof(b->options[noptions]);
	b->entry.desc.options = b->options;
	return &b->entry;
}

/* The entry registered for kind+name, and its position in the list. */
static struct ce_plugin_entry *
registry_lookup(const struct ce_registry *reg, enum ce_plugin_kind kind,
    const char *name, size_t *pos)
{
	struct ce_plugin_entry *e;
	size_t i = 0;

	for (e = reg->head; e != NULL; e = e->next, i++) {
		if (e->desc.kind == kind && strcmp(e->desc.name, name) == 0) {
			if (pos != NULL)
				*pos = i;
			return e;
		}
	}
	return NULL;
}

static size_t
registry_count(const struct ce_registry *reg)
{
	const struct ce_plugin_entry *e;
	size_t n = 0;

	for (e = reg->head; e != NULL; e = e->next)
		n++;
	return n;
}

/*
 * Check d and append a copy.  The first nbefore entries came from earlier
 * directories: a name clash with one of them skips d (returns 1); any
 * other clash is an error.  On 0 the entry owns dl and fd.
 */
static int
registry_insert(struct ce_registry *reg, const struct ce_plugin *d,
    const char *file, void *dl, int fd, size_t nbefore, struct ce_diag *diag)
{
	struct ce_plugin_entry *e, *dup, **tail;
	struct ce_plugin p;
	size_t noptions, pos;

	if (check_header(d, file, diag) < 0)
		return -EINVAL;
	/* Copy, don't point: members of later minors read as NULL. */
	memset(&p, 0, sizeof(p));
	memcpy(&p, d, d->size < sizeof(p) ? d->size : sizeof(p));
	if (check_body(&p, file, diag, &noptions) > 0)
		return -EINVAL;
	dup = registry_lookup(reg, p.kind, p.name, &pos);
	if (dup != NULL && pos < nbefore) {
		ce_log(CE_LOG_DEBUG, "loader", "%s: skipped: %s plugin '%s' "
		    "was already loaded from %s", file,
		    ce_plugin_kind_name(p.kind), p.name, dup->file);
		return 1;
	}
	if (dup != NULL) {
		refuse(diag, file, "%s plugin '%s' is also declared by %s",
		    ce_plugin_kind_name(p.kind), p.name, dup->file);
		return -EINVAL;
	}
	e = entry_new(&p, noptions, file, dl, fd);
	if (e == NULL) {
		refuse(diag, file, "out of memory");
		return -ENOMEM;
	}
	for (tail = &reg->head; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = e;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Trust: only root or the running user can have written what is loaded */
/* ------------------------------------------------------------------ */

#define INSECURE_ENV	"CLOUDENGINE_INSECURE_PLUGINS"
#define TRUST_WHY	"a plugin runs with cloudengine's privileges and " \
			"sees its secrets (" INSECURE_ENV "=1 turns this " \
			"check off, for development only)"

/* The check is on unless CLOUDENGINE_INSECURE_PLUGINS is exactly "1". */
static int
trust_checked(void)
{
	const char *v = getenv(INSECURE_ENV);

	return v == NULL || strcmp(v, "1") != 0;
}

/*
 * Non-zero, with the reason in why, when someone other than root or the
 * running user could have written st.  Above the plugin directory, a
 * sticky directory owned by root (/tmp) is accepted: in it nobody but an
 * entry's owner can rename or remove that entry.
 */
static int
untrusted(const struct stat *st, int above, char *why, size_t len)
{
	uid_t me = geteuid();
	mode_t w = st->st_mode & (S_IWGRP | S_IWOTH);

	if (st->st_uid != 0 && st->st_uid != me) {
		snprintf(why, len, "owned by uid %ju, neither root nor the "
		    "user running cloudengine (uid %ju)",
		    (uintmax_t)st->st_uid, (uintmax_t)me);
		return 1;
	}
	if (w == 0 || (above && S_ISDIR(st->st_mode) &&
	    (st->st_mode & S_ISVTX) && st->st_uid == 0))
		return 0;
	snprintf(why, len, "writable by %s (mode %04o)",
	    w == (S_IWGRP | S_IWOTH) ? "group and others" :
	    w == S_IWOTH ? "others" : "group",
	    (unsigned)(st->st_mode & 07777));
	return 1;
}

/*
 * Open dir for openat() after checking it and every directory above it.
 * Symbolic links in dir are resolved first; the walk from "/" then
 * follows none, so a link swapped in meanwhile makes it fail rather than
 * lead elsewhere.  Returns the descriptor (O_PATH), -EPERM when something
 * is untrusted, or another -errno when something cannot be looked at;
 * the reason is in why.
 */
static int
open_trusted_dir(const char *dir, char *why, size_t len)
{
	char *real = realpath(dir, NULL), reason[256], c;
	size_t shown = 1, pos = 1, n;	/* fd is real[0, shown) */
	struct stat st;
	int fd, sub, last, rc;

	if (real == NULL) {
		rc = -errno;
		snprintf(why, len, "%s: %s", dir, strerror(errno));
		return rc;
	}
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (;;) {
		if (fd < 0 || fstat(fd, &st) < 0) {
			/* ENOTDIR, ELOOP: a link appeared after realpath(). */
			rc = -errno;
			snprintf(why, len, "%.*s: %s", (int)shown, real,
			    strerror(errno));
			goto fail;
		}
		last = real[pos] == '\0';
		if (untrusted(&st, !last, reason, sizeof(reason))) {
			rc = -EPERM;
			snprintf(why, len, "%.*s is %s", (int)shown, real,
			    reason);
			goto fail;
		}
		if (last)
			break;
		n = strcspn(real + pos, "/");
		c = real[pos + n];
		real[pos + n] = '\0';
		sub = openat(fd, real + pos, O_PATH | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		real[pos + n] = c;
		close(fd);
		fd = sub;
		shown = pos + n;
		pos = c == '/' ? shown + 1 : shown;
	}
	free(real);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	free(real);
	return rc;
}

/*
 * Close the descriptor a plugin was loaded through, unless the object is
 * still mapped under its /proc/self/fd name (another reference, or a
 * NODELETE object): dlopen() matches names before files, so that number
 * must not name another file while the name is in use.
 */
static void
release_fd(int fd)
{
	char proc[32];
	void *still;

	if (fd < 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	still = dlopen(proc, RTLD_LAZY | RTLD_NOLOAD);
	if (still != NULL) {
		dlclose(still);
		return;		/* kept open on purpose */
	}
	close(fd);
}

/*
 * Open name in the checked directory dirfd without following a link,
 * check the file itself, and dlopen() that very file through
 * /proc/self/fd: what was checked is what is loaded.  *fd is the
 * descriptor to keep while the object is loaded.
 */
static void *
open_trusted(const char *path, int dirfd, const char *name, int *fd,
    struct ce_diag *diag)
{
	char proc[32], why[256];
	const char *err;
	struct stat st;
	void *dl = NULL;

	*fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (*fd < 0 && errno == ELOOP) {
		refuse(diag, path, "refusing to load a symbolic link: install "
		    "the plugin file itself; %s", TRUST_WHY);
		goto fail;
	}
	if (*fd < 0 || fstat(*fd, &st) < 0) {
		refuse(diag, path, "cannot load plugin: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse(diag, path, "cannot load plugin: not a regular file");
		goto fail;
	}
	if (untrusted(&st, 0, why, sizeof(why))) {
		refuse(diag, path, "refusing to load this plugin: it is %s; %s",
		    why, TRUST_WHY);
		goto fail;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", *fd);
	if ((dl = dlopen(proc, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		/* "/proc/self/fd/7: error" names the file we already name. */
		if (err != NULL && strncmp(err, proc, strlen(proc)) == 0 &&
		    strncmp(err + strlen(proc), ": ", 2) == 0)
			err += strlen(proc) + 2;
		refuse(diag, path, "cannot load plugin: %s (use ldd(1) to "
		    "check its dependencies)", err != NULL ? err : "?");
		goto fail;
	}
	return dl;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return NULL;
}

/* Without the check: by name, as the user asked. */
static void *
open_unchecked(const char *path, struct ce_diag *diag)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (dl == NULL)
		refuse(diag, path, "cannot load plugin: %s (use ldd(1) to "
		    "check its dependencies)", dlerror());
	return dl;
}

/*
 * Load path; dirfd >= 0 is its checked directory and name its entry
 * there (the trust check is on), dirfd < 0 loads path as it is.
 */
static int
load_file(struct ce_registry *reg, const char *path, int dirfd,
    const char *name, size_t nbefore, struct ce_diag *diag)
{
	const struct ce_plugin *d;
	void *dl;
	int fd = -1, rc;

	dl = dirfd >= 0 ? open_trusted(path, dirfd, name, &fd, diag) :
	    open_unchecked(path, diag);
	if (dl == NULL)
		return -EINVAL;
	dlerror();
	d = dlsym(dl, CE_PLUGIN_SYMBOL);
	if (dlerror() != NULL || d == NULL) {
		refuse(diag, path, "not a cloudengine plugin: it does not "
		    "export the symbol '%s'", CE_PLUGIN_SYMBOL);
		rc = -EINVAL;
		goto fail;
	}
	rc = registry_insert(reg, d, path, dl, fd, nbefore, diag);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	/* No instance of a refused or skipped plugin can exist yet. */
	dlclose(dl);
	release_fd(fd);
	return rc > 0 ? 0 : rc;
}

void
ce_registry_init(struct ce_registry *reg)
{
	reg->head = NULL;
}

void
ce_registry_free(struct ce_registry *reg)
{
	struct ce_plugin_entry *e, *next;

	for (e = reg->head; e != NULL; e = next) {
		next = e->next;
		if (e->dl != NULL)
			dlclose(e->dl);
		release_fd(((struct entry_block *)e)->fd);
		free(e);
	}
	reg->head = NULL;
}

int
ce_registry_load_file(struct ce_registry *reg, const char *path,
    struct ce_diag *diag)
{
	const char *slash = strrchr(path, '/'), *name;
	char why[512], *dir;
	int dirfd, rc;

	if (!trust_checked())
		return load_file(reg, path, -1, path, 0, diag);
	name = slash != NULL ? slash + 1 : path;
	dir = slash == NULL ? strdup(".") : slash == path ? strdup("/") :
	    strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return -ENOMEM;
	dirfd = open_trusted_dir(dir, why, sizeof(why));
	free(dir);
	if (dirfd == -EPERM)
		refuse(diag, path, "refusing to load this plugin: %s; %s", why,
		    TRUST_WHY);
	else if (dirfd < 0)
		refuse(diag, path, "cannot load plugin: %s", why);
	if (dirfd < 0)
		return dirfd == -ENOMEM ? -ENOMEM : -EINVAL;
	rc = load_file(reg, path, dirfd, name, 0, diag);
	close(dirfd);
	return rc;
}

int
ce_registry_add(struct ce_registry *reg, const struct ce_plugin *desc,
    const char *origin, struct ce_diag *diag)
{
	return registry_insert(reg, desc, origin ? origin : "<memory>", NULL,
	    -1, 0, diag);
}

static int
is_shared_object(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 3 &&
	    strcmp(de->d_name + n - 3, ".so") == 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Load the scanned names of dir (dirfd: as load_file()). */
static int
load_names(struct ce_registry *reg, const char *dir, int dirfd,
    struct dirent **names, int n, struct ce_diag *diag)
{
	size_t nbefore = registry_count(reg);
	int i, rc = 0, r;
	char *path;

	for (i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;

		path = malloc(len);
		if (path == NULL) {
			r = -ENOMEM;
		} else {
			snprintf(path, len, "%s/%s", dir, names[i]->d_name);
			r = load_file(reg, path, dirfd, names[i]->d_name,
			    nbefore, diag);
			free(path);
		}
		if (r < 0 && rc != -ENOMEM)
			rc = r;
	}
	return rc;
}

int
ce_registry_load_dir(struct ce_registry *reg, const char *dir,
    struct ce_diag *diag)
{
	struct dirent **names;
	int i, n, rc = 0, dirfd = -1;
	char why[512];

	n = scandir(dir, &names, is_shared_object, by_name);
	if (n < 0 && errno == ENOENT)
		return 0;
	if (n < 0) {
		refuse(diag, dir, "cannot read the plugin directory: %s",
		    strerror(errno));
		return -EINVAL;
	}
	/* Checked once for all its files; only when there is one to load. */
	if (n > 0 && trust_checked() &&
	    (dirfd = open_trusted_dir(dir, why, sizeof(why))) < 0) {
		if (dirfd == -EPERM)
			refuse(diag, dir, "refusing to load plugins from this "
			    "directory: %s; %s", why, TRUST_WHY);
		else
			refuse(diag, dir, "cannot read the plugin directory: "
			    "%s", why);
		rc = dirfd == -ENOMEM ? -ENOMEM : -EINVAL;
	} else {
		rc = load_names(reg, dir, dirfd, names, n, diag);
	}
	if (dirfd >= 0)
		close(dirfd);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

const struct ce_plugin_entry *
ce_registry_find(const struct ce_registry *reg, enum ce_plugin_kind kind,
    const char *name)
{
	return registry_lookup(reg, kind, name, NULL);
}

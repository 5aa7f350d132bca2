/*
 * diag.h - located diagnostics: "FILE:LINE:COL: error: MESSAGE".
 *
 * Config, plugin loading and rule compilation report problems into a
 * ce_diag; `check` prints them all, `run` logs them and refuses to start.
 */
#ifndef CE_DIAG_H
#define CE_DIAG_H

#include <stdarg.h>
#include <stdio.h>

#include "cloudengine/plugin.h"

struct ce_diag_entry {
	enum ce_log_level	 level;		/* CE_LOG_ERROR or CE_LOG_WARNING */
	char			*text;		/* the whole formatted line, no '\n' */
	struct ce_diag_entry	*next;
};

struct ce_diag {
	struct ce_diag_entry	*head, **tail;
	unsigned		 errors;
	unsigned		 warnings;
	int			 echo;		/* also ce_log() each entry as added */
};

void	ce_diag_init(struct ce_diag *d);
void	ce_diag_free(struct ce_diag *d);
/*
 * Add one entry.  file may be NULL (then "cloudengine: " prefixes the
 * message); line/col 0 are left out: "f:3: error: m", "f: error: m".
 * Thread-safe.
 */
void	ce_diag_add(struct ce_diag *d, enum ce_log_level level, const char *file,
	    unsigned line, unsigned col, const char *fmt, ...) CE_PRINTF(6, 7);
void	ce_diag_addv(struct ce_diag *d, enum ce_log_level level,
	    const char *file, unsigned line, unsigned col, const char *fmt,
	    va_list ap);
/* Print every entry, one per line. */
void	ce_diag_print(const struct ce_diag *d, FILE *fp);

#endif /* CE_DIAG_H */

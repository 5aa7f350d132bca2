/*
 * diag.h - located diagnostics for rule files, sent through host->diag()
 * as "FILE:LINE:COL: error: MESSAGE" and counted.
 */
#ifndef DRL_DIAG_H
#define DRL_DIAG_H

#include <stddef.h>

#include "cloudengine/plugin.h"

struct drl_diag_entry;

/*
 * The lexer, the parser and the compiler each find problems in their own
 * pass over a file: entries are held until drl_diag_flush(), which sends
 * them in line and column order, as a reader expects.
 */
struct drl_diag {
	const struct ce_host	*host;
	ce_instance		*self;
	const char		*file;		/* current file, or NULL */
	unsigned		 errors;
	unsigned		 warnings;
	struct drl_diag_entry	*pending;
	size_t			 npending, cap;
};

void	drl_error(struct drl_diag *d, unsigned line, unsigned col,
	    const char *fmt, ...) CE_PRINTF(4, 5);
void	drl_warning(struct drl_diag *d, unsigned line, unsigned col,
	    const char *fmt, ...) CE_PRINTF(4, 5);
/* Send what is held, sorted by position; frees the buffer. */
void	drl_diag_flush(struct drl_diag *d);

#endif /* DRL_DIAG_H */

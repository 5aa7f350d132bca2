/*
 * date.h - the dates of date-effective / date-expires, in the Drools
 * format "dd-MMM-yyyy" (as "4-Sep-2018").
 */
#ifndef DRL_DATE_H
#define DRL_DATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse "d-MMM-yyyy", optionally followed by " HH:mm" or " HH:mm:ss";
 * English month names, abbreviated or full, any case.  The time is UTC
 * (the Lambda runtime's time zone).  Returns 0 and the Unix time in *out,
 * or -1 when s is not such a date.
 */
int	drl_date_parse(const char *s, size_t len, int64_t *out);

#endif /* DRL_DATE_H */

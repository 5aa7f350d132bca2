/* placeholder: src/metrics.c */

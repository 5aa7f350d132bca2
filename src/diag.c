/* placeholder: src/diag.c */

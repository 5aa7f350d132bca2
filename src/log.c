/* placeholder: src/log.c */

/* placeholder: src/config.c */

/* placeholder: src/loader.c */

/* placeholder: src/engine.c */

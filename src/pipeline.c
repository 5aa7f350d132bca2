/* placeholder: src/pipeline.c */

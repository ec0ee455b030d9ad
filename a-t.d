t.o: build/hdrcheck/t.c lib/par.h lib/diag.h
lib/par.h:
lib/diag.h:

t.o: build/hdrcheck/t.c lib/zio.h lib/diag.h
lib/zio.h:
lib/diag.h:

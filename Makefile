# kpipress — plain POSIX-ish GNU Makefile.
#   make demo     deps + build + run the bundled English and Chinese samples
#   make check    deps + build + every test (SANITIZE=1: under ASan + UBSan)
#   make install  PREFIX=/usr/local DESTDIR=
#   make bench    [PEER=1] the throughput benchmark (see README.md)
#   make fuzz     [FUZZ_SECONDS=60] [FUZZ_TARGETS="csvread expr"] every libFuzzer target
#   make leakcheck  valgrind memcheck over the sample batch (docs/hardening.md)

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/kpipress
MANDIR   = $(PREFIX)/share/man/man1

CC      ?= cc
PKGS     = harfbuzz harfbuzz-subset libcurl libcrypto jansson expat libpng libqpdf fontconfig xlsxwriter libzip
WARN     = -Wall -Wextra -Wpedantic -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
	-DKP_VERSION='"$(VERSION)"' -DKP_DATADIR='"$(DATADIR)"' \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/iniparser
LIBS     = -lhpdf -lcsv -liniparser -lunistring $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

ifeq ($(SANITIZE),1)
B        = build/san
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN    = -fsanitize=address,undefined
else
B        = build
endif

ifeq ($(V),1)
Q =
else
Q = @
endif

SRC      = $(sort $(wildcard src/*.c))
LIBSRC   = $(filter-out src/main.c,$(SRC))
OBJ      = $(LIBSRC:src/%.c=$(B)/obj/%.o)
UNITSRC  = $(sort $(wildcard tests/unit/test_*.c))
UNITBIN  = $(UNITSRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all deps demo check unit install uninstall clean format bench fuzz fuzz-build leakcheck FORCE

all: $(B)/kpipress

deps:
	@sh scripts/deps.sh build test

$(B)/obj/%.o: src/%.c $(wildcard src/*.h) | $(B)/obj
	@$(if $(Q),echo "  CC    $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libkp.a: $(OBJ)
	$(Q)rm -f $@ && ar rcs $@ $(OBJ)

$(B)/kpipress: $(B)/obj/main.o $(B)/libkp.a
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) $(LDSAN) $(LDFLAGS) -o $@ $(B)/obj/main.o $(B)/libkp.a $(LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libkp.a | $(B)/tests
	@$(if $(Q),echo "  TEST  $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Isrc $(LDSAN) $(LDFLAGS) -o $@ $< $(B)/libkp.a $(LIBS) -lcmocka

$(B)/obj $(B)/tests:
	mkdir -p $@

# The two commands of README.md: each pulls in deps and the build.
demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(B)/kpipress

check: deps
	@$(MAKE) --no-print-directory all unit
	@KPIPRESS=$(CURDIR)/$(B)/kpipress UNITDIR=$(CURDIR)/$(B)/tests SANITIZE=$(SANITIZE) sh tests/run.sh

unit: $(UNITBIN)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/fonts $(DESTDIR)$(MANDIR)
	install -m 755 $(B)/kpipress $(DESTDIR)$(BINDIR)/kpipress
	install -m 644 fonts/* $(DESTDIR)$(DATADIR)/fonts/
	cp -R templates $(DESTDIR)$(DATADIR)/
	chmod -R u+rwX,go+rX $(DESTDIR)$(DATADIR)/templates
	install -m 644 kpipress.1 $(DESTDIR)$(MANDIR)/kpipress.1

uninstall:
	rm -rf $(DESTDIR)$(BINDIR)/kpipress $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/kpipress.1

clean:
	rm -rf build out demo-out bench-out

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h

# The benchmark: REPS=1000 MONTHS=12 by default; PEER=1 runs the Python peer too.
bench: deps
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@sh scripts/bench.sh $(B)/kpipress

# ---- hardening (docs/hardening.md) ----------------------------------------
# make fuzz: the libFuzzer entry points tests/fuzz/fuzz_*.c, built with clang
# against their own object set of src/ (build/fuzz/; the gcc build is left
# alone), each run for FUZZ_SECONDS from tests/fuzz/corpus/<target>/.
FUZZCC       ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FB           = build/fuzz
FUZZ_CFLAGS  = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-DKP_VERSION='"$(VERSION)"' -DKP_DATADIR='"$(DATADIR)"' -DFUZZ_SRCDIR='"$(CURDIR)"' \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/iniparser
FUZZSRC      = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZBIN      = $(FUZZSRC:tests/fuzz/%.c=$(FB)/%)
FUZZOBJ      = $(LIBSRC:src/%.c=$(FB)/obj/%.o)

$(FB)/obj/%.o: src/%.c $(wildcard src/*.h) | $(FB)/obj
	@$(if $(Q),echo "  FUZZCC $<")
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FB)/libkp.a: $(FUZZOBJ)
	$(Q)rm -f $@ && ar rcs $@ $(FUZZOBJ)

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/sample.h $(FB)/libkp.a
	@$(if $(Q),echo "  FUZZ  $@")
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -Wall -Wextra -Werror -fsanitize=fuzzer -Isrc -o $@ $< \
		$(FB)/libkp.a $(LIBS)

$(FB)/obj:
	mkdir -p $@

fuzz-build: $(FUZZBIN)

fuzz:
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make leakcheck: valgrind memcheck over the sample batches (acme, huadong,
# crm), workers included: zero errors and zero definite leaks (suppressions:
# tests/valgrind.supp, each with its reason).
leakcheck:
	@sh scripts/deps.sh leak
	@$(MAKE) --no-print-directory all
	@for s in acme huadong crm; do \
		sh tests/leakcheck.sh $(B)/kpipress samples/$$s/review.ini || exit 1; done

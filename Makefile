# Pushy build. Conventions (no per-file rules to edit):
#  - shared/*.c            -> build/libpushy.a
#  - DIR/*.c except *_main.c -> build/DIR/libDIR.a  (pure logic + wiring of that process)
#  - DIR/NAME_main.c       -> build/bin/NAME        (one program per *_main.c)
#    Programs are linked lean (LEAN_LINK=1, the default): every object is
#    compiled with one section per function, a relocatable pre-link keeps
#    only what main() reaches, so the linker's --as-needed leaves out the
#    libraries that only unreachable code names. pushy-job, started once per
#    job, maps 9 objects (ldd) instead of 26 (libzmq and libcrypto came
#    with shared/wire.o, which it needs only for message building).
#    Caveat: the pre-link drops sections reached only through the linker's
#    __start_/__stop_ symbols (section registries); none are used in the
#    programs (criterion's are in unit_tests, linked plainly).
#  - tests/unit/*.c        -> build/tests/unit_tests (one criterion binary)
#  - shared/sql/*.sql      -> embedded in libpushy as migrations
CC      ?= gcc
BUILD   ?= build
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
PQ_INC  := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
LEAN_LINK ?= 1
ifeq ($(LEAN_LINK),1)
SECTIONS = -ffunction-sections -fdata-sections
endif
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(SECTIONS) -I. -I$(BUILD)/gen $(PQ_INC) $(EXTRA_CFLAGS)
LDLIBS_ALL = -Wl,--as-needed -lzmq -lnng -ljansson -lpq -lssl -lcrypto -lmicrohttpd -lcurl -lpthread -lm $(EXTRA_LDFLAGS)

# plain `make` builds everything (the per-directory rules below come first)
.DEFAULT_GOAL := all

PROC_DIRS = supervisor heartbeatd commandd apid jobrunner client cli bench

LIB_SRC   = $(wildcard shared/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
SQL_FILES = $(sort $(wildcard shared/sql/*.sql))

# link_prog OUT MAIN_OBJ ARCHIVES
ifeq ($(LEAN_LINK),1)
define link_prog
@mkdir -p $(BUILD)/lean
	$(CC) -r -nostdlib -Wl,--gc-sections -Wl,--undefined=main -o $(BUILD)/lean/$(notdir $(1)).o $(2) $(3)
	$(CC) $(CFLAGS_ALL) -o $(1) $(BUILD)/lean/$(notdir $(1)).o $(LDLIBS_ALL)
endef
else
define link_prog
$(CC) $(CFLAGS_ALL) -o $(1) $(2) $(3) $(LDLIBS_ALL)
endef
endif

define proc_rules
$(1)_LIBSRC := $$(filter-out %_main.c,$$(wildcard $(1)/*.c))
$(1)_LIBOBJ := $$($(1)_LIBSRC:%.c=$(BUILD)/%.o)
$(1)_MAINS  := $$(wildcard $(1)/*_main.c)
$(1)_BINS   := $$(patsubst $(1)/%_main.c,$(BUILD)/bin/%,$$($(1)_MAINS))
$(BUILD)/$(1)/lib$(1).a: $$($(1)_LIBOBJ) $(BUILD)/empty.o
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/bin/%: $(BUILD)/$(1)/%_main.o $(BUILD)/$(1)/lib$(1).a $(BUILD)/libpushy.a
	@mkdir -p $$(@D)
	$$(call link_prog,$$@,$$<,$(BUILD)/$(1)/lib$(1).a $(BUILD)/libpushy.a)
BINS += $$($(1)_BINS)
MAIN_OBJS += $$($(1)_MAINS:%.c=$(BUILD)/%.o)
PROC_LIBS += $(BUILD)/$(1)/lib$(1).a
endef
$(foreach d,$(PROC_DIRS),$(eval $(call proc_rules,$(d))))
.SECONDARY: $(MAIN_OBJS)

TOOL_SRC  = $(wildcard tests/tools/*.c)
TOOL_BINS = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/tools/%.c $(PROC_LIBS) $(BUILD)/libpushy.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< -Wl,--start-group $(PROC_LIBS) $(BUILD)/libpushy.a -Wl,--end-group $(LDLIBS_ALL)

UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps test unit integration sanitize demo demo-stop clean bench FORCE
all: $(BINS) $(TOOL_BINS)

$(BUILD)/empty.o:
	@mkdir -p $(@D)
	echo 'typedef int pushy_empty_unit;' | $(CC) -x c -c -o $@ -

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

# The names of the migration files, rewritten only when they change: adding
# or deleting a file regenerates migrations.c (an edited file does through
# SQL_FILES itself). make re-reads the stamp's time after its recipe, so an
# unchanged list rebuilds nothing.
MIGRATION_LIST = $(BUILD)/gen/migrations.list
$(MIGRATION_LIST): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(SQL_FILES) > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:

$(BUILD)/gen/migrations.c: $(SQL_FILES) $(MIGRATION_LIST) scripts/embed-sql.sh
	@mkdir -p $(@D)
	sh scripts/embed-sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libpushy.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/unit_tests: $(UNIT_OBJ) $(PROC_LIBS) $(BUILD)/libpushy.a $(BUILD)/empty.o
	$(CC) $(CFLAGS_ALL) -o $@ $(UNIT_OBJ) -Wl,--start-group $(PROC_LIBS) $(BUILD)/libpushy.a -Wl,--end-group -lcriterion $(LDLIBS_ALL)

deps:
	@sh scripts/install-deps.sh

unit: $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests --jobs 2

integration: all
	BUILD=$(BUILD) bash tests/integration/run.sh

# `make test`: install what is missing, build, unit tests, then integration tests.
test: deps
	$(MAKE) -j2 all $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests --jobs 2
	BUILD=$(BUILD) bash tests/integration/run.sh

sanitize: deps
	$(MAKE) BUILD=build-san LEAN_LINK=0 OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" all build-san/tests/unit_tests
	ASAN_OPTIONS=detect_leaks=1 build-san/tests/unit_tests --jobs 2
	BUILD=build-san ASAN_OPTIONS=detect_leaks=0 bash tests/integration/run.sh

demo: deps
	$(MAKE) -j2 all
	bash scripts/demo.sh

demo-stop:
	bash scripts/demo.sh stop

bench: all
	bash bench/run.sh

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

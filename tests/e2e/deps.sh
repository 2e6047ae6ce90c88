# make deps (scripts/deps.sh): installs only what is missing; without root it
# prints the exact apt-get command and exits 2. Faked id and dpkg-query stand
# in for a machine where a package is missing.
. "$TESTS_DIR/lib.sh"

mkdir -p "$T/bin"
cat >"$T/bin/id" <<'EOF2'
#!/bin/sh
echo 1000
EOF2
cat >"$T/bin/dpkg-query" <<'EOF2'
#!/bin/sh
# every package installed except the ones named in $MISSING
for p in $MISSING; do [ "$p" = "$3" ] && exit 1; done
echo "install ok installed"
EOF2
chmod +x "$T/bin/id" "$T/bin/dpkg-query"

PATH="$T/bin:$PATH" MISSING="" sh "$SRC/scripts/deps.sh" >"$T/out" 2>&1
rc=$?
t_rc "everything present: exit 0" 0
t_eq "everything present: nothing said" "" "$(cat "$T/out")"

PATH="$T/bin:$PATH" MISSING="libhpdf-dev qpdf" sh "$SRC/scripts/deps.sh" >"$T/out" 2>&1
rc=$?
t_rc "missing packages, not root: exit 2" 2
t_grep "the missing packages are named" '^kpipress needs these Debian packages: libhpdf-dev qpdf$' "$T/out"
t_grep "the exact command to run" '^run as root:  apt-get update && apt-get install -y --no-install-recommends libhpdf-dev qpdf$' "$T/out"

PATH="$T/bin:$PATH" sh "$SRC/scripts/deps.sh" nonsense >"$T/out" 2>&1
rc=$?
t_rc "an unknown group: exit 2" 2
t_grep "an unknown group is named" "unknown group 'nonsense'" "$T/out"
t_done

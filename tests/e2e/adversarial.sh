# The hostile-input suite (issue #11): one case per kind of broken or hostile
# input, each asserting a clear message, the exit status, that no file
# appears outside the output folder, that no temporary file is left, and
# that every other person's review is still produced. The cases are in
# tests/adversarial/cases.sh, the harness in tests/adversarial/lib.sh, the
# data generators in tests/adversarial/gen.sh (docs/hardening.md).
# ONLY_CASE=name runs one case.
. "$TESTS_DIR/lib.sh"
. "$SRC/tests/adversarial/lib.sh"
. "$SRC/tests/adversarial/cases.sh"
# The cases mount small tmpfs folders (a full disk, a read-only one): a run
# cut short must not leave them mounted.
trap 'for m in "$T"/*/work/full "$T"/*/work/ro; do umount "$m" 2>/dev/null; done
chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

src_before=$(cd "$SRC" && find . -path ./build -prune -o -path ./.git -prune -o -print | LC_ALL=C sort | cksum)
if [ -n "${ONLY_CASE:-}" ]; then
    "case_$ONLY_CASE"
else
    adv_all
fi
cd "$SRC" || exit 1
t_eq "the source tree is untouched" "$src_before" \
    "$(find . -path ./build -prune -o -path ./.git -prune -o -print | LC_ALL=C sort | cksum)"
t_done

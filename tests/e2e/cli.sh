# The command line: help, version, usage errors and their exit statuses.
. "$TESTS_DIR/lib.sh"

kp --version
t_rc "--version exits 0" 0
t_grep "--version prints the version" '^kpipress [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"

kp --help
t_rc "--help exits 0" 0
cp "$T/out" "$T/help"
for c in run check compute render explain mail archive verify sample; do
    t_grep "--help lists $c" "^  $c " "$T/help"
    kp "$c" --help
    t_rc "$c --help exits 0" 0
    t_grep "$c --help shows usage" "^usage: kpipress $c" "$T/out"
done

kp
t_rc "no command: exit 2" 2
kp frobnicate
t_rc "unknown command: exit 2" 2
t_grep "unknown command is named" 'unknown command "frobnicate"' "$T/out"
kp run
t_rc "run without -c: exit 2" 2
t_grep "run without -c says what is missing" 'needs a config: -c CONFIG' "$T/out"
kp run -c x.ini --bogus
t_rc "unknown option: exit 2" 2
t_grep "unknown option is named" 'unknown option --bogus' "$T/out"
kp run -c x.ini -j 0
t_rc "-j 0: exit 2" 2
t_grep "-j 0 explained" 'jobs wants a whole number from 1' "$T/out"
kp run -c x.ini --shard 5/4
t_rc "--shard 5/4: exit 2" 2
kp sample
t_rc "sample without -o: exit 2" 2
t_done

/* sys — the only code that touches files, folders, processes and the clock.
 *
 * Output files are written atomically: out_open() creates a hidden temporary
 * file beside the target, out_commit() flushes, fsyncs and renames it into
 * place, out_abort() removes it. Temporary files still open when the process
 * gets SIGINT/SIGTERM/SIGHUP are removed before it exits; a run killed with
 * SIGKILL leaves only hidden `.*.kp-tmp-*` files, which the next run removes
 * (sys_sweep_tmp). Failures are reported through diag (KP_SYSERR) with the
 * path and strerror, and the functions return -1 / NULL. */
#ifndef KP_SYS_H
#define KP_SYS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* Read a whole file into a new NUL-terminated buffer. Returns 0, or the errno
 * value on failure (nothing reported: the caller words the message). */
int sys_read_file(const char *path, char **data, size_t *len);
/* The same, for a file of at most max bytes: EFBIG when it is longer (or
 * endless, as /dev/zero). */
int sys_read_file_max(const char *path, size_t max, char **data, size_t *len);

/* Read a file in chunks of up to 64 KiB, calling feed for each; *size gets
 * the byte count. Returns 0, or the errno value (nothing reported). */
int sys_stream_file(const char *path, void (*feed)(void *arg, const void *p, size_t n), void *arg,
                    long long *size);

struct kp_out;
struct kp_out *out_open(const char *path);
FILE *out_file(struct kp_out *o);
const char *out_tmppath(const struct kp_out *o);
int out_commit(struct kp_out *o); /* frees o; 0 or -1 (reported) */
void out_abort(struct kp_out *o); /* frees o; removes the temporary file */
/* Whole-buffer convenience over out_open/out_commit. */
int sys_write_atomic(const char *path, const void *data, size_t n);
/* The same without the fsync: still never a half-written file at path (the
 * rename is atomic), but durable only after sys_sync_fs(). For the thousands
 * of documents of a batch, which one sync at the end makes durable at once. */
int sys_write_atomic_nosync(const char *path, const void *data, size_t n);
/* The same, reporting nothing: 0, or the errno value (ENOSPC: the disk is
 * full), for the caller to word (render says it once for a whole batch). */
int sys_write_doc(const char *path, const void *data, size_t n);
/* Flush everything of the filesystem holding dir to disk (syncfs). 0 or -1
 * (reported). */
int sys_sync_fs(const char *dir);

/* Remove leftover temporary files of killed runs directly inside dir. */
void sys_sweep_tmp(const char *dir);
/* The same in dir and every folder below it. */
void sys_sweep_tmp_tree(const char *dir);
/* Is path's last component the name of such a temporary file? */
int sys_is_tmp(const char *path);

/* fsync a folder, so that the renames done in it last. 0 or -1 (reported). */
int sys_fsync_dir(const char *dir);
/* A second name for a file (hard link; fails if newpath exists). 0 or the
 * errno value (nothing reported). */
int sys_link(const char *oldpath, const char *newpath);
/* Every entry below dir (recursive = 0: directly in dir) that is not a
 * folder (files, links, devices...), as paths relative to dir ("a/b.pdf"),
 * sorted bytewise, in a new array of new strings (strv_free). Symbolic
 * links to folders are not followed. 0, or the errno value (nothing
 * reported). */
int sys_list_files(const char *dir, int recursive, char ***out, size_t *n);
/* A regular file (not a link, folder or device)? */
int sys_is_regular(const char *path);
/* Take an exclusive lock on a folder (flock), waiting for other holders.
 * Returns a handle for sys_unlock, or -1 (reported). */
int sys_lock_dir(const char *dir);
void sys_unlock(int handle);
/* The output folder's lock, OUTDIR/.kpipress.lock (flock, held until
 * exit and by the worker processes, which inherit it): exclusive for a run
 * that writes the tables or every document, shared for render --shard (the
 * shards of one compute may render into one folder at once). The holder's
 * pid is written in the file. When another process holds it: with wait, a
 * note and then wait; else a fatal error naming that process. 0, or -1
 * (reported: exit 2 when held, 3 for I/O). */
int sys_lock_outdir(const char *dir, int shared, int wait);
/* Release it (the file is emptied: it names no process once released). */
void sys_unlock_outdir(int handle);

/* Who runs this: $USER, else $LOGNAME, else getlogin(), else "uid N"
 * (a new string). Self-reported: any user can set $USER. */
char *sys_user_name(void);

/* mkdir -p; 0 or -1 (reported). */
int sys_mkdirs(const char *path);
int sys_is_dir(const char *path);
/* 0 when path is a readable file, else an errno value (EISDIR for a folder,
 * ENODEV for a character or block device: /dev/zero would never end). */
int sys_readable(const char *path);
int sys_exists(const char *path);
/* Can we create files in dir (creating it if needed)? 0 or -1 (reported). */
int sys_check_writable(const char *dir);

/* Paths (new strings). path_dir("a/b.ini") = "a", path_dir("b.ini") = ".".
 * path_resolve(base_dir, p) = p when p is absolute, else base_dir/p. */
char *path_join(const char *a, const char *b);
char *path_dir(const char *path);
char *path_resolve(const char *base_dir, const char *p);
const char *path_base(const char *path);

/* Where templates/ and fonts/ live: $KPIPRESS_DATADIR, else beside the
 * executable — ../share/kpipress (installed under any PREFIX, even one the
 * binary was not built for), ../ or ../../ (the source tree it was built
 * in) — else the KP_DATADIR it was built with. Returns a static string. */
const char *sys_datadir(void);

/* A private temporary folder for this process tree (fonts subsets, chart
 * scratch), removed at exit by the process that made it. */
const char *sys_tmpdir(void);
/* Write n bytes to a new file in sys_tmpdir() named <tag>-<pid>-<counter>
 * (no fsync: scratch data). Returns its path (a new string; the caller
 * removes the file with sys_remove and frees the path), or NULL (reported). */
char *sys_tmpfile(const char *tag, const void *data, size_t n);
/* Remove a file; a file already gone is fine. 0 or -1 (errno set, nothing
 * reported). */
int sys_remove(const char *path);
/* Remove a folder if it is empty; 0 when removed, else -1 (nothing reported). */
int sys_rmdir_empty(const char *path);

/* Start argv[0] (searched in PATH) with stdin and stderr as pipes and stdout
 * to /dev/null. Returns the pid, or -1 (errno set, nothing reported). */
pid_t sys_spawn(char *const argv[], int *to_child, int *from_child_err);
/* Is an executable named `name` on PATH? */
int sys_have_program(const char *name);

/* Call each(arg, line, len, offset) for every line of path (the newline not
 * included); each returns nonzero to stop. Returns 0, or the errno value. */
int sys_each_line(const char *path, int (*each)(void *arg, const char *line, size_t len,
                                                long long off),
                  void *arg);
/* Read n bytes at offset off into a new NUL-terminated buffer. 0 or errno. */
int sys_read_range(const char *path, long long off, size_t n, char **out);

/* A pool of worker processes. The parent forks `workers` processes; each
 * runs ops->init once, then ops->work for every job the parent hands it (one
 * at a time, so the fastest worker takes the most), then ops->fini. work
 * returns 0 (ok) or nonzero and may put one line of text in *result. The
 * parent calls ops->done for each job as it finishes, in completion order,
 * with the status and text. A job whose worker dies is given to another
 * worker once more; if that one dies too the job is done with status -1 and
 * a text naming the signal. Returns 0, or -1 when no worker could be started
 * (reported). Workers inherit the parent's memory (fork): set up shared,
 * read-only state before calling. */
struct kp_buf;
struct kp_pool_ops {
    void (*init)(void *arg);
    int (*work)(void *arg, size_t job, struct kp_buf *result);
    void (*fini)(void *arg);
    void (*done)(void *arg, size_t job, int status, const char *result);
    /* NULL, or nonzero once no more jobs should start (a full disk): the
     * jobs under way finish, the rest are never done. */
    int (*stop)(void *arg);
};
int sys_pool(long workers, size_t njobs, const struct kp_pool_ops *ops, void *arg);

/* Talking to a long-lived child (chart's gnuplot). Nothing is reported; the
 * caller words the message.
 * sys_write_all: write all n bytes to fd (made non-blocking) within
 *   timeout_ms; 0, or -1 with errno (ETIMEDOUT, EPIPE...).
 * sys_read_wait: wait up to timeout_ms for input on fd, then read up to n
 *   bytes; > 0 bytes read, 0 end of file, -1 error (errno), -2 timeout.
 * sys_kill: SIGKILL pid and reap it.
 * sys_reap: reap pid if it exits within timeout_ms; 0 reaped, -1 not. */
int sys_write_all(int fd, const void *p, size_t n, int timeout_ms);
ssize_t sys_read_wait(int fd, void *buf, size_t n, int timeout_ms);
void sys_close(int fd);
void sys_kill(pid_t pid);
int sys_reap(pid_t pid, int timeout_ms);
/* Write a scratch file (in sys_tmpdir: no rename, no fsync), mode 0600.
 * 0, or the errno value (nothing reported). */
int sys_write_scratch(const char *path, const void *data, size_t n);
/* Milliseconds on a monotonic clock (for timeouts and measurements). */
double sys_clock_ms(void);
/* 64 unpredictable bits (for markers that data must not be able to guess). */
unsigned long long sys_random64(void);

/* Peak resident memory in KiB of this process (children = 0) or of its
 * largest finished child (children = 1). */
long sys_peak_rss_kb(int children);

long sys_cpu_count(void);
time_t sys_now(void);
/* SOURCE_DATE_EPOCH when set and valid, else -1. */
long long sys_source_date_epoch(void);

/* Append n bytes to path (created 0644 if missing) and fsync it (and its
 * folder when it was created), so the bytes survive a crash once this
 * returns. 0, or -1 (reported). */
int sys_append_sync(const char *path, const void *data, size_t n);
/* An exclusive advisory lock (flock) on path, created if missing; held until
 * sys_unlock or exit. Returns a handle >= 0; -1 when another process holds it
 * (errno EWOULDBLOCK, nothing reported) or on error (errno set, reported). */
int sys_lock(const char *path);
/* Sleep for ms milliseconds (signals do not cut it short). */
void sys_sleep_ms(double ms);
/* An environment variable, or NULL. */
const char *sys_env(const char *name);
/* For the crash tests: SIGKILL this process (as the kernel or an operator
 * would) when the environment variable KPIPRESS_TEST_KILL names this point:
 * "marker" (e.g. "after-delivered"), or "marker:N" once count >= N (e.g.
 * "documents:40" after 40 documents are written). */
void sys_test_kill(const char *marker, long count);
/* The permission bits of path (st_mode & 07777): 0, or the errno value. */
int sys_file_mode(const char *path, unsigned *mode);

/* Install the signal handlers that remove temporary files (call once). */
void sys_init(void);

#endif

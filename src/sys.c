/* sys — see sys.h. Linux: syncfs() needs _GNU_SOURCE (this file only). */
#define _GNU_SOURCE
#include "sys.h"

#include "diag.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMP_TAG ".kp-tmp-"

/* Temporary files currently open, for the signal handler. A fixed table of
 * fixed-size paths keeps the handler async-signal-safe. */
#define MAX_LIVE 64
static char live[MAX_LIVE][PATH_MAX];
static volatile sig_atomic_t live_used[MAX_LIVE];
static char tmpdir_path[PATH_MAX];
static pid_t tmpdir_owner;

struct kp_out {
    FILE *f;
    char *path, *tmp;
    int slot;
    int nosync;
};

int sys_read_file(const char *path, char **data, size_t *len)
{
    return sys_read_file_max(path, SIZE_MAX, data, len);
}

int sys_read_file_max(const char *path, size_t max, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    struct kp_buf b = {0};
    char chunk[65536];
    size_t n;
    int big = 0;
    while (!big && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        big = n > max - b.len;
        if (!big)
            buf_add(&b, chunk, n);
    }
    int err = big ? EFBIG : ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (err) {
        buf_free(&b);
        return err;
    }
    if (!b.s)
        buf_add(&b, "", 0);
    *len = b.len;
    *data = buf_steal(&b);
    return 0;
}

int sys_stream_file(const char *path, void (*feed)(void *arg, const void *p, size_t n), void *arg,
                    long long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    if (sys_is_dir(path)) {
        fclose(f);
        return EISDIR;
    }
    static char chunk[65536];
    size_t n;
    long long total = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        feed(arg, chunk, n);
        total += (long long)n;
    }
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (size)
        *size = total;
    return err;
}

static int live_add(const char *path)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (!live_used[i]) {
            snprintf(live[i], sizeof live[i], "%s", path);
            live_used[i] = 1;
            return i;
        }
    return -1;
}

static void live_del(int slot)
{
    if (slot >= 0)
        live_used[slot] = 0;
}

struct kp_out *out_open(const char *path)
{
    static unsigned counter;
    char *dir = path_dir(path);
    char *tmp = xasprintf("%s/.%s" TMP_TAG "%ld-%u", dir, path_base(path), (long)getpid(),
                          counter++);
    free(dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        diag(KP_SYSERR, path, 0, 0, "cannot create: %s", strerror(errno));
        free(tmp);
        return NULL;
    }
    struct kp_out *o = xcalloc(1, sizeof *o);
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        unlink(tmp);
        diag(KP_SYSERR, path, 0, 0, "cannot create: %s", strerror(errno));
        free(tmp);
        free(o);
        return NULL;
    }
    o->path = xstrdup(path);
    o->tmp = tmp;
    o->slot = live_add(tmp);
    return o;
}

FILE *out_file(struct kp_out *o)
{
    return o->f;
}

const char *out_tmppath(const struct kp_out *o)
{
    return o->tmp;
}

static void out_free(struct kp_out *o)
{
    live_del(o->slot);
    free(o->path);
    free(o->tmp);
    free(o);
}

int out_commit(struct kp_out *o)
{
    int err = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        err = errno ? errno : EIO;
    if (!err && !o->nosync && fsync(fileno(o->f)) != 0 && errno != EINVAL)
        err = errno;
    if (fclose(o->f) != 0 && !err)
        err = errno ? errno : EIO;
    if (!err && rename(o->tmp, o->path) != 0)
        err = errno;
    if (err) {
        diag(KP_SYSERR, o->path, 0, 0, "cannot write: %s", strerror(err));
        unlink(o->tmp);
    }
    out_free(o);
    return err ? -1 : 0;
}

void out_abort(struct kp_out *o)
{
    if (!o)
        return;
    fclose(o->f);
    unlink(o->tmp);
    out_free(o);
}

static int write_atomic(const char *path, const void *data, size_t n, int nosync)
{
    struct kp_out *o = out_open(path);
    if (!o)
        return -1;
    o->nosync = nosync;
    if (n && fwrite(data, 1, n, o->f) != n) {
        diag(KP_SYSERR, path, 0, 0, "cannot write: %s", strerror(errno));
        out_abort(o);
        return -1;
    }
    return out_commit(o);
}

int sys_write_atomic(const char *path, const void *data, size_t n)
{
    return write_atomic(path, data, n, 0);
}

int sys_write_atomic_nosync(const char *path, const void *data, size_t n)
{
    return write_atomic(path, data, n, 1);
}

int sys_write_doc(const char *path, const void *data, size_t n)
{
    static unsigned counter;
    char *dir = path_dir(path);
    char *tmp = xasprintf("%s/.%s" TMP_TAG "%ld-d%u", dir, path_base(path), (long)getpid(),
                          counter++);
    free(dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), err = fd < 0 ? errno : 0;
    int slot = fd < 0 ? -1 : live_add(tmp);
    for (const char *p = data; !err && n > 0;) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            err = w < 0 ? errno : EIO;
        else
            p += w, n -= (size_t)w;
    }
    if (fd >= 0 && close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err && fd >= 0)
        unlink(tmp);
    live_del(slot);
    free(tmp);
    return err;
}

int sys_sync_fs(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || syncfs(fd) != 0) {
        diag(KP_SYSERR, dir, 0, 0, "cannot flush to disk: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

void sys_sweep_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && strstr(e->d_name, TMP_TAG)) {
            char *p = path_join(dir, e->d_name);
            unlink(p);
            free(p);
        }
    }
    closedir(d);
}

int sys_is_tmp(const char *path)
{
    const char *b = path_base(path);
    return b[0] == '.' && strstr(b, TMP_TAG) != NULL;
}

void sys_sweep_tmp_tree(const char *dir)
{
    sys_sweep_tmp(dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = path_join(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            sys_sweep_tmp_tree(p);
        free(p);
    }
    closedir(d);
}

int sys_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (!err && fsync(fd) != 0 && errno != EINVAL)
        err = errno;
    if (fd >= 0)
        close(fd);
    if (err)
        diag(KP_SYSERR, dir, 0, 0, "cannot sync the folder: %s", strerror(err));
    return err ? -1 : 0;
}

int sys_link(const char *oldpath, const char *newpath)
{
    return link(oldpath, newpath) == 0 ? 0 : errno;
}

static int list_into(const char *root, const char *rel, int rec, char ***v, size_t *n,
                     size_t *cap)
{
    char *dir = rel ? path_join(root, rel) : xstrdup(root);
    DIR *d = opendir(dir);
    int err = d ? 0 : errno;
    struct dirent *e;
    while (!err && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *r = rel ? path_join(rel, e->d_name) : xstrdup(e->d_name);
        char *full = path_join(root, r);
        struct stat st;
        if (lstat(full, &st) != 0) {
            err = errno;
        } else if (S_ISDIR(st.st_mode)) {
            err = rec ? list_into(root, r, rec, v, n, cap) : 0;
        } else {
            xgrow(v, cap, *n + 1, sizeof **v);
            (*v)[(*n)++] = r;
            r = NULL;
        }
        free(r), free(full);
    }
    if (d)
        closedir(d);
    free(dir);
    return err;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sys_list_files(const char *dir, int recursive, char ***out, size_t *n)
{
    size_t cap = 0;
    *out = NULL, *n = 0;
    int err = list_into(dir, NULL, recursive, out, n, &cap);
    if (err) {
        strv_free(*out, *n);
        *out = NULL, *n = 0;
        return err;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, str_cmp);
    return 0;
}

int sys_is_regular(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int sys_lock_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        diag(KP_SYSERR, dir, 0, 0, "cannot lock: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* "pid N", or "pid N, which has exited (its worker processes have not)". */
static void lock_holder(int fd, char *out, size_t n)
{
    char buf[32] = "";
    ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
    long pid = r > 0 ? strtol(buf, NULL, 10) : 0;
    if (pid <= 0)
        snprintf(out, n, "pid unknown");
    else if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        snprintf(out, n, "pid %ld, which was killed; its worker processes are still writing",
                 pid);
    else
        snprintf(out, n, "pid %ld", pid);
}

int sys_lock_outdir(const char *dir, int shared, int wait)
{
    char *path = path_join(dir, ".kpipress.lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int op = shared ? LOCK_SH : LOCK_EX, err = 0;
    if (fd < 0) {
        diag(KP_SYSERR, path, 0, 0, "cannot open: %s", strerror(errno));
        free(path);
        return -1;
    }
    if (flock(fd, op | LOCK_NB) != 0) {
        err = errno;
        char who[96];
        lock_holder(fd, who, sizeof who);
        if (err == EWOULDBLOCK && !wait) {
            diag(KP_FATAL, dir, 0, 0, "another kpipress is writing this folder (%s): wait for "
                 "it to finish, or run again with --wait", who);
        } else if (err == EWOULDBLOCK) {
            diag(KP_NOTE, dir, 0, 0, "waiting for another kpipress to finish with this folder "
                 "(%s)", who);
            while ((err = flock(fd, op) != 0 ? errno : 0) == EINTR)
                ;
        }
        if (err && err != EWOULDBLOCK)
            diag(KP_SYSERR, path, 0, 0, "cannot lock: %s", strerror(err));
    }
    if (!err) {
        char pid[24];
        int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
            /* the lock holds all the same; only a waiting run's message
             * will not name this process */
        }
    }
    free(path);
    if (err) {
        close(fd);
        return -1;
    }
    return fd;
}

void sys_unlock_outdir(int handle)
{
    if (handle >= 0 && ftruncate(handle, 0) != 0) {
        /* it is released all the same */
    }
    sys_unlock(handle);
}

void sys_unlock(int handle)
{
    if (handle >= 0)
        close(handle); /* releases the flock */
}

char *sys_user_name(void)
{
    const char *u = getenv("USER");
    if (str_empty(u))
        u = getenv("LOGNAME");
    if (str_empty(u))
        u = getlogin();
    if (str_empty(u))
        return xasprintf("uid %ld", (long)getuid());
    return xstrdup(u);
}

int sys_mkdirs(const char *path)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                diag(KP_SYSERR, p, 0, 0, "cannot create folder: %s", strerror(errno));
                rc = -1;
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    if (rc == 0 && !sys_is_dir(path)) {
        diag(KP_SYSERR, path, 0, 0, "not a folder");
        rc = -1;
    }
    free(p);
    return rc;
}

int sys_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sys_readable(const char *path)
{
    if (access(path, R_OK) != 0)
        return errno;
    struct stat st;
    if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
        return ENODEV; /* /dev/zero, /dev/urandom: input without an end */
    return sys_is_dir(path) ? EISDIR : 0;
}

int sys_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int sys_check_writable(const char *dir)
{
    if (sys_mkdirs(dir) != 0)
        return -1;
    if (access(dir, W_OK | X_OK) != 0) {
        diag(KP_SYSERR, dir, 0, 0, "cannot write in this folder: %s", strerror(errno));
        return -1;
    }
    return 0;
}

char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n == 0)
        return xstrdup(b);
    return xasprintf("%s%s%s", a, a[n - 1] == '/' ? "" : "/", b);
}

char *path_dir(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return xstrdup(".");
    if (s == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(s - path));
}

char *path_resolve(const char *base_dir, const char *p)
{
    if (p[0] == '/' || !base_dir || strcmp(base_dir, ".") == 0)
        return xstrdup(p);
    return path_join(base_dir, p);
}

const char *path_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int has_datadir(const char *d)
{
    char *t = path_join(d, "templates/en");
    char *f = path_join(d, "fonts");
    int ok = sys_is_dir(t) && sys_is_dir(f);
    free(t);
    free(f);
    return ok;
}

const char *sys_datadir(void)
{
    static char found[PATH_MAX];
    if (found[0])
        return found;
    const char *env = getenv("KPIPRESS_DATADIR");
    if (!str_empty(env)) {
        snprintf(found, sizeof found, "%s", env);
        return found;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *d = path_dir(exe);
        /* Installed (PREFIX/bin → PREFIX/share/kpipress), then the build
         * tree (build/kpipress, build/san/kpipress). */
        const char *ups[] = {"../share/kpipress", "..", "../.."};
        for (size_t i = 0; i < KP_NELEM(ups); i++) {
            char *c = path_join(d, ups[i]);
            char real[PATH_MAX];
            if (realpath(c, real) && has_datadir(real)) {
                snprintf(found, sizeof found, "%s", real);
                free(c);
                free(d);
                return found;
            }
            free(c);
        }
        free(d);
    }
    snprintf(found, sizeof found, "%s", KP_DATADIR);
    return found;
}

/* Remove a scratch folder: its files (it has no folders), then itself. */
static void rm_flat(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX + 256];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void rm_tmpdir(void)
{
    if (!tmpdir_path[0] || getpid() != tmpdir_owner)
        return;
    rm_flat(tmpdir_path);
    tmpdir_path[0] = '\0';
}

/* The scratch folders of runs that were killed (SIGKILL leaves no chance to
 * clean up): kpipress-<pid>-XXXXXX in base, ours, whose pid is gone. */
static void sweep_stale_tmpdirs(const char *base)
{
    DIR *d = opendir(base);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid;
        char rest[16];
        struct stat st;
        if (sscanf(e->d_name, "kpipress-%ld-%15s", &pid, rest) != 2 || pid <= 0 ||
            strlen(rest) != 6 || pid == (long)getpid())
            continue;
        char *p = path_join(base, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() &&
            kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            rm_flat(p);
        free(p);
    }
    closedir(d);
}

const char *sys_tmpdir(void)
{
    if (tmpdir_path[0])
        return tmpdir_path;
    /* Scratch files (font subsets, chart scripts) are made and removed by
     * the thousand: a memory-backed /dev/shm makes that cheap. */
    const char *base = getenv("TMPDIR");
    if (str_empty(base) || !sys_is_dir(base))
        base = sys_is_dir("/dev/shm") && access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    sweep_stale_tmpdirs(base);
    snprintf(tmpdir_path, sizeof tmpdir_path, "%s/kpipress-%ld-XXXXXX", base, (long)getpid());
    if (!mkdtemp(tmpdir_path)) {
        diag(KP_SYSERR, base, 0, 0, "cannot create a temporary folder: %s", strerror(errno));
        tmpdir_path[0] = '\0';
        return NULL;
    }
    tmpdir_owner = getpid();
    atexit(rm_tmpdir);
    return tmpdir_path;
}

char *sys_tmpfile(const char *tag, const void *data, size_t n)
{
    static unsigned counter;
    const char *dir = sys_tmpdir();
    if (!dir)
        return NULL;
    char *path = xasprintf("%s/%s-%ld-%u", dir, tag, (long)getpid(), counter++);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = fd < 0 ? errno : 0;
    const char *p = data;
    while (!err && n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = w < 0 ? errno : EIO;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    if (fd >= 0 && close(fd) != 0 && !err)
        err = errno;
    if (err) {
        diag(KP_SYSERR, path, 0, 0, "cannot write: %s", strerror(err));
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

int sys_remove(const char *path)
{
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int sys_rmdir_empty(const char *path)
{
    return rmdir(path) == 0 ? 0 : -1;
}

pid_t sys_spawn(char *const argv[], int *to_child, int *from_child_err)
{
    int in[2], err[2];
    if (pipe(in) != 0)
        return -1;
    if (pipe(err) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(in[0]), close(in[1]), close(err[0]), close(err[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(in[0], 0);
        dup2(err[1], 2);
        if (devnull >= 0)
            dup2(devnull, 1);
        close(in[0]), close(in[1]), close(err[0]), close(err[1]);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(err[1]);
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    fcntl(err[0], F_SETFD, FD_CLOEXEC);
    *to_child = in[1];
    *from_child_err = err[0];
    return pid;
}

int sys_have_program(const char *name)
{
    const char *path = getenv("PATH");
    if (str_empty(path))
        path = "/usr/bin:/bin";
    char **dirs;
    size_t n = str_split(path, ':', &dirs);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        char *p = path_join(dirs[i], name);
        found = access(p, X_OK) == 0;
        free(p);
    }
    strv_free(dirs, n);
    return found;
}

int sys_each_line(const char *path, int (*each)(void *, const char *, size_t, long long),
                  void *arg)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    char *line = NULL;
    size_t cap = 0;
    long long off = 0;
    ssize_t n;
    int stop = 0;
    while (!stop && (n = getline(&line, &cap, f)) > 0) {
        size_t len = (size_t)n;
        long long here = off;
        off += n;
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        stop = each(arg, line, len, here);
    }
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    free(line);
    fclose(f);
    return err;
}

int sys_read_range(const char *path, long long off, size_t n, char **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    char *buf = xmalloc(n + 1);
    int err = 0;
    if (fseeko(f, (off_t)off, SEEK_SET) != 0)
        err = errno;
    else if (fread(buf, 1, n, f) != n)
        err = ferror(f) ? (errno ? errno : EIO) : EIO;
    fclose(f);
    if (err) {
        free(buf);
        return err;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

/* ---- the worker pool ---- */

struct worker {
    pid_t pid;
    int to, from;      /* job pipe (write end), result pipe (read end) */
    long job;          /* the job it is working on, -1 = idle */
    struct kp_buf in;  /* unread result text */
};

/* The worker side: read job numbers, write "job status text" lines. */
static void worker_main(int from_parent, int to_parent, const struct kp_pool_ops *ops, void *arg)
{
    FILE *in = fdopen(from_parent, "r");
    if (ops->init)
        ops->init(arg);
    char line[64];
    struct kp_buf res = {0}, out = {0};
    while (in && fgets(line, sizeof line, in)) {
        size_t job = (size_t)strtoull(line, NULL, 10);
        buf_reset(&res);
        int st = ops->work(arg, job, &res);
        buf_reset(&out);
        buf_printf(&out, "%zu %d ", job, st);
        for (const char *p = res.s ? res.s : ""; *p; p++)
            buf_addc(&out, *p == '\n' ? ' ' : *p);
        buf_addc(&out, '\n');
        size_t off = 0;
        while (off < out.len) {
            ssize_t w = write(to_parent, out.s + off, out.len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                _exit(3);
            off += (size_t)w;
        }
    }
    if (ops->fini)
        ops->fini(arg);
    buf_free(&res), buf_free(&out);
    fflush(NULL);
    _exit(0);
}

static int worker_start(struct worker *w, struct worker *all, long n, const struct kp_pool_ops *ops,
                        void *arg)
{
    int jp[2], rp[2];
    if (pipe(jp) != 0)
        return -1;
    if (pipe(rp) != 0) {
        close(jp[0]), close(jp[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(jp[0]), close(jp[1]), close(rp[0]), close(rp[1]);
        return -1;
    }
    if (pid == 0) {
        for (long i = 0; i < n; i++) /* siblings' pipes are not ours */
            if (all[i].pid > 0 && &all[i] != w)
                close(all[i].to), close(all[i].from);
        close(jp[1]), close(rp[0]);
        worker_main(jp[0], rp[1], ops, arg);
    }
    close(jp[0]), close(rp[1]);
    w->pid = pid, w->to = jp[1], w->from = rp[0], w->job = -1;
    buf_reset(&w->in);
    return 0;
}

static int worker_give(struct worker *w, size_t job)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%zu\n", job);
    if (write(w->to, line, (size_t)n) != n)
        return -1;
    w->job = (long)job;
    return 0;
}

/* Reap a worker; *why = its signal, or 256 + its exit status when that is
 * not 0, or 0 for a clean exit. */
static void worker_stop(struct worker *w, int *why)
{
    if (w->pid <= 0)
        return;
    close(w->to), close(w->from);
    int st = 0;
    waitpid(w->pid, &st, 0);
    *why = WIFSIGNALED(st)                            ? WTERMSIG(st)
           : WIFEXITED(st) && WEXITSTATUS(st) != 0 ? 256 + WEXITSTATUS(st)
                                                    : 0;
    w->pid = -1;
}

static void died(char *out, size_t n, int why)
{
    if (why >= 256)
        snprintf(out, n, "the worker process exited with status %d", why - 256);
    else
        snprintf(out, n, "the worker process was killed by signal %d (%s)", why, strsignal(why));
}

struct pool {
    struct worker *w;
    long n;
    size_t njobs, next, done;
    size_t *queue, nqueue; /* jobs to retry */
    unsigned char *tries;
    const struct kp_pool_ops *ops;
    void *arg;
};

static int stopped(const struct pool *p)
{
    return p->ops->stop && p->ops->stop(p->arg);
}

static long next_job(struct pool *p)
{
    if (stopped(p))
        return -1;
    if (p->nqueue)
        return (long)p->queue[--p->nqueue];
    return p->next < p->njobs ? (long)p->next++ : -1;
}

static void feed_worker(struct pool *p, struct worker *w)
{
    long j = next_job(p);
    if (j < 0 || worker_give(w, (size_t)j) != 0) {
        if (j >= 0)
            p->queue[p->nqueue++] = (size_t)j;
        close(w->to);
        w->to = -1;
    }
}

/* A worker's result lines: "job status text". */
static void take_results(struct pool *p, struct worker *w)
{
    char *nl;
    while (w->in.s && (nl = memchr(w->in.s, '\n', w->in.len)) != NULL) {
        *nl = '\0';
        char *rest;
        size_t job = (size_t)strtoull(w->in.s, &rest, 10);
        int st = (int)strtol(rest, &rest, 10);
        if (*rest == ' ')
            rest++;
        if (job < p->njobs) {
            p->ops->done(p->arg, job, st, rest);
            p->done++;
        }
        size_t used = (size_t)(nl + 1 - w->in.s);
        memmove(w->in.s, nl + 1, w->in.len - used);
        w->in.len -= used;
        w->in.s[w->in.len] = '\0';
        w->job = -1;
        if (w->to >= 0)
            feed_worker(p, w);
    }
}

/* A worker died (or finished): retry or fail its job; start a new worker if
 * jobs remain. */
static void worker_gone(struct pool *p, struct worker *w)
{
    int sig = 0;
    long job = w->job;
    worker_stop(w, &sig);
    char why[96];
    died(why, sizeof why, sig);
    if (job >= 0) {
        if (p->tries[job]++ == 0) {
            diag(KP_WARN, NULL, 0, 0, "%s; its document is given to another worker", why);
            p->queue[p->nqueue++] = (size_t)job;
        } else {
            p->ops->done(p->arg, (size_t)job, -1, why);
            p->done++;
        }
    } else if (sig) {
        diag(KP_WARN, NULL, 0, 0, "%s between documents; a new one is started", why);
    }
    if (p->done < p->njobs && (p->nqueue || p->next < p->njobs) && !stopped(p) &&
        worker_start(w, p->w, p->n, p->ops, p->arg) == 0)
        feed_worker(p, w);
}

int sys_pool(long workers, size_t njobs, const struct kp_pool_ops *ops, void *arg)
{
    if (njobs == 0)
        return 0;
    if (workers < 1)
        workers = 1;
    if ((size_t)workers > njobs)
        workers = (long)njobs;
    struct pool p = {xcalloc((size_t)workers, sizeof *p.w), workers, njobs, 0, 0,
                     xmalloc(njobs * sizeof(size_t)), 0, xcalloc(njobs, 1), ops, arg};
    for (long i = 0; i < workers; i++)
        p.w[i].pid = -1;
    int started = 0;
    for (long i = 0; i < workers; i++)
        if (worker_start(&p.w[i], p.w, workers, ops, arg) == 0) {
            started++;
            feed_worker(&p, &p.w[i]);
        }
    if (!started) {
        diag_sys("cannot start worker processes: %s", strerror(errno));
        free(p.w), free(p.queue), free(p.tries);
        return -1;
    }
    struct pollfd *fds = xcalloc((size_t)workers, sizeof *fds);
    while (p.done < njobs) {
        long nf = 0;
        for (long i = 0; i < workers; i++)
            if (p.w[i].pid > 0)
                fds[nf].fd = p.w[i].from, fds[nf].events = POLLIN, fds[nf++].revents = 0;
        if (nf == 0)
            break;
        if (poll(fds, (nfds_t)nf, -1) < 0 && errno != EINTR)
            break;
        for (long i = 0, k = 0; i < workers; i++) {
            struct worker *w = &p.w[i];
            if (w->pid <= 0)
                continue;
            short ev = fds[k++].revents;
            if (!(ev & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[4096];
            ssize_t r = read(w->from, chunk, sizeof chunk);
            if (r > 0) {
                buf_add(&w->in, chunk, (size_t)r);
                take_results(&p, w);
            } else if (r == 0 || errno != EINTR) {
                worker_gone(&p, w);
            }
        }
    }
    for (long i = 0; i < workers; i++) {
        int sig;
        if (p.w[i].to >= 0 && p.w[i].pid > 0) {
            close(p.w[i].to);
            p.w[i].to = -1;
        }
        if (p.w[i].pid > 0) {
            close(p.w[i].from);
            waitpid(p.w[i].pid, &sig, 0);
        }
        buf_free(&p.w[i].in);
    }
    free(fds), free(p.w), free(p.queue), free(p.tries);
    return 0;
}

int sys_write_all(int fd, const void *p, size_t n, int timeout_ms)
{
    const char *c = p;
    double deadline = sys_clock_ms() + timeout_ms;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK))
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w > 0) {
            c += w, n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        int left = (int)(deadline - sys_clock_ms());
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        if (left <= 0 || poll(&pf, 1, left) == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
    return 0;
}

ssize_t sys_read_wait(int fd, void *buf, size_t n, int timeout_ms)
{
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int rc;
    do
        rc = poll(&pf, 1, timeout_ms < 0 ? 0 : timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return -2;
    ssize_t r;
    do
        r = read(fd, buf, n);
    while (r < 0 && errno == EINTR);
    return r;
}

void sys_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

void sys_kill(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

int sys_reap(pid_t pid, int timeout_ms)
{
    double deadline = sys_clock_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 0;
        if (sys_clock_ms() >= deadline)
            return -1;
        struct timespec ts = {0, 1000000}; /* 1 ms */
        nanosleep(&ts, NULL);
    }
}

int sys_write_scratch(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            return e;
        }
        p += w, n -= (size_t)w;
    }
    return close(fd) == 0 ? 0 : errno;
}

double sys_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

unsigned long long sys_random64(void)
{
    static unsigned long long counter;
    unsigned long long v = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r = read(fd, &v, sizeof v);
        close(fd);
        if (r == (ssize_t)sizeof v)
            return v;
    }
    /* No /dev/urandom: mix what differs between calls and processes. */
    unsigned long long mix[3] = {(unsigned long long)getpid(), ++counter,
                                 (unsigned long long)(sys_clock_ms() * 1e3)};
    return hash64(mix, sizeof mix);
}

long sys_peak_rss_kb(int children)
{
    struct rusage ru;
    if (getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &ru) != 0)
        return 0;
    return ru.ru_maxrss;
}

long sys_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

time_t sys_now(void)
{
    return time(NULL);
}

long long sys_source_date_epoch(void)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    long v;
    if (str_empty(s) || parse_long(s, &v) != 0 || v < 0)
        return -1;
    return v;
}

int sys_append_sync(const char *path, const void *data, size_t n)
{
    int created = !sys_exists(path);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    int err = fd < 0 ? errno : 0;
    for (size_t done = 0; !err && done < n;) {
        ssize_t w = write(fd, (const char *)data + done, n - done);
        if (w < 0 && errno != EINTR)
            err = errno;
        else if (w > 0)
            done += (size_t)w;
    }
    if (!err && fsync(fd) != 0 && errno != EINVAL)
        err = errno;
    if (fd >= 0 && close(fd) != 0 && !err)
        err = errno;
    if (!err && created) {
        char *dir = path_dir(path);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    if (err)
        diag(KP_SYSERR, path, 0, 0, "cannot write: %s", strerror(err));
    return err ? -1 : 0;
}

int sys_lock(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        diag(KP_SYSERR, path, 0, 0, "cannot open: %s", strerror(e));
        errno = e;
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e != EWOULDBLOCK)
            diag(KP_SYSERR, path, 0, 0, "cannot lock: %s", strerror(e));
        errno = e;
        return -1;
    }
    return fd;
}

void sys_sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const char *sys_env(const char *name)
{
    return getenv(name);
}

void sys_test_kill(const char *marker, long count)
{
    const char *k = getenv("KPIPRESS_TEST_KILL");
    size_t n = strlen(marker);
    if (!k || strncmp(k, marker, n) != 0)
        return;
    if (k[n] == '\0' || (k[n] == ':' && count >= strtol(k + n + 1, NULL, 10)))
        raise(SIGKILL);
}

int sys_file_mode(const char *path, unsigned *mode)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    *mode = (unsigned)st.st_mode & 07777u;
    return 0;
}

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_used[i])
            unlink(live[i]);
    if (tmpdir_path[0] && getpid() == tmpdir_owner) {
        /* Best effort: files inside are named by us; rmdir only if empty. */
        rmdir(tmpdir_path);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void sys_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

#ifndef CHOROS_CGIT2_SHIM_H
#define CHOROS_CGIT2_SHIM_H

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

// git_libgit2_opts is variadic, which Swift cannot call: one wrapper per option we use.

/// Turns on fsync of objects, packs and refs: an acknowledged commit survives a power cut.
static inline int choros_git_enable_fsync(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, enabled);
}

/// Verifies every object a commit or tree refers to exists before writing it.
static inline int choros_git_enable_strict_object_creation(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, enabled);
}

/// Caps libgit2's cache of parsed objects (trees and commits; 256 MiB by default).
static inline int choros_git_set_cache_max_size(size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)bytes);
}

/// Reads no system, XDG or global configuration: the store behaves as its own repository says,
/// whatever HOME holds, and a ref update stats one config file instead of four.
static inline int choros_git_isolate_config(void) {
    int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG, GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA};
    for (unsigned i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        int status = git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "");
        if (status < 0) return status;
    }
    return 0;
}

/// libgit2 rescans objects/pack whenever an object it is asked to write is not stored yet,
/// which is every new object. A commit batch rescans once as it starts (so a pack a fetch or a
/// repack added since is seen), then turns the rescan off on its handle until it ends: the
/// writer thread is serial, so no pack appears meanwhile.
static inline int choros_git_pack_rescan(git_repository *repository, int enabled) {
    static int (*rescan)(git_odb_backend *) = NULL;
    git_odb *odb = NULL;
    int status = git_repository_odb(&odb, repository);
    if (status < 0) return status;
    if (!enabled) status = git_odb_refresh(odb);
    size_t count = git_odb_num_backends(odb);
    for (size_t i = 0; i < count; i++) {
        git_odb_backend *backend = NULL;
        if (git_odb_get_backend(&backend, odb, i) < 0 || backend == NULL) continue;
        if (!enabled && backend->refresh != NULL) {
            __atomic_store_n(&rescan, backend->refresh, __ATOMIC_RELAXED);
            backend->refresh = NULL;
        } else if (enabled && backend->refresh == NULL && backend->writepack != NULL) {
            // Only the pack backend writes packs (the loose one has neither callback).
            backend->refresh = __atomic_load_n(&rescan, __ATOMIC_RELAXED);
        }
    }
    git_odb_free(odb);
    return status;
}

/// syncfs(2) on the filesystem holding `fd`: one flush for everything a batch of commits
/// wrote (objects, refs, the op index) instead of an fsync per file and directory.
static inline int choros_syncfs(int fd) {
    return (int)syscall(SYS_syncfs, fd);
}

/// Lowers the calling thread's priority (nice 10), and so of the threads it starts: a push
/// packs on whatever the commits leave free.
static inline int choros_lower_thread_priority(void) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
}

#endif

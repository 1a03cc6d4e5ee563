#ifndef CHOROS_CGIT2_SHIM_H
#define CHOROS_CGIT2_SHIM_H

#include <git2.h>
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

/// syncfs(2) on the filesystem holding `fd`: one flush for everything a batch of commits
/// wrote (objects, refs, the op index) instead of an fsync per file and directory.
static inline int choros_syncfs(int fd) {
    return (int)syscall(SYS_syncfs, fd);
}

#endif

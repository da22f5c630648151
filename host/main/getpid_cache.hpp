#pragma once
// getpid() answered from memory after its first call, for the whole agenthost process.
//
// Why: libzmq (4.3) checks getpid() in every signal between its threads, to notice that it
// runs in a forked child (signaler.cpp). glibc has not cached the pid since 2.25, so each
// check is a system call, and in a VM a system call traps to the hypervisor: ~1 µs here. A
// request served over tcp made ~10 of them (6 on the socket thread, 4 on ZeroMQ's I/O
// thread); without them a cross-host call went from 1.36x to 1.18x the raw tcp round trip
// at the median (README, "Messaging").
//
// How: getpid_cache.cpp defines getpid() in the executable, which the dynamic linker binds
// every library's and plugin's call to (libc's own internal calls stay its own). The pid
// lives in an anonymous page marked MADV_WIPEONFORK, which the kernel zeroes in the child of
// every fork (fork(), _Fork(), clone() without CLONE_VM): there the first call asks the
// kernel again. A child that shares the parent's memory (vfork, posix_spawn) sees the parent's pid
// until it execs; glibc's posix_spawn child never asks. Without MADV_WIPEONFORK (Linux
// < 4.14) every call is the system call, as before.
//
// Only the agenthost executable (and the unit test that checks it) links this file.

namespace agenthost {

// True when getpid() is this cache: the page was set up at start-up.
bool getpid_is_cached();

}  // namespace agenthost

#ifndef KENSA_COLLECTOR_STEPS_H_
#define KENSA_COLLECTOR_STEPS_H_
// One function per artifact of docs/collection-format.md. Each is bounded (row, file and byte
// limits named where they are used), logs what it did, records what it could not collect as
// manifest errors, and returns whatever happens.

#include "collector.h"

// Fills c->host (names, OS, architecture, time zone, boot time, user). Always runs.
void GatherHostFacts(Collector* c);

void CollectHostInfo(Collector* c);           // host_info: commands/systeminfo.txt
void CollectProcesses(Collector* c);          // processes: commands/processes.tsv
void CollectNetwork(Collector* c);            // network: commands/network.tsv
void CollectServices(Collector* c);           // services: commands/services.tsv
void CollectAutoruns(Collector* c);           // autoruns: commands/autoruns.tsv, startup files
void CollectScheduledTasks(Collector* c);     // scheduled_tasks: System32\Tasks, Tasks\*.job
void CollectEventLogs(Collector* c);          // event_logs: EvtExportLog / BackupEventLog
void CollectRegistryHives(Collector* c);      // registry_hives: RegSaveKeyEx, user hives
void CollectAmcache(Collector* c);            // amcache: Amcache.hve, RecentFileCache.bcf
void CollectPrefetch(Collector* c);           // prefetch: Prefetch\*.pf
void CollectShellHistory(Collector* c);       // shell_history: PSReadLine histories
void CollectShortcuts(Collector* c);          // shortcuts: Recent items, jump lists, Startup/desktop .lnk
void CollectRecentExecutables(Collector* c);  // recent_executables: new PE files of users

// Walks `root` depth-first (no reparse points followed), calling `visit` for every file.
// Bounded by `max_depth` levels and `*entries_left` directory entries in all (decremented).
// `visit` returns 0 to stop the walk.
typedef int (*FileVisitor)(Collector* c, const wchar_t* path, const WIN32_FIND_DATAW* data,
                           void* context);
void WalkFiles(Collector* c, const wchar_t* root, int max_depth, size_t* entries_left,
               FileVisitor visit, void* context);

// Copies every file of `pattern` (e.g. C:\Windows\Prefetch\*.pf), at most `max_files`.
// Returns how many were stored; the count of matching files goes to *found when not NULL.
size_t CopyMatchingFiles(Collector* c, const wchar_t* directory, const wchar_t* pattern,
                         const char* artifact, size_t max_files, size_t* found);

#endif  // KENSA_COLLECTOR_STEPS_H_
